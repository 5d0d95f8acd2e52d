import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The event outbox (src/events/outbox.ts): the change's transaction writes ONE row per raised event —
 * the event, its data, the hit and the handlers selected then (spec events.md §5.1 step 2: handlers
 * are selected synchronously, inside the operation) — instead of one `event_deliveries` row per
 * handler, each in five indexes. The deliverer fans these rows out into `event_deliveries` later, in
 * one transaction per batch. No index besides the primary key: rows are read in id order and deleted.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('event_outbox')
    .$call(ctx.idColumn)
    .addColumn('hit_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    /** JSON of the event's data; NULL when the event has none */
    .addColumn('data', 'text')
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('event_session', ctx.int, (c) => c.notNull())
    /** JSON: the handlers selected when the event was raised, with what each delivery needs */
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
