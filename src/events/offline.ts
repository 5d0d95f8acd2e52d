/**
 * The offline queue's methods (spec events.md §4.7–4.10): event.offline.get (atomic reservation),
 * .clear, .error and .list — administrators of an application only; parameter names are lower-cased.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Errors } from '../core/errors.js';
import { isPhpArray, toInt, toStr, type PhpMap } from '../core/php.js';
import { LIST_LIMIT, Page, type Caller } from '../core/call.js';
import type { Database } from '../store/schema.js';
import { connectorOf } from '../domain/oauth.js';
import { deleteExpiredOffline, deleteOffline, listOffline, OFFLINE_LIFETIME_SECONDS, markOfflineError, reservedOffline, reserveOffline, type OfflineCondition, type OfflineOrder, type OfflineRow, type Queue } from './store.js';

/** What every offline method starts with: the checks of rules 1–2, its lower-cased parameters and its queue. */
interface OfflineCall {
  p: Record<string, unknown>;
  queue: Queue;
}

function offlineCall(caller: Caller, params: PhpMap): OfflineCall {
  if (caller.authType !== 'oauth') throw Errors.events.wrongAuthType();
  if (!caller.isAdmin) throw Errors.accessDenied();
  const p: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(params)) p[k.toLowerCase()] = v;
  return { p, queue: { appId: caller.credentialId, connector: connectorOf(caller) } };
}

/**
 * Retention (spec events.md §6.3, a SHOULD): the service deletes records older than about 34 days
 * with an agent; scrumd has no agent, so the queue's methods that write (get, clear, error) first
 * delete every record older than that on the portal's clock (the sandbox clock, so advancing it
 * ages them), and event.offline.list, which only reads, does not show them. `unverified:` when the
 * agent runs (hourly or daily) is not known; here a record is gone the moment it is too old.
 */
function expiredBefore(now: number): number {
  return now - OFFLINE_LIFETIME_SECONDS;
}

/** `process_id`, required by .clear and .error ('' is a value). */
function processIdOf(p: Record<string, unknown>): string {
  if (p.process_id === undefined || p.process_id === null) throw Errors.events.argumentNull('PROCESS_ID');
  return toStr(p.process_id);
}

const COLUMNS: Record<string, 'id' | 'timestamp_x' | 'event_name' | 'message_id' | 'process_id' | 'error'> = {
  ID: 'id',
  TIMESTAMP_X: 'timestamp_x',
  EVENT_NAME: 'event_name',
  MESSAGE_ID: 'message_id',
  PROCESS_ID: 'process_id',
  ERROR: 'error',
};
const OPS = ['', '=', '>', '<', '>=', '<=', '@', '%'];
const GET_FIELDS = ['ID', 'TIMESTAMP_X', 'EVENT_NAME', 'MESSAGE_ID'];
const LIST_FIELDS = [...GET_FIELDS, 'PROCESS_ID', 'ERROR'];

function columnValue(field: string, v: unknown): unknown {
  if (field === 'TIMESTAMP_X') {
    const ms = Date.parse(toStr(v));
    return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
  }
  if (field === 'ID' || field === 'ERROR') return toInt(v);
  return toStr(v);
}

/** Checks and compiles `filter` (rows 5–7, 11 of §4.7). */
function readFilter(filter: unknown, fields: readonly string[], arraysAllowed: boolean): OfflineCondition {
  if (filter === undefined) return (q) => q;
  if (!isPhpArray(filter)) throw Errors.events.filterNotArray();
  const parts: OfflineCondition[] = [];
  for (const [key, value] of Object.entries(filter)) {
    const m = /^([^A-Za-z_]*)(.*)$/.exec(key)!;
    const op = m[1]!;
    const field = m[2]!.toUpperCase();
    if (!OPS.includes(op)) throw Errors.events.filterOperation(op);
    if (!fields.includes(field)) throw Errors.events.filterField(field);
    const col = COLUMNS[field]!;
    if (isPhpArray(value)) {
      if (!arraysAllowed) throw Errors.events.filterValueType(key);
      const list = Object.values(value).map((v) => columnValue(field, v));
      parts.push((q) => (list.length === 0 ? q.where(col, '=', null as never) : q.where(col, 'in', list as never)));
      continue;
    }
    const v = columnValue(field, value);
    if (op === '%') parts.push((q) => q.where(col, 'like', `%${toStr(value)}%` as never));
    else if (op === '' || op === '=' || op === '@') parts.push((q) => q.where(col, '=', v as never));
    else parts.push((q) => q.where(col, op as '>' | '<' | '>=' | '<=', v as never));
  }
  return (q) => parts.reduce((acc, part) => part(acc), q);
}

