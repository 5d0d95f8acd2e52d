/**
 * First start (platform.md §13.3): on an empty database, user 1 (administrator) and an incoming
 * webhook for it with every implemented scope, in one transaction. A configured secret is made valid
 * on every start, so a restart with the same setting keeps the same URL.
 */
import { randomBytes } from 'node:crypto';
import type { App } from '../app.js';
import { IMPLEMENTED_SCOPES } from '../core/scopes.js';
import { createUser } from './users.js';
import { addWebhook, findWebhook } from './webhooks.js';

export interface PortalState {
  /** true when this start created user 1 */
  created: boolean;
  /** user 1's webhook secret when known (created now, or configured) */
  secret?: string;
}

export async function ensurePortal(app: App, now: number): Promise<PortalState> {
  const { config } = app;
  return app.store.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('id', '=', 1).executeTakeFirst();
    if (!existing) {
      await trx
        .insertInto('settings')
        .values({ key: 'member_id', value: randomBytes(16).toString('hex') })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const id = await createUser(
        trx,
        { email: config.adminEmail, isAdmin: true, departments: [1], fields: { NAME: config.adminName, LAST_NAME: '' } },
        now,
      );
      if (id !== 1) throw new Error(`the first user got id ${id}, expected 1: the database is not empty`);
      const hook = await addWebhook(trx, { userId: 1, scopes: IMPLEMENTED_SCOPES, secret: config.webhookSecret, title: 'first start' }, now);
      return { created: true, secret: hook.secret };
    }
    if (config.webhookSecret !== undefined) {
      if (!(await findWebhook(trx, 1, config.webhookSecret))) {
        await addWebhook(trx, { userId: 1, scopes: IMPLEMENTED_SCOPES, secret: config.webhookSecret, title: 'configured secret' }, now);
      }
      return { created: false, secret: config.webhookSecret };
    }
    return { created: false };
  });
}
