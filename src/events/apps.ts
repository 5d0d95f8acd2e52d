/**
 * The life of a local application (spec events.md §2): installation fields, the install routine
 * (ONAPPINSTALL; the install callback of an API-only app goes to its installation path), finishing the
 * installation of an app with a UI, and uninstalling (ONAPPUNINSTALL, then handlers, offline records
 * and tokens go). The caller runs each in a transaction.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { nowSeconds } from '../core/portalTime.js';
import { raise, inHit, memberIdOf, applicationToken } from './raise.js';
import { edb, type AppInstallColumns } from './schema.js';
import { EVENTS } from './catalogue.js';
import type { App } from '../app.js';
import { ControlError } from '../control/state.js';
import { addOauthApp, findApp, issueTokens, type OauthApp } from '../domain/oauth.js';
import { IMPLEMENTED_SCOPES } from '../core/scopes.js';
import { wakeDeliverer } from './deliverer.js';
import { fanOut } from './outbox.js';
import { httpBuildQuery } from './formEncoding.js';

/** The portal language sent in app events (`unverified:` scrumd's portals are English). */
const LANGUAGE_ID = 'en';

export interface InstallFields {
  /** initial installation path */
  urlInstall?: string;
  /** "uses API only" (default true) */
  onlyApi?: boolean;
}

/**
 * Sets the fields of a new app and does what saving the form does (spec §2.2): an API-only app is
 * installed at once (with an installation path: a handler row for the callback, then ONAPPINSTALL with
 * the tokens of `adminId`); an app with a UI and an installation path waits for the finish step.
 */
export async function configureNewApp(db: Kysely<Database>, appId: number, f: InstallFields, adminId: number): Promise<void> {
  const onlyApi = f.onlyApi !== false;
  const installed = onlyApi || !f.urlInstall ? 'Y' : 'N';
  await edb(db)
    .updateTable('oauth_apps')
    .set({ application_token: randomBytes(16).toString('hex'), url_install: f.urlInstall ?? null, only_api: onlyApi ? 'Y' : 'N', installed })
    .where('id', '=', appId)
    .execute();
  if (onlyApi && f.urlInstall) {
    await edb(db)
      .insertInto('event_handlers')
      .values({ app_id: appId, event_name: 'ONAPPINSTALL', handler: f.urlInstall, user_id: 0, connector_id: '', options: '{}', application_token: '', title: '', date_create: nowSeconds() })
      .execute();
  }
  if (onlyApi) await installRoutine(db, appId, adminId);
}

/** ONAPPINSTALL {VERSION, ACTIVE, INSTALLED, LANGUAGE_ID} to the app's own handlers. */
async function installRoutine(db: Kysely<Database>, appId: number, userId: number): Promise<void> {
  const app = await edb(db).selectFrom('oauth_apps').selectAll().where('id', '=', appId).executeTakeFirstOrThrow();
  await raise(db, 'ONAPPINSTALL', { VERSION: String(app.version), ACTIVE: app.active, INSTALLED: app.installed, LANGUAGE_ID }, `app:${appId}`, { onlyApp: appId, userId });
}

/**
 * Installs (finishes the installation of) an app for `adminId` (spec §2.5): INSTALLED = Y, then the
 * install routine. Returns false when the app was already installed and has no UI (nothing to do).
 */
export async function finishInstallation(db: Kysely<Database>, appId: number, adminId: number): Promise<void> {
  await edb(db).updateTable('oauth_apps').set({ installed: 'Y' }).where('id', '=', appId).execute();
  await installRoutine(db, appId, adminId);
}

