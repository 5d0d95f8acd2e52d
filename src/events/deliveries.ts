/**
 * The event deliveries as recorded (the outbox), newest first: `scrumd events list` and the board's
 * sandbox panel read them through this one query.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { edb } from './schema.js';

export interface DeliveryRow {
  id: number;
  event_name: string;
  handler_id: number;
  url: string;
  object_key: string;
  status: string;
  attempts: number;
  response_code: number | null;
  response_ms: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** The latest `limit` deliveries (at least 1; 50 when not a number), of one status when given (pending, sending, delivered, failed). */
export async function listDeliveries(db: Kysely<Database>, opts: { status?: string; limit?: number } = {}): Promise<DeliveryRow[]> {
  const limit = Math.max(1, Math.floor(Number(opts.limit)) || 50);
  let q = edb(db)
    .selectFrom('event_deliveries')
    .select(['id', 'event_name', 'handler_id', 'url', 'object_key', 'status', 'attempts', 'response_code', 'response_ms', 'last_error', 'created_at', 'delivered_at'])
    .orderBy('id', 'desc')
    .limit(limit);
  if (opts.status) q = q.where('status', '=', opts.status);
  return (await q.execute()) as DeliveryRow[];
}