/** Checks and compiles `order` (rows 8–10 of §4.7). */
function readOrder(order: unknown, fields: readonly string[], dflt: OfflineOrder[number]): OfflineOrder {
  if (order === undefined) return [dflt];
  if (!isPhpArray(order)) throw Errors.events.orderNotArray();
  const out: [keyof OfflineRow, 'asc' | 'desc'][] = [];
  for (const [k, v] of Object.entries(order)) {
    const field = k.toUpperCase();
    if (!fields.includes(field)) throw Errors.events.orderField(field);
    const dir = toStr(v).toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw Errors.events.orderDirection();
    out.push([COLUMNS[field]!, dir === 'ASC' ? 'asc' : 'desc']);
  }
  return out.length > 0 ? out : [dflt];
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** A record as the methods show it. */
function record(r: OfflineRow) {
  let data: unknown = false;
  try {
    data = r.event_data === null ? false : JSON.parse(r.event_data);
  } catch {
    data = false;
  }
  return {
    ID: String(r.id),
    TIMESTAMP_X: iso(Number(r.timestamp_x)),
    EVENT_NAME: r.event_name,
    EVENT_DATA: data,
    EVENT_ADDITIONAL: { user_id: Number(r.local_user) }, // `unverified:` an integer
    MESSAGE_ID: r.message_id,
  };
}

/** A new process id: 32 characters of [0-9a-z]. */
function newProcessId(): string {
  return Array.from(randomBytes(32), (b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join('');
}

/** event.offline.get (§4.7), in the caller's transaction: reserve (unless re-reading), read, clear. */
export async function getOffline(db: Kysely<Database>, caller: Caller, params: PhpMap, dialect: string, now: number) {
  const { p, queue } = offlineCall(caller, params);
  await deleteExpiredOffline(db, expiredBefore(now));
  const limit = p.limit === undefined ? 50 : toInt(p.limit);
  if (limit <= 0) throw Errors.events.limitNotPositive();
  const given = p.process_id !== undefined && p.process_id !== null;
  const filter = readFilter(p.filter, GET_FIELDS, given);
  const order = readOrder(p.order, GET_FIELDS, ['timestamp_x', 'asc']);
  const clear = p.clear === undefined ? 1 : toInt(p.clear);
  const error = toInt(p.error) !== 0 ? 1 : 0;
  const where: OfflineCondition = (q) => filter(q.where('error', '=', error));
  const pid = given ? toStr(p.process_id) : newProcessId();
  if (!given) await reserveOffline(db, queue, where, order, limit, pid, dialect);
  const rows = await reservedOffline(db, queue, where, order, limit, pid);
  if (clear !== 0 && rows.length > 0) await deleteOffline(db, queue, pid);
  return { process_id: clear === 0 || given ? pid : null, events: rows.map(record) };
}

/** event.offline.clear (§4.8): `message_id` wins over `id`; `process_id=""` clears every unreserved record. */
export async function clearOffline(db: Kysely<Database>, caller: Caller, params: PhpMap, now: number): Promise<true> {
  const { p, queue } = offlineCall(caller, params);
  await deleteExpiredOffline(db, expiredBefore(now));
  const pid = processIdOf(p);
  if (p.message_id !== undefined) {
    if (!isPhpArray(p.message_id)) throw Errors.events.messageIds('message_id');
    const messageIds = Object.values(p.message_id).map((x) => toStr(x).trim());
    if (messageIds.some((x) => x.length !== 32)) throw Errors.events.messageIds('messsage_id');
    await deleteOffline(db, queue, pid, { messageIds });
  } else if (p.id !== undefined) {
    if (!isPhpArray(p.id)) throw Errors.events.recordIds();
    const ids = Object.values(p.id).map(toInt);
    if (ids.some((i) => i <= 0)) throw Errors.events.recordIds();
    await deleteOffline(db, queue, pid, { ids });
  } else {
    await deleteOffline(db, queue, pid);
  }
  return true;
}

/** event.offline.error (§4.9). */
export async function failOffline(db: Kysely<Database>, caller: Caller, params: PhpMap, now: number): Promise<true> {
  const { p, queue } = offlineCall(caller, params);
  await deleteExpiredOffline(db, expiredBefore(now));
  const pid = processIdOf(p);
  if (p.message_id === undefined || !isPhpArray(p.message_id)) throw Errors.events.messageIds('message_id');
  const messageIds = Object.values(p.message_id).map((x) => toStr(x).trim());
  if (messageIds.length > 0) await markOfflineError(db, queue, pid, messageIds);
  return true;
}

/** event.offline.list (§4.10): read-only, every state, 50 a page. */
export async function listOfflineEvents(db: Kysely<Database>, caller: Caller, params: PhpMap, start: number, now: number): Promise<Page> {
  const { p, queue } = offlineCall(caller, params);
  const given = readFilter(p.filter, LIST_FIELDS, true);
  const cutoff = expiredBefore(now);
  const filter: OfflineCondition = (q) => given(q.where('timestamp_x', '>=', cutoff));
  const order = readOrder(p.order, LIST_FIELDS, ['id', 'asc']);
  const offset = Math.max(0, start);
  const { rows, total } = await listOffline(db, queue, filter, order, offset, LIST_LIMIT);
  const result = rows.map((r) => ({ ...record(r), PROCESS_ID: r.process_id, ERROR: String(r.error) }));
  return new Page(result, offset + LIST_LIMIT < total ? offset + LIST_LIMIT : undefined, total);
}
