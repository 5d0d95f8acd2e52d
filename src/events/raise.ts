/**
 * Raising an event: the handlers are selected and, on the connection of the change that raises it —
 * inside its transaction, so a change that commits always has its deliveries and a rolled-back one
 * never has — task and user events are written as one outbox row (`event_outbox`, outbox.ts) that the
 * deliverer fans out into one delivery per (handler URL, user) later; the other events (app, group,
 * offline notices: their rules read this hit's deliveries) as one delivery row per (handler URL, user)
 * in `event_deliveries` at once. The deliverer (deliverer.ts) sends them after the commit.
 *
 * A "hit" is one REST call (the method runner opens it, method.ts): identical events of one hit
 * collapse into one delivery per handler URL and user (spec events.md §5.6) by a unique key.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { nowSeconds, PortalTime } from '../core/portalTime.js';
import { userRecord } from '../domain/userQuery.js';
import { EVENT_SESSION_TTL } from '../domain/oauth.js';
import { EVENTS } from './catalogue.js';
import { edb, type EventDeliveryTable, type EventsDatabase } from './schema.js';
import { viaOutbox, type OutboxTarget } from './outbox.js';
import { preparedQuery } from '../store/prepared.js';

/**
 * One hit: the calls whose events collapse together. Its id is drawn when an event first needs it, so
 * the calls that raise no event (every read) cost no random bytes.
 */
export class Hit {
  private id: string | undefined;
  /** set when a delivery was written: the runner wakes the deliverer after the commit */
  written = false;

  constructor(
    /** the user who caused the event (0: none — the command line, the system) */
    readonly userId: number,
    /** the OAuth application of the call, when the call was made with its token */
    readonly appId: number | null,
    /** the call's auth_connector */
    readonly connector: string,
    /** the portal's time zone (dates in ONUSERADD) */
    readonly zone?: string,
    /**
     * the hit's event-session TTL (spec events.md §5.7): 7, or the TTL of the call's token − 1; at 0
     * the hit raises no event at all; the tokens of its deliveries carry it
     */
    readonly eventSession: number = EVENT_SESSION_TTL,
    /** the portal's now in seconds (the sandbox clock: `ts`, offline timestamps, delivery records) */
    readonly now: () => number = nowSeconds,
  ) {}

  /**
   * Time-ordered (the milliseconds, then random bytes): the outbox rows of consecutive hits go to the
   * end of its hit and dedupe indexes rather than to random pages, so a commit writes fewer pages.
   */
  get hitId(): string {
    return (this.id ??= `${Date.now().toString(16).padStart(12, '0')}${PROCESS_TAG}${(++hitCounter % 0x1_0000_0000).toString(16).padStart(8, '0')}`);
  }
}

/**
 * Hit ids are unique across processes sharing one database (PostgreSQL, `--workers`): a random tag
 * drawn once per process, then a counter — random bytes per hit cost a system call each.
 */
const PROCESS_TAG = randomBytes(4).toString('hex');
let hitCounter = 0;

const hits = new AsyncLocalStorage<Hit>();

/** Runs `fn` as one hit (an enclosing hit, e.g. the batch around a command, is kept). */
export async function inHit<T>(
  who: { userId: number; appId: number | null; connector?: string; zone?: string; eventSession?: number; now?: () => number },
  fn: () => Promise<T>,
  after?: (h: Hit) => void,
): Promise<T> {
  const outer = hits.getStore();
  if (outer) return fn();
  const hit = new Hit(who.userId, who.appId, who.connector ?? '', who.zone, who.eventSession, who.now);
  try {
    return await hits.run(hit, fn);
  } finally {
    if (after) after(hit);
  }
}

export function currentHit(): Hit | undefined {
  return hits.getStore();
}

/**
 * The rows every raised event reads (the member id, its handlers) are remembered, on a SQLite database
 * this process alone serves, until a table they read is written — inside the change's transaction
 * too, empty answers included: most events have no handler, and most writing calls raise one.
 */
const ON_EVERY_EVENT = { remember: true, inTransactions: true } as const;

const memberIdQuery = preparedQuery((db: Kysely<Database>, key: string) => db.selectFrom('settings').select('value').where('key', '=', key), ON_EVERY_EVENT);

/** The portal's member id (32 hex). */
export async function memberIdOf(db: Kysely<Database>): Promise<string> {
  return (await memberIdQuery.first(db, 'member_id'))?.value ?? '';
}

/**
 * The handlers an event may go to, read on the change's connection: online ones (a handler URL) and
 * offline ones (no URL) of every application, filtered by application in memory (only the ONAPP*
 * events and ONOFFLINEEVENT name one).
 */
