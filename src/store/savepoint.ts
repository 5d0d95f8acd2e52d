import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

let savepointCounter = 0;

/**
 * Runs `fn` under a savepoint of the surrounding transaction: if it throws, what it wrote is rolled back
 * alone and the transaction goes on (on PostgreSQL the savepoint also keeps a failed statement from
 * aborting the whole transaction). SAVEPOINT / ROLLBACK TO / RELEASE are the same statements in SQLite
 * and PostgreSQL. Answers whether `fn` succeeded, and with what it failed.
 */
export async function underSavepoint(db: Kysely<Database>, fn: () => Promise<void>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  const name = sql.id(`scrumd_savepoint_${++savepointCounter}`);
  await sql`savepoint ${name}`.execute(db);
  try {
    await fn();
    await sql`release savepoint ${name}`.execute(db);
    return { ok: true };
  } catch (error) {
    await sql`rollback to savepoint ${name}`.execute(db);
    await sql`release savepoint ${name}`.execute(db);
    return { ok: false, error };
  }
}
