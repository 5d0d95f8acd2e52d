import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Indexes for the deliverer's claim (src/events/deliverer.ts), so that a claim costs what it takes,
 * not the size of the backlog: the due deliveries are walked in id order per status (status, id) and
 * the claim stops at its limit; "is an earlier delivery of this handler and object still pending or
 * being sent?" is two index seeks (order_key, status, id) instead of a walk through every earlier
 * delivery of the queue, delivered ones included. The (order_key, id) index of 005 had no other use
 * and is dropped (one index less to write per delivery).
 */
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  await db.schema.createIndex('event_deliveries_claim').on('event_deliveries').columns(['status', 'id']).execute();
  await db.schema.createIndex('event_deliveries_queue').on('event_deliveries').columns(['order_key', 'status', 'id']).execute();
  await db.schema.dropIndex('event_deliveries_order').execute();
}