const onlineHandlersQuery = preparedQuery((db: Kysely<Database>, event: string) =>
  edb(db)
    .selectFrom('event_handlers as h')
    .leftJoin('oauth_apps as a', 'a.id', 'h.app_id')
    .select(['h.id', 'h.app_id', 'h.handler', 'h.user_id', 'h.options', 'h.application_token as hook_token', 'a.client_id', 'a.application_token', 'a.active', 'a.installed'])
    .where('h.event_name', '=', event)
    .where('h.handler', '<>', '')
    .orderBy('h.id'),
  ON_EVERY_EVENT,
);
const offlineHandlersQuery = preparedQuery((db: Kysely<Database>, event: string) =>
  edb(db)
    .selectFrom('event_handlers as h')
    .innerJoin('oauth_apps as a', 'a.id', 'h.app_id')
    .select(['h.app_id', 'h.connector_id'])
    .where('h.event_name', '=', event)
    .where('h.handler', '=', '')
    .where('a.active', '=', 'Y')
    .where('a.installed', '=', 'Y')
    .orderBy('h.id'),
  ON_EVERY_EVENT,
);
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * The application's `application_token` (spec §1.4): the stored value, else one derived from the
 * member id and the app (apps made before migration 005), 32 hex, stable for the app's life.
 */
export function applicationToken(app: { id: number; client_id: string; application_token: string }, memberId: string): string {
  return app.application_token !== '' ? app.application_token : md5(`${memberId}|${app.id}|${app.client_id}`);
}

/** The data of the task events (spec §7.1): ids and fixed strings only. */
export function taskEventData(event: 'ONTASKADD' | 'ONTASKUPDATE' | 'ONTASKDELETE', id: number): Record<string, unknown> {
  const fields = { ID: id };
  if (event === 'ONTASKADD') return { FIELDS_BEFORE: 'undefined', FIELDS_AFTER: fields, IS_ACCESSIBLE_BEFORE: 'N', IS_ACCESSIBLE_AFTER: 'undefined' };
  if (event === 'ONTASKUPDATE') return { FIELDS_BEFORE: fields, FIELDS_AFTER: fields, IS_ACCESSIBLE_BEFORE: 'undefined', IS_ACCESSIBLE_AFTER: 'undefined' };
  return { FIELDS_BEFORE: fields, FIELDS_AFTER: 'undefined', IS_ACCESSIBLE_BEFORE: 'undefined', IS_ACCESSIBLE_AFTER: 'N' };
}

/** ONTASKADD / ONTASKUPDATE / ONTASKDELETE for a task. */
export function raiseTaskEvent(db: Kysely<Database>, event: 'ONTASKADD' | 'ONTASKUPDATE' | 'ONTASKDELETE', taskId: number): Promise<void> {
  return raise(db, event, taskEventData(event, taskId), `task:${taskId}`);
}

/** ONSONETGROUPADD / UPDATE / DELETE: `data[FIELDS][ID]` as a string (spec §7.3). */
export function raiseGroupEvent(db: Kysely<Database>, event: 'ONSONETGROUPADD' | 'ONSONETGROUPUPDATE' | 'ONSONETGROUPDELETE', groupId: number): Promise<void> {
  return raise(db, event, { FIELDS: { ID: String(groupId) } }, `group:${groupId}`);
}

interface RaiseOptions {
  /** ONAPP* events: only this application's handlers receive it */
  onlyApp?: number;
  /** the user whose tokens go with it when the handler names none (default: the hit's user) */
  userId?: number;
}

/**
 * Writes the deliveries of one event on `db` (the change's transaction). `data` null: the payload has
 * no `data` key (ONOFFLINEEVENT).
 */
