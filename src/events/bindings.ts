/**
 * event.bind, event.unbind, event.get (spec events.md §4.2–4.4): their checks in the reference's order
 * and their effect. Application (OAuth) authorization only; parameter names are case-insensitive (the
 * later of `event`/`EVENT` wins).
 */
import type { Kysely } from 'kysely';
import { Errors } from '../core/errors.js';
import { isPhpArray, toInt, toStr, type PhpMap } from '../core/php.js';
import type { Caller } from '../core/call.js';
import type { Database } from '../store/schema.js';
import { connectorOf } from '../domain/oauth.js';
import { bindable } from './catalogue.js';
import { deleteHandlers, handlersOf, insertHandler } from './store.js';

/** The parameters with upper-cased names, in a map without a prototype. */
function upperParams(params: PhpMap): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(params)) out[k.toUpperCase()] = v;
  return out;
}

/** Rule 1 of every event method: the calling application, or WRONG_AUTH_TYPE. */
export function requireApp(caller: Caller): number {
  if (caller.authType !== 'oauth') throw Errors.events.wrongAuthType();
  return caller.credentialId;
}

/** online/offline; '' or absent is online. */
function eventType(v: unknown): 'online' | 'offline' {
  const t = toStr(v).toLowerCase();
  if (t === '' || t === 'online') return 'online';
  if (t === 'offline') return 'offline';
  throw Errors.events.eventTypeInvalid();
}

/**
 * Rule 9 and 10 of event.bind: a host with a dot after its first character (127.0.0.1 passes,
 * localhost and [::1] do not — as the real service), then http or https.
 */
function checkHandlerUrl(handler: string): void {
  let url: URL;
  try {
    url = new URL(handler);
  } catch {
    throw Errors.events.wrongHandlerUrl();
  }
  const host = url.hostname;
  if (host === '' || host.indexOf('.', 1) < 0) throw Errors.events.wrongHandlerUrl();
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Errors.events.unsupportedProtocol();
}

/** The options the event declares, coerced to integers; the others are dropped. */
function eventOptions(v: unknown, declared: readonly string[]): Record<string, number> {
  const options: Record<string, number> = {};
  if (isPhpArray(v) && !Array.isArray(v)) {
    for (const key of declared) {
      const o = (v as Record<string, unknown>)[key];
      if (o !== undefined) options[key] = toInt(o);
    }
  }
  return options;
}

/** event.bind (§4.2): true, or the first failing check's error. */
export async function bindEvent(db: Kysely<Database>, caller: Caller, params: PhpMap, now: number): Promise<true> {
  const appId = requireApp(caller);
  const p = upperParams(params);
  const authType = toInt(p.AUTH_TYPE);
  if (authType > 0 && !caller.isAdmin && authType !== caller.userId) {
    throw Errors.accessDenied('Event binding with AUTH_TYPE requires administrator access rights');
  }
  let userId = authType > 0 ? authType : caller.isAdmin ? 0 : caller.userId;
  const event = toStr(p.EVENT).toUpperCase();
  if (event === '') throw Errors.events.argumentNull('EVENT');
  const offline = eventType(p.EVENT_TYPE) === 'offline';
  if (offline && !caller.isAdmin) throw Errors.accessDenied('Offline events binding requires administrator access rights');
  let handler = '';
  if (offline) userId = 0;
  else {
    handler = toStr(p.HANDLER);
    if (handler === '') throw Errors.events.argumentNull('HANDLER');
    checkHandlerUrl(handler);
  }
  const def = bindable(event, caller.scopes);
  if (!def) throw Errors.events.eventNotFound();
  if (offline && !def.offline) throw Errors.events.offlineNotAllowed();
  if (handler.length > 255) throw Errors.events.handlerTooLong();
  const options = eventOptions(p.OPTIONS, def.options ?? []);
  if (!(await insertHandler(db, { appId, event, handler, userId, connector: connectorOf(caller) }, options, now))) throw Errors.events.alreadyBound();
  return true;
}

/** event.unbind (§4.3): `{count}` of the bindings removed. */
export async function unbindEvent(db: Kysely<Database>, caller: Caller, params: PhpMap): Promise<{ count: number }> {
  const appId = requireApp(caller);
  const p = upperParams(params);
  const event = toStr(p.EVENT).toUpperCase();
  if (event === '') throw Errors.events.argumentNull('EVENT');
  const offline = eventType(p.EVENT_TYPE) === 'offline';
  if (offline && !caller.isAdmin) throw Errors.accessDenied('Offline events unbinding requires administrator access rights');
  if (offline) return { count: await deleteHandlers(db, { appId, event, handler: '', connector: connectorOf(caller) }) };
  const handler = toStr(p.HANDLER);
  if (handler === '') throw Errors.events.argumentNull('HANDLER');
  const present = p.AUTH_TYPE !== undefined && p.AUTH_TYPE !== null;
  // PHP `!==`: only a JSON integer equal to the caller's id passes for a non-admin (spec §4.3 rule 6)
  if (present && !caller.isAdmin && p.AUTH_TYPE !== caller.userId) {
    throw Errors.accessDenied('Event unbinding with AUTH_TYPE requires administrator access rights');
  }
  const userId = present ? toInt(p.AUTH_TYPE) : caller.isAdmin ? undefined : caller.userId;
  return { count: await deleteHandlers(db, { appId, event, handler, userId }) };
}

/** event.get (§4.4): the app's handlers by id; non-admins see only their own. */
export async function eventHandlers(db: Kysely<Database>, caller: Caller): Promise<unknown[]> {
  const appId = requireApp(caller);
  const rows = await handlersOf(db, appId, caller.isAdmin ? undefined : caller.userId);
  return rows.map((r) =>
    r.handler === ''
      ? { event: r.event_name, connector_id: r.connector_id, offline: 1 }
      : { event: r.event_name, handler: r.handler, auth_type: String(r.user_id), offline: 0 },
  );
}
