import type { Kysely } from 'kysely';
import type { CallContext } from '../protocol/registry.js';
import type { Database } from '../store/schema.js';

/** Serialization failures and deadlocks (PostgreSQL and compatible databases): the transaction may be run again. */
export function isRetryable(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * A foreign key refused a row because its parent is gone (PostgreSQL): a concurrent transaction deleted
 * the parent after this one read it (e.g. `sonet_group.delete` while `sonet_group.user.add` inserts a
 * membership). Run again, the method reads the parent as deleted and answers its documented error
 * instead of a 500. (On SQLite writers run one at a time: such a failure is not a race, and not retried.)
 */
function isParentGone(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === '23503';
}

const ATTEMPTS = 5;

/**
 * Runs a method body in one transaction: a rejected call leaves nothing half-written. A transaction the
 * database aborted for a conflict with a concurrent one is run again, so clients see the documented
 * answer rather than a 500.
 */
export async function inTransaction<T>(ctx: CallContext, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.app.store.transaction(fn);
    } catch (e) {
      if (attempt >= ATTEMPTS || !(isRetryable(e) || isParentGone(e))) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}