export async function raise(db0: Kysely<Database>, event: string, data: unknown, objectKey: string, opts: RaiseOptions = {}): Promise<void> {
  const db = edb(db0);
  const def = EVENTS.get(event);
  if (!def) return;
  const hit = hits.getStore() ?? new Hit(0, null, '');
  if (hit.eventSession <= 0) return; // the loop limit (spec §5.7): no event at all, online or offline
  const dataJson = data === null ? null : JSON.stringify(data);
  if (def.offline) await recordOffline(db, hit, event, dataJson, opts.onlyApp);
  let handlers = await onlineHandlersQuery.all(db0, event);
  if (event.startsWith('ONAPP') || event === 'ONOFFLINEEVENT') {
    const only = opts.onlyApp ?? -1;
    handlers = handlers.filter((h) => h.app_id === only);
  }
  if (handlers.length === 0) return;
  const memberId = await memberIdOf(db0);
  const ts = hit.now();
  const nowMs = Date.now(); // scheduling of the deliverer: real time
  // task and user events: one outbox row for all their handlers, fanned out by the deliverer (outbox.ts)
  if (viaOutbox(event)) {
    const targets = outboxTargets(handlers, def, memberId, opts.userId ?? hit.userId);
    if (targets !== undefined) {
      await insertOutboxRow.run(db0, hit.hitId, event, dataJson, objectKey, ts, hit.eventSession, targets);
      hit.written = true;
    }
    return;
  }
  const rows: Insertable<EventDeliveryTable>[] = [];
  for (const h of handlers) {
    if (h.app_id !== null && (h.active !== 'Y' || h.installed !== 'Y')) continue; // spec §5.2
    if (event === 'ONOFFLINEEVENT' && (await offlineNoticeTooSoon(db, h.id, h.options, ts))) continue;
    const token = h.app_id !== null ? applicationToken({ id: h.app_id, client_id: h.client_id ?? '', application_token: h.application_token ?? '' }, memberId) : h.hook_token;
    if (event === 'ONSONETGROUPUPDATE' && (await groupUpdateSuppressed(db, hit.hitId, objectKey, h.app_id, token))) continue;
    const localUser = h.user_id > 0 ? h.user_id : (opts.userId ?? hit.userId);
    const withTokens = def.tokens && h.app_id !== null && localUser > 0;
    // prefixed with the (time-ordered) hit id: see Hit.hitId
    const dedupe = `${hit.hitId}.${createHash('sha256')
      .update([hit.hitId, h.app_id ?? '', h.handler, localUser, token, hit.eventSession, event, dataJson ?? ''].join('\u0000'))
      .digest('hex')}`;
    const row = {
      hit_id: hit.hitId,
      dedupe,
      handler_id: h.id,
      app_id: h.app_id,
      url: h.handler,
      event_name: event,
      data: dataJson,
      object_key: objectKey,
      order_key: `${h.id}|${objectKey}`,
      local_user: localUser,
      with_tokens: withTokens ? 'Y' : 'N',
      with_refresh: withTokens && def.refresh ? 'Y' : 'N',
      application_token: token,
      ts,
      event_session: hit.eventSession,
      status: 'pending',
      attempts: 0,
      next_at: nowMs,
      locked_until: 0,
      created_at: ts,
    };
    // ONSONETGROUPUPDATE and ONOFFLINEEVENT read the outbox of this hit before each row: written one by one
    if (event === 'ONSONETGROUPUPDATE' || event === 'ONOFFLINEEVENT') {
      await insertDeliveries(db, [row]);
      hit.written = true;
    } else rows.push(row);
  }
  // the other events' deliveries: one statement (at most 500 rows each), not one per handler
  for (let i = 0; i < rows.length; i += 500) {
    await insertDeliveries(db, rows.slice(i, i + 500));
    hit.written = true;
  }
}

type HandlerRows = Awaited<ReturnType<typeof onlineHandlersQuery.all>>;

/** The outbox targets (JSON) of a kept handler list, per event definition, member id and user. */
const targetsMemo = new WeakMap<HandlerRows, Map<string, string | undefined>>();

/**
 * An outbox row's targets as JSON (OutboxTarget[]): the handlers of installed, active apps and the
 * webhooks, each with its user and application token; undefined when none. Remembered for a handler
 * list remembered in memory (the query answers the same array until a handler or an app changes).
 */
function outboxTargets(handlers: HandlerRows, def: { tokens: boolean; refresh: boolean }, memberId: string, fallbackUser: number): string | undefined {
  let memo = targetsMemo.get(handlers);
  if (!memo) targetsMemo.set(handlers, (memo = new Map()));
  const key = `${def.tokens ? 1 : 0}${def.refresh ? 1 : 0}|${memberId}|${fallbackUser}`;
  if (memo.has(key)) return memo.get(key);
  const targets: OutboxTarget[] = [];
  for (const h of handlers) {
    if (h.app_id !== null && (h.active !== 'Y' || h.installed !== 'Y')) continue; // spec §5.2
    const token = h.app_id !== null ? applicationToken({ id: h.app_id, client_id: h.client_id ?? '', application_token: h.application_token ?? '' }, memberId) : h.hook_token;
    const localUser = h.user_id > 0 ? h.user_id : fallbackUser;
    const withTokens = def.tokens && h.app_id !== null && localUser > 0;
    targets.push([h.id, h.app_id, h.handler, localUser, withTokens ? 1 : 0, withTokens && def.refresh ? 1 : 0, token]);
  }
  const json = targets.length > 0 ? JSON.stringify(targets) : undefined;
  if (memo.size < 1_000) memo.set(key, json); // keys: users who raise events; bounded all the same
  return json;
}

