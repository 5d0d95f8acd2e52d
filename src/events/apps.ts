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
