import { type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Applications and events (docs/COMPATIBILITY.md, "Applications and events"): the installation fields
 * of local applications, event handlers (bindings and outgoing webhooks), the outbox of deliveries
 * written in the transaction of the change that raises them, and the offline event queue.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const id = ctx.idColumn;
  // the application's token sent in every event (32 hex, never changes), its installation path,
  // "uses API only", and whether it is installed (events are delivered only while it is)
  await db.schema.alterTable('oauth_apps').addColumn('application_token', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('oauth_apps').addColumn('url_install', 'text').execute();
  await db.schema.alterTable('oauth_apps').addColumn('only_api', 'text', (c) => c.notNull().defaultTo('Y')).execute();
  await db.schema.alterTable('oauth_apps').addColumn('installed', 'text', (c) => c.notNull().defaultTo('Y')).execute();

  await db.schema
    .createTable('event_handlers')
    .$call(id)
    /** NULL for outgoing webhooks */
    .addColumn('app_id', ctx.int, (c) => c.references('oauth_apps.id').onDelete('cascade'))
    .addColumn('event_name', 'text', (c) => c.notNull())
    /** '' for an offline binding */
    .addColumn('handler', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('user_id', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('connector_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
    /** outgoing webhooks: the integration's token */
    .addColumn('application_token', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('date_create', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('event_handlers_uniq')
    .on('event_handlers')
    .columns(['app_id', 'event_name', 'handler', 'user_id', 'connector_id'])
    .unique()
    .execute();
  await db.schema.createIndex('event_handlers_event').on('event_handlers').column('event_name').execute();

  await db.schema
    .createTable('event_deliveries')
    .$call(id)
    /** the request (hit) that raised the event: identical events of one hit collapse (dedupe) */
    .addColumn('hit_id', 'text', (c) => c.notNull())
    .addColumn('dedupe', 'text', (c) => c.notNull().unique())
    /** no foreign keys: an event raised before a handler or app goes is still delivered */
    .addColumn('handler_id', ctx.int, (c) => c.notNull())
    .addColumn('app_id', ctx.int)
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    /** JSON of the event's data; NULL when the event has none */
    .addColumn('data', 'text')
    /** 'task:42', 'group:7', 'app:3': the object, for ordering and suppression */
    .addColumn('object_key', 'text', (c) => c.notNull())
    /** deliveries with one order key are sent one at a time, in id order */
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('local_user', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('with_tokens', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('with_refresh', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('application_token', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ts', 'bigint', (c) => c.notNull())
    /** pending → sending → delivered | failed (pending again between attempts) */
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', ctx.int, (c) => c.notNull().defaultTo(0))
    /** milliseconds since the epoch */
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('response_code', ctx.int)
    .addColumn('response_ms', ctx.int)
    .addColumn('delivered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_deliveries_due').on('event_deliveries').columns(['status', 'next_at']).execute();
  await db.schema.createIndex('event_deliveries_order').on('event_deliveries').columns(['order_key', 'id']).execute();
  await db.schema.createIndex('event_deliveries_hit').on('event_deliveries').columns(['hit_id', 'object_key']).execute();

  await db.schema
    .createTable('event_offline')
    .$call(id)
    .addColumn('timestamp_x', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('app_id', ctx.int, (c) => c.notNull().references('oauth_apps.id').onDelete('cascade'))
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('event_data', 'text')
    .addColumn('local_user', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('process_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('connector_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('error', ctx.int, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('event_offline_uniq')
    .on('event_offline')
    .columns(['message_id', 'app_id', 'connector_id', 'process_id'])
    .unique()
    .execute();
}
