/**
 * The statements of the event methods (bindings and the offline queue), kept apart from their rules
 * (bindings.ts, offline.ts) and from the methods that declare them (src/methods/events*.ts).
 */
import type { Kysely, SelectQueryBuilder, Selectable } from 'kysely';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/dialectErrors.js';
import { edb, type EventHandlerTable, type EventOfflineTable, type EventsDatabase } from './schema.js';

export type HandlerRow = Selectable<EventHandlerTable>;
export type OfflineRow = Selectable<EventOfflineTable>;

/** One handler row: the identity the unique index keeps (spec events.md §1.2). */
export interface HandlerKey {
  appId: number;
  event: string;
  /** '' for an offline binding */
  handler: string;
  userId: number;
  connector: string;
}

/**
 * Inserts a binding; false when the same (app, event, URL, user, connector) is bound already — seen
 * before the insert, or by the unique index when a concurrent call won.
 */
export async function insertHandler(db: Kysely<Database>, k: HandlerKey, options: Record<string, number>, now: number): Promise<boolean> {
  const e = edb(db);
  const existing = await e
    .selectFrom('event_handlers')
    .select('id')
    .where('app_id', '=', k.appId)
    .where('event_name', '=', k.event)
    .where('handler', '=', k.handler)
    .where('user_id', '=', k.userId)
    .where('connector_id', '=', k.connector)
    .executeTakeFirst();
  if (existing) return false;
  try {
    await e
      .insertInto('event_handlers')
      .values({ app_id: k.appId, event_name: k.event, handler: k.handler, user_id: k.userId, connector_id: k.connector, options: JSON.stringify(options), application_token: '', title: '', date_create: now })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
  return true;
}

/**
 * Deletes the app's bindings of `event` with handler URL `handler` ('' offline), narrowed to a
 * connector and/or a user when given; returns how many went.
 */
export async function deleteHandlers(db: Kysely<Database>, k: { appId: number; event: string; handler: string; connector?: string; userId?: number }): Promise<number> {
  let q = edb(db).deleteFrom('event_handlers').where('app_id', '=', k.appId).where('event_name', '=', k.event).where('handler', '=', k.handler);
  if (k.connector !== undefined) q = q.where('connector_id', '=', k.connector);
  if (k.userId !== undefined) q = q.where('user_id', '=', k.userId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The app's handlers by id; only those of `userId` when given. */
export function handlersOf(db: Kysely<Database>, appId: number, userId?: number): Promise<HandlerRow[]> {
  let q = edb(db).selectFrom('event_handlers').selectAll().where('app_id', '=', appId).orderBy('id');
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.execute();
}

// ---------------------------------------------------------------------------------------------
// the offline queue

/** A query over the offline records. */
export type OfflineQuery = SelectQueryBuilder<EventsDatabase, 'event_offline', object>;
/** A condition added to a query over the offline records (a compiled `filter`). */
export type OfflineCondition = (q: OfflineQuery) => OfflineQuery;
export type OfflineOrder = readonly (readonly [keyof OfflineRow, 'asc' | 'desc'])[];

/** One queue of one app: records of (app, connector). */
export interface Queue {
  appId: number;
  connector: string;
}

function ordered<O>(q: SelectQueryBuilder<EventsDatabase, 'event_offline', O>, order: OfflineOrder): SelectQueryBuilder<EventsDatabase, 'event_offline', O> {
  for (const [c, d] of order) q = q.orderBy(c, d);
  return q.orderBy('id', 'asc');
}

function inQueue(q: OfflineQuery, queue: Queue, where: OfflineCondition): OfflineQuery {
  return where(q.where('app_id', '=', queue.appId).where('connector_id', '=', queue.connector));
}

/**
 * Reserves up to `limit` unreserved records (normal or error ones) under `processId`, atomically: the
 * caller runs it in its transaction; on PostgreSQL rows another call is reserving are skipped.
 */
export async function reserveOffline(db: Kysely<Database>, queue: Queue, where: OfflineCondition, order: OfflineOrder, limit: number, processId: string, dialect: string): Promise<void> {
  const e = edb(db);
  let pick = ordered(inQueue(e.selectFrom('event_offline'), queue, where).select('id').where('process_id', '=', ''), order).limit(limit);
  if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
  const ids = (await pick.execute()).map((r) => r.id);
  if (ids.length > 0) await e.updateTable('event_offline').set({ process_id: processId }).where('id', 'in', ids).execute();
}

/** The records reserved under `processId` (in `order`, at most `limit`). */
export function reservedOffline(db: Kysely<Database>, queue: Queue, where: OfflineCondition, order: OfflineOrder, limit: number, processId: string): Promise<OfflineRow[]> {
  return ordered(inQueue(edb(db).selectFrom('event_offline'), queue, where).selectAll().where('process_id', '=', processId), order).limit(limit).execute();
}

/**
 * Deletes the queue's records reserved under `processId` (unreserved ones for ''), restricted to
 * these message ids or record ids when given.
 */
export async function deleteOffline(db: Kysely<Database>, queue: Queue, processId: string, only?: { messageIds?: string[]; ids?: number[] }): Promise<void> {
  let q = edb(db).deleteFrom('event_offline').where('app_id', '=', queue.appId).where('connector_id', '=', queue.connector).where('process_id', '=', processId);
  if (only?.messageIds) q = q.where('message_id', 'in', only.messageIds.length > 0 ? only.messageIds : ['']);
  else if (only?.ids) q = q.where('id', 'in', only.ids.length > 0 ? only.ids : [0]);
  await q.execute();
}

/**
 * `event.offline.error` (spec events.md §4.9): the other copies of these objects go — newer unreserved
 * ones, other processes' reservations, an older error record — and this process's become error records.
 */
export async function markOfflineError(db: Kysely<Database>, queue: Queue, processId: string, messageIds: string[]): Promise<void> {
  const e = edb(db);
  const copies = () => e.deleteFrom('event_offline').where('app_id', '=', queue.appId).where('connector_id', '=', queue.connector).where('message_id', 'in', messageIds);
  // (a) newer unreserved duplicates and other processes' reservations go…
  await copies().where('error', '=', 0).where('process_id', '<>', processId).execute();
  // (an older error record of the object gives way to the one that now fails)
  await copies().where('error', '=', 1).where('process_id', '=', '').where('process_id', '<>', processId).execute();
  // (b) …and this process's become error records
  await e.updateTable('event_offline').set({ error: 1, process_id: '' }).where('app_id', '=', queue.appId).where('connector_id', '=', queue.connector).where('message_id', 'in', messageIds).where('process_id', '=', processId).execute();
}

/** A page of the queue's records in any state, and how many match. */
export async function listOffline(db: Kysely<Database>, queue: Queue, where: OfflineCondition, order: OfflineOrder, offset: number, limit: number): Promise<{ rows: OfflineRow[]; total: number }> {
  const e = edb(db);
  const total = Number((await inQueue(e.selectFrom('event_offline'), queue, where).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await ordered(inQueue(e.selectFrom('event_offline'), queue, where).selectAll(), order).limit(limit).offset(offset).execute();
  return { rows, total };
}

/**
 * Retention (spec events.md §6.3): the service's agent deletes every record, in any state, whose
 * TIMESTAMP_X is older than PROCESS_ID_LIFETIME, 2,952,000 s (commented "30 days", ≈ 34.2 days).
 */
export const OFFLINE_LIFETIME_SECONDS = 2_952_000;

/** Deletes every app's records written before `cutoff` (portal Unix seconds). */
export async function deleteExpiredOffline(db: Kysely<Database>, cutoff: number): Promise<void> {
  await edb(db).deleteFrom('event_offline').where('timestamp_x', '<', cutoff).execute();
}
