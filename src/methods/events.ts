/**
 * event.bind, event.unbind, event.get (spec events.md §4.2–4.4): application (OAuth) authorization
 * only; parameter names are case-insensitive (the later of `event`/`EVENT` wins).
 */
import { Errors } from '../core/errors.js';
import { isPhpArray, toInt, toStr, type PhpMap } from '../core/php.js';
import { nowSeconds } from '../core/portalTime.js';
import type { Caller } from '../core/call.js';
import { isUniqueViolation } from '../store/dialectErrors.js';
import { method, type MethodSpec } from '../protocol/method.js';
import { bindable } from '../events/catalogue.js';
import { edb } from '../events/schema.js';
import { offlineEventMethods } from './eventsOffline.js';

/** The parameters with upper-cased names, in a map without a prototype. */
function upperParams(params: PhpMap): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(params)) out[k.toUpperCase()] = v;
  return out;
}

function requireApp(caller: Caller): number {
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

function connectorOf(params: PhpMap): string {
  const v = (params as Record<string, unknown>).auth_connector;
  return typeof v === 'string' ? v : '';
}

export const eventMethods: MethodSpec[] = [
  method({
    name: 'event.bind',
    scopes: [],
    transaction: true,
    handler: async ({ caller, params, db }) => {
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
      const options: Record<string, number> = {};
      if (isPhpArray(p.OPTIONS) && !Array.isArray(p.OPTIONS)) {
        for (const key of def.options ?? []) {
          const v = (p.OPTIONS as Record<string, unknown>)[key];
          if (v !== undefined) options[key] = toInt(v);
        }
      }
      const connector = connectorOf(params);
      const e = edb(db);
      const existing = await e
        .selectFrom('event_handlers')
        .select('id')
        .where('app_id', '=', appId)
        .where('event_name', '=', event)
        .where('handler', '=', handler)
        .where('user_id', '=', userId)
        .where('connector_id', '=', connector)
        .executeTakeFirst();
      if (existing) throw Errors.events.alreadyBound();
      try {
        await e
          .insertInto('event_handlers')
          .values({ app_id: appId, event_name: event, handler, user_id: userId, connector_id: connector, options: JSON.stringify(options), application_token: '', title: '', date_create: nowSeconds() })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw Errors.events.alreadyBound();
        throw err;
      }
      return true;
    },
  }),
  method({
    name: 'event.unbind',
    scopes: [],
    transaction: true,
    handler: async ({ caller, params, db }) => {
      const appId = requireApp(caller);
      const p = upperParams(params);
      const event = toStr(p.EVENT).toUpperCase();
      if (event === '') throw Errors.events.argumentNull('EVENT');
      const offline = eventType(p.EVENT_TYPE) === 'offline';
      if (offline && !caller.isAdmin) throw Errors.accessDenied('Offline events unbinding requires administrator access rights');
      let q = edb(db).deleteFrom('event_handlers').where('app_id', '=', appId).where('event_name', '=', event);
      if (offline) {
        q = q.where('handler', '=', '').where('connector_id', '=', connectorOf(params));
      } else {
        const handler = toStr(p.HANDLER);
        if (handler === '') throw Errors.events.argumentNull('HANDLER');
        const present = p.AUTH_TYPE !== undefined && p.AUTH_TYPE !== null;
        // PHP `!==`: only a JSON integer equal to the caller's id passes for a non-admin (spec §4.3 rule 6)
        if (present && !caller.isAdmin && p.AUTH_TYPE !== caller.userId) {
          throw Errors.accessDenied('Event unbinding with AUTH_TYPE requires administrator access rights');
        }
        q = q.where('handler', '=', handler);
        if (present) q = q.where('user_id', '=', toInt(p.AUTH_TYPE));
        else if (!caller.isAdmin) q = q.where('user_id', '=', caller.userId);
      }
      const r = await q.executeTakeFirst();
      return { count: Number(r.numDeletedRows) };
    },
  }),
  method({
    name: 'event.get',
    scopes: [],
    handler: async ({ caller, db }) => {
      const appId = requireApp(caller);
      let q = edb(db).selectFrom('event_handlers').selectAll().where('app_id', '=', appId).orderBy('id');
      if (!caller.isAdmin) q = q.where('user_id', '=', caller.userId);
      const rows = await q.execute();
      return rows.map((r) =>
        r.handler === ''
          ? { event: r.event_name, connector_id: r.connector_id, offline: 1 }
          : { event: r.event_name, handler: r.handler, auth_type: String(r.user_id), offline: 0 },
      );
    },
  }),
  ...offlineEventMethods,
];
