/**
 * The local OAuth authorization server (protocol.md §9.3): applications with a client id, secret and
 * scopes; single-use authorization codes (30 s); token pairs (access 1 h, refresh 180 days, refresh
 * tokens single-use). Only hashes of secrets, codes and tokens are stored.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { Errors } from '../core/errors.js';
import { hashSecret } from '../secrets.js';
import type { Database, OauthAppTable } from '../store/schema.js';
import type { Caller } from '../core/call.js';

export const ACCESS_TOKEN_TTL = 3600;
export const REFRESH_TOKEN_TTL = 180 * 24 * 3600;
export const CODE_TTL = 30;
/**
 * The event-session TTL (spec events.md §5.7, the reference's HANDLER_SESSION_TTL): a hit not made with a
 * token carrying a TTL runs with it; tokens minted outside a REST call (token endpoint, authorization
 * flow, command line) carry it.
 */
export const EVENT_SESSION_TTL = 7;

export type OauthApp = Selectable<OauthAppTable>;

/**
 * A caller authenticated by an access token: the event-session TTL its call runs with (its token's − 1),
 * and the call's `auth_connector` (spec events.md §3: read by the authentication layer with the token,
 * removed from the method's parameters, and the connector of the whole call — a batch's commands too).
 */
export type SessionCaller = Caller & { readonly eventSession: number; readonly connector?: string };

/** The event-session TTL a call runs with: its token's − 1, or EVENT_SESSION_TTL (webhooks, the board). */
export function eventSessionOf(caller: Caller): number {
  const t = (caller as Partial<SessionCaller>).eventSession;
  return typeof t === 'number' ? t : EVENT_SESSION_TTL;
}

/** The call's connector: its `auth_connector` when it was made with an access token, else ''. */
export function connectorOf(caller: Caller): string {
  const c = (caller as Partial<SessionCaller>).connector;
  return typeof c === 'string' ? c : '';
}


function token(): string {
  return randomBytes(24).toString('hex');
}

export async function addOauthApp(
  db: Kysely<Database>,
  a: { title?: string; scopes: readonly string[]; redirectUri?: string; clientId?: string; clientSecret?: string },
  now: number,
): Promise<{ id: number; clientId: string; clientSecret: string }> {
  const clientId = a.clientId ?? `local.${randomBytes(7).toString('hex')}.${randomBytes(4).readUInt32BE(0) % 100_000_000}`;
  const clientSecret = a.clientSecret ?? randomBytes(25).toString('base64url');
  const r = await db
    .insertInto('oauth_apps')
    .values({
      client_id: clientId,
      client_secret_hash: hashSecret(clientSecret),
      code: clientId,
      title: a.title ?? '',
      scopes: a.scopes.join(','),
      redirect_uri: a.redirectUri ?? null,
      version: 1,
      active: 'Y',
      date_create: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: r.id, clientId, clientSecret };
}

export async function findApp(db: Kysely<Database>, clientId: string): Promise<OauthApp | undefined> {
  return db.selectFrom('oauth_apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

async function checkClient(db: Kysely<Database>, clientId: unknown, clientSecret: unknown): Promise<OauthApp> {
  if (typeof clientId !== 'string' || clientId === '') throw Errors.oauth.clientIdMissing();
  const app = await findApp(db, clientId);
  if (!app || app.active !== 'Y' || typeof clientSecret !== 'string' || hashSecret(clientSecret) !== app.client_secret_hash) {
    throw Errors.oauth.invalidClient();
  }
  return app;
}

/** An authorization code for a user of the application (issued on consent, or by the CLI). */
export async function issueCode(db: Kysely<Database>, app: OauthApp, userId: number, now: number): Promise<string> {
  const code = token();
  await db.insertInto('oauth_codes').values({ code_hash: hashSecret(code), app_id: app.id, user_id: userId, scopes: app.scopes, expires_at: now + CODE_TTL }).execute();
  return code;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expires: number;
  scopes: string;
  userId: number;
  app: OauthApp;
}

export async function issueTokens(
  db: Kysely<Database>,
  app: OauthApp,
  userId: number,
  scopes: string,
  now: number,
  accessTtl = ACCESS_TOKEN_TTL,
  /** the event-session TTL of the hit that mints the pair (deliveries: the raising hit's) */
  eventSession = EVENT_SESSION_TTL,
): Promise<TokenPair> {
  const accessToken = token();
  const refreshToken = token();
  await db
    .insertInto('oauth_tokens')
    .values({
      access_hash: hashSecret(accessToken),
      refresh_hash: hashSecret(refreshToken),
      app_id: app.id,
      user_id: userId,
      scopes,
      expires_at: now + accessTtl,
      refresh_expires_at: now + REFRESH_TOKEN_TTL,
      refreshed: 'N',
      event_session: Math.max(0, Math.min(EVENT_SESSION_TTL, eventSession)),
    })
    .execute();
  return { accessToken, refreshToken, expires: now + accessTtl, scopes, userId, app };
}

/** The token endpoint's two grants; the caller runs it in a transaction. */
export async function grant(db: Kysely<Database>, p: Record<string, unknown>, now: number): Promise<TokenPair> {
  const grantType = p.grant_type;
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw Errors.oauth.unknownGrantType();
  }
  const app = await checkClient(db, p.client_id, p.client_secret);
  if (grantType === 'authorization_code') {
    if (typeof p.code !== 'string' || p.code === '') throw Errors.oauth.codeMissing();
    const hash = hashSecret(p.code);
    // Single use: the code is deleted by the same statement that reads it.
    const row = await db.deleteFrom('oauth_codes').where('code_hash', '=', hash).where('app_id', '=', app.id).returningAll().executeTakeFirst();
    if (!row || row.expires_at <= now) throw Errors.oauth.invalidCode();
    return issueTokens(db, app, row.user_id, row.scopes, now);
  }
  if (typeof p.refresh_token !== 'string' || p.refresh_token === '') throw Errors.oauth.refreshTokenMissing();
  const used = await db
    .updateTable('oauth_tokens')
    .set({ refreshed: 'Y' })
    .where('refresh_hash', '=', hashSecret(p.refresh_token))
    .where('app_id', '=', app.id)
    .where('refreshed', '=', 'N')
    .returningAll()
    .executeTakeFirst();
  if (!used || used.refresh_expires_at <= now) throw Errors.oauth.invalidRefreshToken();
  return issueTokens(db, app, used.user_id, used.scopes, now);
}

export async function findAccessToken(db: Kysely<Database>, accessToken: string) {
  return db
    .selectFrom('oauth_tokens')
    .innerJoin('oauth_apps', 'oauth_apps.id', 'oauth_tokens.app_id')
    .innerJoin('users', 'users.id', 'oauth_tokens.user_id')
    .select([
      'oauth_tokens.user_id',
      'oauth_tokens.scopes',
      'oauth_tokens.expires_at',
      'oauth_tokens.event_session',
      'oauth_apps.id as appId',
      'oauth_apps.active as appActive',
      'users.active as userActive',
      'users.is_admin',
      'users.last_activity',
    ])
    .where('oauth_tokens.access_hash', '=', hashSecret(accessToken))
    .executeTakeFirst();
}