/** Uninstalls (spec §2.8): ONAPPUNINSTALL (no tokens) now, then handlers, offline records, tokens go. */
export async function uninstallApp(db: Kysely<Database>, appId: number): Promise<void> {
  await raise(db, 'ONAPPUNINSTALL', { CLEAN: 1, LANGUAGE_ID }, `app:${appId}`, { onlyApp: appId });
  const e = edb(db);
  await e.deleteFrom('event_handlers').where('app_id', '=', appId).execute();
  await e.deleteFrom('event_offline').where('app_id', '=', appId).execute();
  await db.deleteFrom('oauth_tokens').where('app_id', '=', appId).execute();
  await db.deleteFrom('oauth_codes').where('app_id', '=', appId).execute();
  await e.updateTable('oauth_apps').set({ active: 'N', installed: 'N' }).where('id', '=', appId).execute();
}

/**
 * An outgoing webhook of a local integration (spec events.md §8): one handler row per event, no app,
 * the creating user, a random 32-character [0-9a-z] token shared by its rows. Throws on an unknown
 * event or a URL that is not http(s).
 */
export async function addOutgoingWebhook(db: Kysely<Database>, userId: number, url: string, eventList: string): Promise<{ application_token: string; events: string[]; handler: string }> {
  const events = eventList.split(',').map((e) => e.trim().toUpperCase()).filter((e) => e !== '');
  const unknown = events.filter((e) => !EVENTS.has(e) || e.startsWith('ONAPP') || e === 'ONOFFLINEEVENT');
  if (events.length === 0 || unknown.length > 0) throw new Error(`--events: give events such as ONTASKADD,ONTASKUPDATE${unknown.length ? ` (not for outgoing webhooks: ${unknown.join(', ')})` : ''}`);
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('--outgoing: an http(s) URL');
  const token = Array.from(randomBytes(32), (b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join('');
  for (const event of events) {
    await edb(db)
      .insertInto('event_handlers')
      .values({ app_id: null, event_name: event, handler: url, user_id: userId, connector_id: '', options: '{}', application_token: token, title: 'Outgoing webhook', date_create: nowSeconds() })
      .execute();
  }
  return { application_token: token, events, handler: url };
}

/**
 * A version update (spec events.md §2.7; the reference has none for local apps, scrumd offers it):
 * VERSION changes, the app's ONAPPINSTALL handlers go, ONAPPUPDATE {VERSION, PREVIOUS_VERSION,
 * LANGUAGE_ID} with tokens and refresh token of `adminId`.
 */
export async function updateAppVersion(db: Kysely<Database>, appId: number, version: number, adminId: number): Promise<void> {
  const app = await db.selectFrom('oauth_apps').select(['version']).where('id', '=', appId).executeTakeFirstOrThrow();
  await db.updateTable('oauth_apps').set({ version }).where('id', '=', appId).execute();
  await edb(db).deleteFrom('event_handlers').where('app_id', '=', appId).where('event_name', '=', 'ONAPPINSTALL').execute();
  await raise(db, 'ONAPPUPDATE', { VERSION: String(version), PREVIOUS_VERSION: String(app.version), LANGUAGE_ID }, `app:${appId}`, { onlyApp: appId, userId: adminId });
}

// ---------------------------------------------------------------------------------------------------
// The out-of-band operations of spec events.md §2.9 (the portal does them in its web UI): one
// implementation behind two front doors, the control API (src/transport/controlRoutes.ts) and the
// command line (src/events/cli.ts, which asks the running server, or works on the database when none
// runs). Bad input throws a ControlError (status, code, message): never a secret in its text.
// ---------------------------------------------------------------------------------------------------

/** A plain object of a JSON body (else an empty one). */
function fieldsOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function httpUrl(v: unknown, name: string): string {
  let u: URL | undefined;
  try {
    u = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || String(v).length > 1000) {
    throw new ControlError(400, 'INVALID_URL', `${name}: an http(s) URL of at most 1,000 characters`);
  }
  return String(v);
}

function optionalUrl(v: unknown, name: string): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : httpUrl(v, name);
}

function positiveInt(v: unknown, name: string, dflt?: number): number {
  if ((v === undefined || v === null || v === '') && dflt !== undefined) return dflt;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ControlError(400, 'INVALID_ARGUMENT', `${name}: a positive integer`);
  return n;
}

function optionalString(v: unknown, name: string, max = 255): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new ControlError(400, 'INVALID_ARGUMENT', `${name}: a string of at most ${max} characters`);
  return v;
}

