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
import { raise } from './raise.js';
import { edb } from './schema.js';
import { EVENTS } from './catalogue.js';

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
