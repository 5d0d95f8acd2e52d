/**
 * Row locks on a parent (a group, a backlog or sprint) for the writers that add children to it and the
 * deletes that remove it, so that on PostgreSQL a delete and a concurrent write of a child cannot both
 * commit. The parent/child pairs have no foreign keys: the reference keeps some children of deleted
 * parents (a deleted sprint's board stages, a deleted epic's id on items) and moves a backlog or sprint to
 * a group id it does not check (B-4), so the invariants are held by these locks.
 *
 * - A writer of children takes `for key share` on the parent: it waits for a delete of the parent under
 *   way and then sees the parent gone; writers do not wait for each other, nor for ordinary updates of
 *   the parent (`lockGroup`'s no-op update).
 * - A delete takes `for update` on the parent before it reads the children: it waits for the writers
 *   that hold the parent, and its next statements (READ COMMITTED) see the children they added.
 *
 * SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so there the lock is only the lookup.
 * Both must run inside the method's transaction.
 */
import { PostgresAdapter, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export type ParentTable = 'sonet_groups' | 'scrum_entities';
export type ParentLock = 'key share' | 'update';

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Locks the parent row; whether it exists (after waiting for a concurrent delete of it). */
export async function lockParent(db: Kysely<Database>, table: ParentTable, id: number, mode: ParentLock): Promise<boolean> {
  if (!Number.isSafeInteger(id) || id <= 0) return false;
  const q = db.selectFrom(table).select('id').where('id', '=', id);
  if (!isPostgres(db)) return (await q.executeTakeFirst()) !== undefined;
  const row = await (mode === 'update' ? q.forUpdate() : q.forKeyShare()).executeTakeFirst();
  return row !== undefined;
}