/** A list given as "a,b" or ["a", "b"]. */
function listOf(v: unknown, name: string): string[] {
  const parts = typeof v === 'string' ? v.split(',') : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  if (!parts) throw new ControlError(400, 'INVALID_ARGUMENT', `${name}: a comma-separated string or an array of strings`);
  return parts.map((s) => s.trim()).filter((s) => s !== '');
}

/** The administrator an operation acts as (default user 1): an active portal administrator. */
async function adminUser(app: App, v: unknown): Promise<number> {
  const id = positiveInt(v, 'user', 1);
  const u = await app.store.db.selectFrom('users').select(['id', 'active', 'is_admin']).where('id', '=', id).executeTakeFirst();
  if (!u || u.active !== 'Y') throw new ControlError(404, 'USER_NOT_FOUND', `no active user ${id}`);
  if (u.is_admin !== 'Y') throw new ControlError(403, 'ACCESS_DENIED', `user ${id} is not a portal administrator (only administrators manage local applications)`);
  return id;
}

/** An existing (not uninstalled) local application. */
async function appOf(app: App, clientId: unknown): Promise<OauthApp & AppInstallColumns> {
  const a = typeof clientId === 'string' && clientId !== '' ? await edb(app.store.db).selectFrom('oauth_apps').selectAll().where('client_id', '=', clientId).executeTakeFirst() : undefined;
  if (!a || a.active !== 'Y') throw new ControlError(404, 'APP_NOT_FOUND', `no application with client id ${String(clientId).slice(0, 128)}`);
  return { ...a, id: Number(a.id), version: Number(a.version) };
}

/** Runs `fn` in a transaction as one hit of `userId` (events collapse as in one REST call); wakes the deliverer after the commit. */
function asHit<T>(app: App, userId: number, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return inHit({ userId, appId: null, zone: app.config.timezone }, () => app.store.transaction(fn), (h) => {
    if (h.written) wakeDeliverer(app);
  });
}

export interface AppCreated {
  id: number;
  client_id: string;
  client_secret: string;
  application_token: string;
  scope: string;
  installed: boolean;
}

/**
 * Creates a local application as an administrator saves the form (spec §2.1, §2.2). Fields: `title`,
 * `url` (handler path, also the OAuth redirect_uri; `redirectUri` is accepted as its other name),
 * `installUrl` (initial installation path), `scope` ("task,user" or an array; default every implemented
 * scope; empty refused as the form does), `onlyApi` (default true), `clientId`/`clientSecret` (fixed
 * values, default random) and `user` (the installing administrator, default 1).
 */
