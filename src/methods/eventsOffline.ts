/**
 * The offline queue (spec events.md §4.7–4.10): event.offline.get (atomic reservation), .clear, .error
 * and .list. Administrators of an application only; parameter names are lower-cased.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { Errors } from '../core/errors.js';
import { isPhpArray, toInt, toStr, type PhpMap } from '../core/php.js';
import { LIST_LIMIT, Page, type Caller } from '../core/call.js';
import { method, type MethodSpec } from '../protocol/method.js';
import type { Database } from '../store/schema.js';
import { edb, type EventsDatabase } from '../events/schema.js';

type Q = SelectQueryBuilder<EventsDatabase, 'event_offline', object>;

function lowerParams(params: PhpMap): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(params)) out[k.toLowerCase()] = v;
  return out;
}

function requireAdminApp(caller: Caller): number {
  if (caller.authType !== 'oauth') throw Errors.events.wrongAuthType();
  if (!caller.isAdmin) throw Errors.accessDenied();
  return caller.credentialId;
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

function isMap(v: unknown): v is Record<string, unknown> {
  return isPhpArray(v);
}

function columnValue(field: string, v: unknown): unknown {
  if (field === 'TIMESTAMP_X') {
    const ms = Date.parse(toStr(v));
    return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
  }
  if (field === 'ID' || field === 'ERROR') return toInt(v);
  return toStr(v);
}

interface Filter {
  apply(q: Q): Q;
}

/** Checks and compiles `filter` (rows 5–7, 11 of §4.7). */
function readFilter(filter: unknown, fields: readonly string[], arraysAllowed: boolean): Filter {
  if (filter === undefined) return { apply: (q) => q };
  if (!isMap(filter)) throw Errors.events.filterNotArray();
  const parts: ((q: Q) => Q)[] = [];
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
  return { apply: (q) => parts.reduce((acc, p) => p(acc), q) };
}

function readOrder(order: unknown, fields: readonly string[], dflt: [string, 'asc' | 'desc']): [string, 'asc' | 'desc'][] {
  if (order === undefined) return [dflt];
  if (!isMap(order)) throw Errors.events.orderNotArray();
  const out: [string, 'asc' | 'desc'][] = [];
  for (const [k, v] of Object.entries(order)) {
    const field = k.toUpperCase();
    if (!fields.includes(field)) throw Errors.events.orderField(field);
    const dir = toStr(v).toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw Errors.events.orderDirection();
    out.push([COLUMNS[field]!, dir === 'ASC' ? 'asc' : 'desc']);
  }
  return out.length > 0 ? out : [dflt];
}

