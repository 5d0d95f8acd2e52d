import type { Kysely } from 'kysely';
import type { CallContext } from '../protocol/registry.js';
import type { Database } from '../store/schema.js';

/** Runs a method body in one transaction: a rejected call leaves nothing half-written. */
export function inTransaction<T>(ctx: CallContext, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return ctx.app.store.db.transaction().execute(fn);
}