export async function createLocalApp(app: App, body: unknown): Promise<AppCreated> {
  const b = fieldsOf(body);
  const url = optionalUrl(b.url, 'url');
  const redirect = optionalUrl(b.redirectUri ?? b.redirect_uri, 'redirectUri');
  if (url && redirect && url !== redirect) throw new ControlError(400, 'INVALID_ARGUMENT', 'url and redirectUri name the same field (the handler path): give one');
  const installUrl = optionalUrl(b.installUrl ?? b.install_url, 'installUrl');
  const scopes = b.scope === undefined || b.scope === null ? [...IMPLEMENTED_SCOPES] : listOf(b.scope, 'scope').map((s) => s.toLowerCase());
  if (scopes.length === 0) throw new ControlError(400, 'EMPTY_SCOPE', 'scope: at least one scope (the portal form refuses an empty scope)');
  const unknown = scopes.filter((s) => !(IMPLEMENTED_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new ControlError(400, 'UNKNOWN_SCOPE', `unknown scope(s): ${unknown.join(', ').slice(0, 200)} (known: ${IMPLEMENTED_SCOPES.join(', ')})`);
  const onlyApi = b.onlyApi ?? b.only_api;
  if (onlyApi !== undefined && typeof onlyApi !== 'boolean') throw new ControlError(400, 'INVALID_ARGUMENT', 'onlyApi: true or false');
  const title = optionalString(b.title, 'title') ?? '';
  const clientId = optionalString(b.clientId ?? b.client_id, 'clientId', 128);
  const clientSecret = optionalString(b.clientSecret ?? b.client_secret, 'clientSecret', 100);
  if (clientId === '' || clientSecret === '') throw new ControlError(400, 'INVALID_ARGUMENT', 'clientId and clientSecret: not empty');
  const admin = await adminUser(app, b.user);
  if (clientId !== undefined && (await findApp(app.store.db, clientId))) throw new ControlError(409, 'APP_EXISTS', `an application with client id ${clientId} exists`);
  const made = await asHit(app, admin, async (trx) => {
    const m = await addOauthApp(trx, { title, scopes, redirectUri: url ?? redirect, clientId, clientSecret }, app.clock.nowSeconds());
    await configureNewApp(trx, m.id, { urlInstall: installUrl, onlyApi: onlyApi !== false }, admin);
    return m;
  });
  const a = await appOf(app, made.clientId);
  return {
    id: made.id,
    client_id: made.clientId,
    client_secret: made.clientSecret,
    application_token: applicationToken(a, await memberIdOf(app.store.db)),
    scope: scopes.join(','),
    installed: a.installed === 'Y',
  };
}

export interface AppListed {
  id: number;
  client_id: string;
  title: string;
  scope: string;
  url: string | null;
  install_url: string | null;
  only_api: boolean;
  installed: boolean;
  version: number;
  application_token: string;
}

/** The local applications (uninstalled ones are gone), oldest first. */
export async function listLocalApps(app: App): Promise<AppListed[]> {
  const memberId = await memberIdOf(app.store.db);
  const rows = await edb(app.store.db).selectFrom('oauth_apps').selectAll().where('active', '=', 'Y').orderBy('id').execute();
  return rows.map((a) => ({
    id: Number(a.id),
    client_id: a.client_id,
    title: a.title,
    scope: a.scopes,
    url: a.redirect_uri,
    install_url: a.url_install,
    only_api: a.only_api === 'Y',
    installed: a.installed === 'Y',
    version: Number(a.version),
    application_token: applicationToken({ ...a, id: Number(a.id) }, memberId),
  }));
}

/**
 * Installs an application as an administrator does from outside it (`scrumd app install`): INSTALLED
 * = Y and the install routine (ONAPPINSTALL to its handlers, the install callback of an API-only app
 * among them), with tokens of the administrator. Run again, it runs the install routine again.
 */
export async function installLocalApp(app: App, clientId: string, body: unknown): Promise<{ client_id: string; installed: true }> {
  const a = await appOf(app, clientId);
  const admin = await adminUser(app, fieldsOf(body).user);
  await asHit(app, admin, (trx) => finishInstallation(trx, a.id, admin));
  return { client_id: a.client_id, installed: true };
}

/**
 * The app's own `installFinish` (spec §2.5): only while it is not installed (the JS SDK refuses
 * otherwise with the text below), only for an administrator.
 */
export async function finishLocalApp(app: App, clientId: string, body: unknown): Promise<{ client_id: string; installed: true }> {
  const a = await appOf(app, clientId);
  const admin = await adminUser(app, fieldsOf(body).user);
  if (a.installed === 'Y') throw new ControlError(409, 'ALREADY_INSTALLED', 'Application was previously installed. You cannot call installFinish');
  await asHit(app, admin, (trx) => finishInstallation(trx, a.id, admin));
  return { client_id: a.client_id, installed: true };
}

/** A version update (spec §2.7): `version` a positive integer other than the current one. */
export async function updateLocalApp(app: App, clientId: string, body: unknown): Promise<{ client_id: string; version: number }> {
  const b = fieldsOf(body);
  const a = await appOf(app, clientId);
  const version = positiveInt(b.version, 'version');
  if (version > 9999) throw new ControlError(400, 'INVALID_ARGUMENT', 'version: at most 4 digits (the portal keeps VERSION in 4 characters)');
  const admin = await adminUser(app, b.user);
  await asHit(app, admin, (trx) => updateAppVersion(trx, a.id, version, admin));
  return { client_id: a.client_id, version };
}

/** Uninstalls (deletes) a local application (spec §2.8). */
export async function uninstallLocalApp(app: App, clientId: string): Promise<{ client_id: string; uninstalled: true }> {
  const a = await appOf(app, clientId);
  await asHit(app, 0, (trx) => uninstallApp(trx, a.id));
  return { client_id: a.client_id, uninstalled: true };
}

export interface FrameAnswer {
  /** where the frame POST went (with the query string of spec §2.4) */
  url: string;
  /** true: the install wizard (installation path) was opened */
  install: boolean;
  /** the handler's answer */
  status: number;
  contentType: string | null;
  body: string;
}

/** The most of a handler's answer body kept in the operation's answer. */
const FRAME_BODY_LIMIT = 256 * 1024;

/**
 * "Opens" an app for a user (spec §2.4): the frame POST the portal's page submits into the app's
 * iframe, made here server-side, to the installation path while the app is not installed and the user
 * is an administrator (install mode), else to the handler path; the handler's status and body come back.
 * Fields: `user` (default 1), `placement` (default DEFAULT), `options` (PLACEMENT_OPTIONS, an object).
 */
export async function openLocalApp(app: App, clientId: string, body: unknown, origin: string): Promise<FrameAnswer> {
  const b = fieldsOf(body);
  const a = await appOf(app, clientId);
  const userId = positiveInt(b.user, 'user', 1);
  const u = await app.store.db.selectFrom('users').select(['active', 'is_admin']).where('id', '=', userId).executeTakeFirst();
  if (!u || u.active !== 'Y') throw new ControlError(404, 'USER_NOT_FOUND', `no active user ${userId}`);
  const install = a.installed !== 'Y' && Boolean(a.url_install);
  if (a.installed !== 'Y' && u.is_admin !== 'Y') {
    // the reference's page for a non-administrator (docs "Completing Application Installation")
    throw new ControlError(403, 'APP_NOT_INSTALLED', 'The application is not fully installed yet. Please contact your administrator.');
  }
  const target = install ? a.url_install! : a.redirect_uri;
  if (!target) throw new ControlError(400, 'NO_APP_URL', `application ${a.client_id} has no handler path (url) to open`);
  const placement = optionalString(b.placement, 'placement', 255) ?? 'DEFAULT';
  const options = b.options ?? b.placementOptions;
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new ControlError(400, 'INVALID_ARGUMENT', 'options: an object (PLACEMENT_OPTIONS)');
  const now = app.clock.nowSeconds();
  const pair = await app.store.transaction((trx) => issueTokens(trx, a, userId, a.scopes, now));
  const o = new URL(origin);
  const url = new URL(target);
  // query string of the frame (spec §2.4): DOMAIN with a port unless 80/443, PROTOCOL, LANG, APP_SID
  url.searchParams.set('DOMAIN', o.host);
  url.searchParams.set('PROTOCOL', o.protocol === 'https:' ? '1' : '0');
  url.searchParams.set('LANG', LANGUAGE_ID);
  url.searchParams.set('APP_SID', randomBytes(16).toString('hex'));
  // the ten body keys, PLACEMENT_OPTIONS always ("[]": PHP's JSON of an empty array)
  const empty = options === undefined || (Array.isArray(options) ? options.length === 0 : Object.keys(options).length === 0);
  const form = httpBuildQuery({
    AUTH_ID: pair.accessToken,
    AUTH_EXPIRES: pair.expires - now,
    REFRESH_ID: pair.refreshToken,
    SERVER_ENDPOINT: `${origin}/rest/`,
    APPLICATION_TOKEN: applicationToken(a, await memberIdOf(app.store.db)),
    APPLICATION_SCOPE: a.scopes,
    member_id: await memberIdOf(app.store.db),
    status: 'L',
    PLACEMENT: placement,
    PLACEMENT_OPTIONS: empty ? '[]' : JSON.stringify(options),
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? 'no answer in 15 s' : (err.cause?.code ?? err.message);
    throw new ControlError(502, 'APP_UNREACHABLE', `the application's ${install ? 'installation path' : 'handler path'} did not answer: ${why}`);
  }
  // the first FRAME_BODY_LIMIT bytes of the answer; the rest is not read (a page may be large)
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const reader = res.body?.getReader();
    while (reader && size < FRAME_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.length;
    }
    await reader?.cancel().catch(() => undefined);
  } catch {
    // an answer cut off midway: what arrived is kept
  }
  const text = Buffer.concat(chunks).subarray(0, FRAME_BODY_LIMIT).toString('utf8');
  return { url: url.toString(), install, status: res.status, contentType: res.headers.get('content-type'), body: text };
}

export interface OutgoingWebhook {
  /** the webhook's id: its first handler row */
  id: number;
  handler: string;
  user: number;
  events: string[];
  application_token: string;
}

/** Creates an outgoing webhook (spec §8): `url`, `events` ("ONTASKADD,ONTASKUPDATE" or an array), `user` (an administrator, default 1). */
export async function createOutgoingWebhook(app: App, body: unknown): Promise<OutgoingWebhook> {
  const b = fieldsOf(body);
  const url = httpUrl(b.url, 'url');
  const events = listOf(b.events ?? '', 'events');
  const user = await adminUser(app, b.user);
  let made: { application_token: string; events: string[]; handler: string };
  try {
    made = await asHit(app, user, (trx) => addOutgoingWebhook(trx, user, url, events.join(',')));
  } catch (e) {
    if (e instanceof ControlError) throw e;
    throw new ControlError(400, 'INVALID_EVENTS', (e as Error).message.replace(/^--events: /, 'events: '));
  }
  return (await listOutgoingWebhooks(app)).find((w) => w.application_token === made.application_token)!;
}

/** The outgoing webhooks: handler rows without an app, grouped by their token. */
export async function listOutgoingWebhooks(app: App): Promise<OutgoingWebhook[]> {
  const rows = await edb(app.store.db)
    .selectFrom('event_handlers')
    .select(['id', 'event_name', 'handler', 'user_id', 'application_token'])
    .where('app_id', 'is', null)
    .orderBy('id')
    .execute();
  const byToken = new Map<string, OutgoingWebhook>();
  for (const r of rows) {
    const w = byToken.get(r.application_token);
    if (w) w.events.push(r.event_name);
    else byToken.set(r.application_token, { id: Number(r.id), handler: r.handler, user: Number(r.user_id), events: [r.event_name], application_token: r.application_token });
  }
  return [...byToken.values()];
}

/** Deletes an outgoing webhook (all its rows) by its id. */
export async function deleteOutgoingWebhook(app: App, id: unknown): Promise<void> {
  const n = positiveInt(id, 'id');
  const w = (await listOutgoingWebhooks(app)).find((x) => x.id === n);
  if (!w) throw new ControlError(404, 'WEBHOOK_NOT_FOUND', `no outgoing webhook ${n}`);
  await edb(app.store.db).deleteFrom('event_handlers').where('app_id', 'is', null).where('application_token', '=', w.application_token).execute();
}

const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'];

/**
 * Recorded deliveries, newest first. Filters: `event` (name, any case), `status`, `handler` (a handler
 * id, or its URL), `limit` (default 50, at most 1,000).
 */
export async function findDeliveries(app: App, query: Record<string, unknown>) {
  const one = (v: unknown) => (Array.isArray(v) ? v[0] : v);
  const event = optionalString(one(query.event), 'event');
  const status = optionalString(one(query.status), 'status');
  const handler = optionalString(one(query.handler), 'handler', 1000);
  const limit = Math.min(1000, positiveInt(one(query.limit), 'limit', 50));
  if (status !== undefined && !DELIVERY_STATUSES.includes(status)) throw new ControlError(400, 'INVALID_FILTER', `status: one of ${DELIVERY_STATUSES.join(', ')}`);
  // events raised but not fanned out yet become their (pending) deliveries first (outbox.ts)
  await fanOut(app.store);
  let q = edb(app.store.db)
    .selectFrom('event_deliveries')
    .select(['id', 'event_name', 'handler_id', 'url', 'object_key', 'status', 'attempts', 'response_code', 'response_ms', 'last_error', 'created_at', 'delivered_at'])
    .orderBy('id', 'desc')
    .limit(limit);
  if (event) q = q.where('event_name', '=', event.toUpperCase());
  if (status) q = q.where('status', '=', status);
  if (handler) q = /^\d+$/.test(handler) ? q.where('handler_id', '=', Number(handler)) : q.where('url', '=', handler);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), handler_id: Number(r.handler_id), attempts: Number(r.attempts) }));
}

