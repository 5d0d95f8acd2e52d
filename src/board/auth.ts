/**
 * The web board's sign-in: passwords (scrypt, a memory-hard KDF; salt and parameters stored with the
 * hash), one-time sign-in links and sessions. Every token is random (32 bytes) and stored only as its
 * SHA-256 hash, so a copy of the database (a fixture, a snapshot) signs nobody in.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';

interface BoardTables {
  board_passwords: { user_id: number; hash: string; updated_at: number };
  board_links: { token_hash: string; user_id: number; expires_at: number };
  board_sessions: { token_hash: string; user_id: number; csrf: string; created_at: number; expires_at: number };
  users: { id: number; active: string; is_admin: string; email: string | null; email_key: string | null; name: string | null; last_name: string | null };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const board = (db: Kysely<any>) => db as unknown as Kysely<BoardTables>;

/** A session lasts a week from sign-in. */
export const SESSION_SECONDS = 7 * 24 * 3600;
/** A sign-in link works once, within a day. */
export const LINK_SECONDS = 24 * 3600;
/** The shortest password `scrumd user passwd` accepts. */
export const MIN_PASSWORD_LENGTH = 8;

/** scrypt parameters: N = 2^15, r = 8 (32 MiB), p = 1. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 };

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Failed sign-ins one address may make within the window before it is refused without a check. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;

/**
 * A cheap brute-force guard for password sign-ins — the board's /login and the authorization page
 * (/oauth/authorize/) count together, as they guess the same passwords: per client address, in memory
 * (each worker process counts its own), on the real clock (the sandbox may move the portal's). A
 * success forgets the address.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();
  blocked(ip: string): boolean {
    const f = this.failures.get(ip);
    if (!f) return false;
    if (Date.now() - f.since >= FAILURE_WINDOW_MS) {
      this.failures.delete(ip);
      return false;
    }
    return f.count >= MAX_FAILURES;
  }
  failed(ip: string): void {
    const f = this.failures.get(ip);
    if (f && Date.now() - f.since < FAILURE_WINDOW_MS) {
      f.count++;
      return;
    }
    this.failures.delete(ip);
    if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(ip, { count: 1, since: Date.now() });
  }
  succeeded(ip: string): void {
    this.failures.delete(ip);
  }
}

const limiters = new WeakMap<object, SignInLimiter>();

/** The sign-in limiter of a server (`app`): one per server, shared by its sign-in routes. */
export function signInLimiterOf(app: object): SignInLimiter {
  let l = limiters.get(app);
  if (!l) limiters.set(app, (l = new SignInLimiter()));
  return l;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keylen } = SCRYPT;
  const key = await scryptAsync(password, salt, N, r, p, keylen);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scryptAsync(password, Buffer.from(parts[4]!, 'base64url'), N, r, p, expected.length);
  return timingSafeEqual(key, expected);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function setPassword(db: Kysely<any>, userId: number, password: string, now: number): Promise<void> {
  const hash = await hashPassword(password);
  await board(db)
    .insertInto('board_passwords')
    .values({ user_id: userId, hash, updated_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ hash, updated_at: now }))
    .execute();
}

/** The user a password signs in, when it is right and the user active; `login` is an id or an e-mail. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function checkPassword(db: Kysely<any>, login: string, password: string): Promise<number | undefined> {
  const q = board(db)
    .selectFrom('board_passwords')
    .innerJoin('users', 'users.id', 'board_passwords.user_id')
    .select(['users.id', 'board_passwords.hash'])
    .where('users.active', '=', 'Y');
  const trimmed = login.trim();
  const row = /^\d{1,15}$/.test(trimmed)
    ? await q.where('users.id', '=', Number(trimmed)).executeTakeFirst()
    : await q.where('users.email_key', '=', trimmed.toLowerCase()).executeTakeFirst();
  if (!row) {
    await hashPassword(password); // the same work whether or not the user exists
    return undefined;
  }
  return (await verifyPassword(password, row.hash)) ? row.id : undefined;
}

/** A one-time sign-in link token for a user (the URL is `${origin}/_scrumd/board/signin?token=…`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createSignInLink(db: Kysely<any>, userId: number, now: number): Promise<string> {
  const token = newToken();
  await board(db).insertInto('board_links').values({ token_hash: tokenHash(token), user_id: userId, expires_at: now + LINK_SECONDS }).execute();
  return token;
}

export function signInUrl(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, '')}/_scrumd/board/signin?token=${token}`;
}

/** Uses up a link: the user it signs in, or undefined when it is unknown, used or expired. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function consumeSignInLink(db: Kysely<any>, token: string, now: number): Promise<number | undefined> {
  const deleted = await board(db)
    .deleteFrom('board_links')
    .where('token_hash', '=', tokenHash(token))
    .returning(['user_id', 'expires_at'])
    .executeTakeFirst();
  if (!deleted || deleted.expires_at <= now) return undefined;
  return deleted.user_id;
}

export interface NewSession {
  token: string;
  csrf: string;
  expiresAt: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createSession(db: Kysely<any>, userId: number, now: number): Promise<NewSession> {
  const token = newToken();
  const csrf = newToken();
  const expiresAt = now + SESSION_SECONDS;
  await board(db).insertInto('board_sessions').values({ token_hash: tokenHash(token), user_id: userId, csrf, created_at: now, expires_at: expiresAt }).execute();
  return { token, csrf, expiresAt };
}

export interface SessionUser {
  userId: number;
  isAdmin: boolean;
  csrf: string;
  expiresAt: number;
  name: string;
}

export type SessionLookup = { ok: true; session: SessionUser } | { ok: false; expired: boolean };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function findSession(db: Kysely<any>, token: string, now: number): Promise<SessionLookup> {
  const row = await board(db)
    .selectFrom('board_sessions')
    .innerJoin('users', 'users.id', 'board_sessions.user_id')
    .select(['users.id', 'users.is_admin', 'users.active', 'users.name', 'users.last_name', 'users.email', 'board_sessions.csrf', 'board_sessions.expires_at'])
    .where('board_sessions.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row || row.active !== 'Y') return { ok: false, expired: false };
  if (row.expires_at <= now) return { ok: false, expired: true };
  const name = [row.name, row.last_name].filter((x) => x).join(' ') || row.email || `user ${row.id}`;
  return { ok: true, session: { userId: row.id, isAdmin: row.is_admin === 'Y', csrf: row.csrf, expiresAt: row.expires_at, name } };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function endSession(db: Kysely<any>, token: string): Promise<void> {
  await board(db).deleteFrom('board_sessions').where('token_hash', '=', tokenHash(token)).execute();
}
