/**
 * Authentication and scope checks (protocol.md §9): incoming webhooks by user id and secret,
 * OAuth access tokens by the `auth`/`access_token` parameter or a Bearer header.
 */
import type { App } from '../app.js';
import { findAccessToken, type SessionCaller } from '../domain/oauth.js';
import { memoized } from '../core/memo.js';
import { hashSecret } from '../secrets.js';
import { preparedQuery } from '../store/prepared.js';
import { Errors } from '../core/errors.js';
import type { Caller } from '../core/call.js';
import type { MethodDef } from './registry.js';

/** Records activity at most once a minute per user, so reads stay reads. */
const ACTIVITY_GRANULARITY = 60;
/** A call after this long without activity counts as a new login (platform.md §3.6). */
const LOGIN_GAP = 30 * 60;

async function touchUser(app: App, userId: number, lastActivity: number | null, now: number): Promise<void> {
  if (lastActivity !== null && now - lastActivity < ACTIVITY_GRANULARITY) return;
  const newLogin = lastActivity === null || now - lastActivity > LOGIN_GAP;
  await app.store.db
    .updateTable('users')
    .set(newLogin ? { last_activity: now, last_login: now } : { last_activity: now })
    .where('id', '=', userId)
    .execute();
}

/** The hashes of the secrets seen lately: every webhook call hashes its secret, mostly the same few. */
const secretHash = memoized(hashSecret, 1000);

/** Granted scopes by their stored list (`task,sonet_group,…`): the same few lists on every call. */
const scopeList = memoized((stored: string): readonly string[] => Object.freeze(stored.split(',').filter((s) => s !== '')), 1000);

/** The active webhook of a user with this secret hash, with what the checks need of its user. */
const webhookOf = preparedQuery((db, userId: number, secretHash: string) =>
  db
    .selectFrom('webhooks')
    .innerJoin('users', 'users.id', 'webhooks.user_id')
    .select([
      'webhooks.id as webhookId',
      'webhooks.scopes',
      'webhooks.expires_at',
      'users.active as userActive',
      'users.is_admin',
      'users.last_activity',
    ])
    .where('webhooks.user_id', '=', userId)
    .where('webhooks.secret_hash', '=', secretHash)
    .where('webhooks.active', '=', 'Y'),
  { remember: true },
);

export interface WebhookCredentials {
  user: string;
  secret: string;
}

export async function authenticateWebhook(
  app: App,
  cred: WebhookCredentials,
  method: MethodDef,
  secure: boolean,
  now: number,
): Promise<Caller> {
  if (app.config.webhookHttpsOnly && !secure) throw Errors.httpsRequired();
  if (!/^\d+$/.test(cred.user) || cred.secret === '') throw Errors.invalidCredentials();
  const userId = Number(cred.user);
  const row = await webhookOf.first(app.store.db, userId, secretHash(cred.secret));
  if (!row || (row.expires_at !== null && row.expires_at <= now)) throw Errors.invalidCredentials();
  const scopes = scopeList(row.scopes);
  if (!hasScope(scopes, method)) throw Errors.insufficientScope('webhook');
  if (row.userActive !== 'Y') throw Errors.authorizationError();
  await touchUser(app, userId, row.last_activity, now);
  return { userId, isAdmin: row.is_admin === 'Y', authType: 'webhook', credentialId: row.webhookId, scopes };
}

/** OAuth access tokens of the local authorization server, checked in the reference's order (§9.2). */
export async function authenticateToken(app: App, token: string, method: MethodDef, now: number, connector = ''): Promise<Caller> {
  const row = await findAccessToken(app.store.db, token);
  if (!row) throw Errors.invalidToken();
  if (row.appActive !== 'Y') throw Errors.applicationNotFound();
  if (row.expires_at <= now) throw Errors.expiredToken();
  const scopes = scopeList(row.scopes);
  if (!hasScope(scopes, method)) throw Errors.insufficientScope('token');
  if (row.userActive !== 'Y') throw Errors.authorizationError();
  await touchUser(app, row.user_id, row.last_activity, now);
  // the call runs with the token's event-session TTL − 1 (spec events.md §5.7); 0: it raises no event
  const caller: SessionCaller = { userId: row.user_id, isAdmin: row.is_admin === 'Y', authType: 'oauth', credentialId: row.appId, scopes, eventSession: Math.max(0, Number(row.event_session) - 1), connector };
  return caller;
}

/** Global-scope methods need no grant; others need one of their scopes (protocol.md §9.4). */
export function hasScope(granted: readonly string[], method: MethodDef): boolean {
  return method.scopes.length === 0 || method.scopes.some((s) => granted.includes(s));
}