const insertOutboxRow = preparedQuery(
  (db: Kysely<Database>, hitId: string, event: string, data: string | null, objectKey: string, ts: number, eventSession: number, targets: string) =>
    edb(db)
      .insertInto('event_outbox')
      .values({ hit_id: hitId, event_name: event, data, object_key: objectKey, ts, event_session: eventSession, targets, created_at: ts }),
);

async function insertDeliveries(db: Kysely<EventsDatabase>, rows: Insertable<EventDeliveryTable>[]): Promise<void> {
  await db.insertInto('event_deliveries').values(rows).onConflict((oc) => oc.column('dedupe').doNothing()).execute();
}

/**
 * A second ONSONETGROUPUPDATE for a group in one hit — or one after its ONSONETGROUPADD — is dropped
 * per (application, application token), not per handler (spec §7.3).
 */
async function groupUpdateSuppressed(db: Kysely<EventsDatabase>, hitId: string, objectKey: string, appId: number | null, token: string): Promise<boolean> {
  let q = db
    .selectFrom('event_deliveries')
    .select('id')
    .where('hit_id', '=', hitId)
    .where('object_key', '=', objectKey)
    .where('event_name', 'in', ['ONSONETGROUPADD', 'ONSONETGROUPUPDATE']);
  q = appId !== null ? q.where('app_id', '=', appId) : q.where('app_id', 'is', null).where('application_token', '=', token);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** ONUSERADD (spec events.md §7.4): the user record as user.get shows it (full field set — `unverified:` per-scope reduction not applied). */
export async function raiseUserAdd(db: Kysely<Database>, userId: number, now: number): Promise<void> {
  const u = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!u) return;
  const time = new PortalTime(hits.getStore()?.zone ?? 'UTC');
  await raise(db, 'ONUSERADD', userRecord(u, 'user', 'list', time, now), `user:${userId}`);
}

/**
 * Offline bindings (spec events.md §6.1): one record per object and queue, refreshed by later changes
 * (MESSAGE_ID = md5 of the event name, '|' and the data's JSON); never for the app's own changes made
 * with the binding's connector; then ONOFFLINEEVENT for each app that got a record (§6.4).
 */
async function recordOffline(db: Kysely<EventsDatabase>, hit: Hit, event: string, dataJson: string | null, onlyApp: number | undefined): Promise<void> {
  const db0 = db as unknown as Kysely<Database>;
  let rows = await offlineHandlersQuery.all(db0, event);
  if (event.startsWith('ONAPP')) rows = rows.filter((r) => r.app_id === (onlyApp ?? -1));
  if (rows.length === 0) return;
  const messageId = md5(`${event}|${dataJson ?? 'null'}`);
  const now = hit.now();
  const apps = new Set<number>();
  for (const r of rows) {
    const appId = r.app_id!;
    if (hit.appId === appId && hit.connector === r.connector_id) continue; // self-exclusion
    await db
      .insertInto('event_offline')
      .values({ timestamp_x: now, message_id: messageId, app_id: appId, event_name: event, event_data: dataJson, local_user: hit.userId, process_id: '', connector_id: r.connector_id, error: 0 })
      .onConflict((oc) => oc.columns(['message_id', 'app_id', 'connector_id', 'process_id']).doUpdateSet({ timestamp_x: now, event_data: dataJson, local_user: hit.userId }))
      .execute();
    apps.add(appId);
  }
  for (const appId of apps) await raise(db as unknown as Kysely<Database>, 'ONOFFLINEEVENT', null, `app:${appId}`, { onlyApp: appId });
}

/**
 * `minTimeout` (default 1) of an ONOFFLINEEVENT handler: no notice within that many seconds of the last
 * one — dropped, not postponed. 0: one per call (the per-call collapse does it).
 */
async function offlineNoticeTooSoon(db: Kysely<EventsDatabase>, handlerId: number, options: string, now: number): Promise<boolean> {
  let minTimeout = 1;
  try {
    const o = JSON.parse(options) as { minTimeout?: unknown };
    if (typeof o.minTimeout === 'number') minTimeout = o.minTimeout;
  } catch {
    // stored by event.bind: always JSON
  }
  if (minTimeout <= 0) return false;
  const last = await db
    .selectFrom('event_deliveries')
    .select('id')
    .where('handler_id', '=', handlerId)
    .where('event_name', '=', 'ONOFFLINEEVENT')
    .where('created_at', '>', now - minTimeout)
    .limit(1)
    .executeTakeFirst();
  return last !== undefined;
}
