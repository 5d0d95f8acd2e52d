import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The event session (spec events.md §5.7, loop prevention): every access token records the event-session
 * TTL of the hit that minted it (7 for tokens of the token endpoint, the authorization flow and the
 * command line), and every delivery in the outbox the TTL of the hit that raised it — the tokens sent
 * with it carry that TTL. A call made with a token of TTL t runs with t − 1; at 0 it raises no event.
 * The database keeps the value within 0…7.
 */
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  for (const table of ['oauth_tokens', 'event_deliveries']) {
    await db.schema
      .alterTable(table)
      .addColumn('event_session', 'integer', (c) => c.notNull().defaultTo(7).check(sql`event_session >= 0 and event_session <= 7`))
      .execute();
  }
}