/** Sends a delivery again (its payload as recorded, fresh tokens): pending, attempts from 0. */
export async function redeliver(app: App, id: unknown): Promise<{ id: number; status: 'pending' }> {
  const n = positiveInt(id, 'id');
  const r = await edb(app.store.db)
    .updateTable('event_deliveries')
    .set({ status: 'pending', attempts: 0, next_at: Date.now(), locked_until: 0, last_error: null })
    .where('id', '=', n)
    .where('status', '<>', 'sending')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new ControlError(404, 'DELIVERY_NOT_FOUND', `no delivery ${n} (or it is being sent)`);
  wakeDeliverer(app);
  return { id: n, status: 'pending' };
}

/**
 * Waits until every queued delivery has been attempted: none is due or being sent (a delivery waiting
 * for its retry after a failed attempt counts as attempted). Gives up after `timeout` seconds (default
 * 30, at most 600) and answers how many are still pending (due or being sent), and how many wait for a retry.
 */
export async function waitForDeliveries(app: App, body: unknown): Promise<{ pending: number; retrying: number }> {
  const t = fieldsOf(body).timeout;
  const timeout = t === undefined || t === null ? 30 : typeof t === 'number' && Number.isFinite(t) && t >= 0 && t <= 600 ? t : NaN;
  if (Number.isNaN(timeout)) throw new ControlError(400, 'INVALID_ARGUMENT', 'timeout: seconds from 0 to 600');
  const until = Date.now() + timeout * 1000;
  const db = edb(app.store.db);
  wakeDeliverer(app);
  for (;;) {
    // events raised but not fanned out yet become their (pending) deliveries first (outbox.ts)
    await fanOut(app.store);
    const now = Date.now();
    // one statement: a delivery moving from pending to sending between two counts would be missed
    const busy = await db
      .selectFrom('event_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.or([eb('status', '=', 'sending'), eb.and([eb('status', '=', 'pending'), eb('next_at', '<=', now)])]))
      .executeTakeFirstOrThrow();
    const pending = Number(busy.n);
    if (pending === 0 || Date.now() >= until) {
      const later = await db
        .selectFrom('event_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .where('next_at', '>', now)
        .executeTakeFirstOrThrow();
      return { pending, retrying: Number(later.n) };
    }
    await new Promise((res) => setTimeout(res, 25));
  }
}
