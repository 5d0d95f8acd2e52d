/**
 * The origin (scheme, host, port) of the server that last started on a database, kept in `settings`
 * on SQLite and PostgreSQL alike, so that a command-line tool run beside it (`scrumd webhook add`)
 * prints URLs of the running server rather than the default 127.0.0.1:8080.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

const KEY = 'server_origin';

/** Records the origin a server listens on (written only when it changed: every worker calls this). */
export async function recordServerOrigin(db: Kysely<Database>, origin: string): Promise<void> {
  if ((await recordedServerOrigin(db)) === origin) return;
  await db
    .insertInto('settings')
    .values({ key: KEY, value: origin })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: origin }))
    .execute();
}

/** The origin of the server that last started on this database, if any did. */
export async function recordedServerOrigin(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
  return row?.value;
}