function ordered<O>(q: SelectQueryBuilder<EventsDatabase, 'event_offline', O>, order: [string, 'asc' | 'desc'][]): SelectQueryBuilder<EventsDatabase, 'event_offline', O> {
  for (const [c, d] of order) q = q.orderBy(c as 'id', d);
  return q.orderBy('id', 'asc');
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function record(r: { id: number; timestamp_x: number; event_name: string; event_data: string | null; local_user: number; message_id: string }) {
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

function connectorOf(p: Record<string, unknown>): string {
  return typeof p.auth_connector === 'string' ? p.auth_connector : '';
}

const GET_FIELDS = ['ID', 'TIMESTAMP_X', 'EVENT_NAME', 'MESSAGE_ID'];
const LIST_FIELDS = [...GET_FIELDS, 'PROCESS_ID', 'ERROR'];

async function offlineGet(db0: Kysely<Database>, caller: Caller, params: PhpMap, dialect: string) {
  const appId = requireAdminApp(caller);
  const p = lowerParams(params);
  const limit = p.limit === undefined ? 50 : toInt(p.limit);
  if (limit <= 0) throw Errors.events.limitNotPositive();
  const given = p.process_id !== undefined && p.process_id !== null;
  const filter = readFilter(p.filter, GET_FIELDS, given);
  const order = readOrder(p.order, GET_FIELDS, ['timestamp_x', 'asc']);
  const clear = p.clear === undefined ? 1 : toInt(p.clear);
  const error = toInt(p.error) !== 0 ? 1 : 0;
  const connector = connectorOf(p);
  const db = edb(db0);
  const base = (q: Q) => filter.apply(q.where('app_id', '=', appId).where('connector_id', '=', connector).where('error', '=', error));
  let pid: string;
  if (given) pid = toStr(p.process_id);
  else {
    pid = Array.from(randomBytes(32), (b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join('');
    // atomic: the method runs in one transaction; PostgreSQL skips rows another call is reserving
    let pick = ordered(base(db.selectFrom('event_offline')).select('id').where('process_id', '=', ''), order).limit(limit);
    if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
    const ids = (await pick.execute()).map((r) => r.id);
    if (ids.length > 0) await db.updateTable('event_offline').set({ process_id: pid }).where('id', 'in', ids).execute();
  }
  const rows = await ordered(base(db.selectFrom('event_offline')).selectAll().where('process_id', '=', pid), order).limit(limit).execute();
  if (clear !== 0 && rows.length > 0) {
    await db.deleteFrom('event_offline').where('app_id', '=', appId).where('connector_id', '=', connector).where('process_id', '=', pid).execute();
  }
  return { process_id: clear === 0 || given ? pid : null, events: rows.map(record) };
}

function messageIdList(v: unknown): string[] {
  if (!isPhpArray(v)) throw Errors.events.messageIds('message_id');
  const list = Object.values(v).map((x) => toStr(x).trim());
  if (list.some((x) => x.length !== 32)) throw Errors.events.messageIds('messsage_id');
  return list;
}

export const offlineEventMethods: MethodSpec[] = [
  method({
    name: 'event.offline.get',
    scopes: [],
    transaction: true,
    handler: ({ caller, params, db, app }) => offlineGet(db, caller, params, app.store.dialect),
  }),
  method({
    name: 'event.offline.clear',
    scopes: [],
    transaction: true,
    handler: async ({ caller, params, db }) => {
      const appId = requireAdminApp(caller);
      const p = lowerParams(params);
      if (p.process_id === undefined || p.process_id === null) throw Errors.events.argumentNull('PROCESS_ID');
      let q = edb(db).deleteFrom('event_offline').where('app_id', '=', appId).where('connector_id', '=', connectorOf(p)).where('process_id', '=', toStr(p.process_id));
      if (p.message_id !== undefined) {
        const list = messageIdList(p.message_id);
        q = q.where('message_id', 'in', list.length > 0 ? list : ['']);
      } else if (p.id !== undefined) {
        if (!isPhpArray(p.id)) throw Errors.events.recordIds();
        const ids = Object.values(p.id).map(toInt);
        if (ids.some((i) => i <= 0)) throw Errors.events.recordIds();
        q = q.where('id', 'in', ids.length > 0 ? ids : [0]);
      }
      await q.execute();
      return true;
    },
  }),
  method({
    name: 'event.offline.error',
    scopes: [],
    transaction: true,
    handler: async ({ caller, params, db }) => {
      const appId = requireAdminApp(caller);
      const p = lowerParams(params);
      if (p.process_id === undefined || p.process_id === null) throw Errors.events.argumentNull('PROCESS_ID');
      if (p.message_id === undefined || !isPhpArray(p.message_id)) throw Errors.events.messageIds('message_id');
      const list = Object.values(p.message_id).map((x) => toStr(x).trim());
      if (list.length === 0) return true;
      const pid = toStr(p.process_id);
      const e = edb(db);
      const connector = connectorOf(p);
      // (a) newer unreserved duplicates and other processes' reservations go…
      await e.deleteFrom('event_offline').where('app_id', '=', appId).where('connector_id', '=', connector).where('message_id', 'in', list).where('error', '=', 0).where('process_id', '<>', pid).execute();
      // (an older error record of the object gives way to the one that now fails)
      await e.deleteFrom('event_offline').where('app_id', '=', appId).where('connector_id', '=', connector).where('message_id', 'in', list).where('error', '=', 1).where('process_id', '=', '').where('process_id', '<>', pid).execute();
      // (b) …and this process's become error records
      await e.updateTable('event_offline').set({ error: 1, process_id: '' }).where('app_id', '=', appId).where('connector_id', '=', connector).where('message_id', 'in', list).where('process_id', '=', pid).execute();
      return true;
    },
  }),
  method({
    name: 'event.offline.list',
    scopes: [],
    handler: async ({ caller, params, db, start }) => {
      const appId = requireAdminApp(caller);
      const p = lowerParams(params);
      const filter = readFilter(p.filter, LIST_FIELDS, true);
      const order = readOrder(p.order, LIST_FIELDS, ['id', 'asc']);
      const e = edb(db);
      const base = (q: Q) => filter.apply(q.where('app_id', '=', appId).where('connector_id', '=', connectorOf(p)));
      const total = Number((await base(e.selectFrom('event_offline')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const offset = Math.max(0, start);
      const rows = await ordered(base(e.selectFrom('event_offline')).selectAll(), order).limit(LIST_LIMIT).offset(offset).execute();
      const result = rows.map((r) => ({ ...record(r), PROCESS_ID: r.process_id, ERROR: String(r.error) }));
      return new Page(result, offset + LIST_LIMIT < total ? offset + LIST_LIMIT : undefined, total);
    },
  }),
];
