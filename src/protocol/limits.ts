/**
 * The opt-in limits of protocol.md §10, kept in the database so several processes share them:
 * the request-rate leaky bucket per (portal, client address) answering 503 QUERY_LIMIT_EXCEEDED, and
 * the operating-time account per (credential, method) in one-minute buckets answering 429
 * OPERATION_TIME_LIMIT.
 */
import { sql } from 'kysely';
import type { App } from '../app.js';
import type { LimitSettings } from '../config.js';
import { Errors } from '../core/errors.js';
import type { Caller } from '../core/call.js';

export const LIMIT_PRESETS: Record<'bitrix' | 'enterprise', LimitSettings> = {
  bitrix: { threshold: 50, drainPerSecond: 2, operatingLimit: 480 },
  enterprise: { threshold: 250, drainPerSecond: 5, operatingLimit: 480 },
};

/** Calls shorter than this are never recorded (§10.2). */
export const RECORD_THRESHOLD = 0.1;
const WINDOW_MINUTES = 10;
const BUCKET_TTL = 600;

export const queryLimitExceeded = Errors.queryLimitExceeded;

export const operationTimeLimit = Errors.operationTimeLimit;

/**
 * One request against the leaky bucket: drain by elapsed time, refuse without counting when the level
 * has reached the threshold, else count it. A burst of exactly `threshold` requests passes.
 *
 * One statement, atomic on both databases (SQLite ≥ 3.35 and PostgreSQL): a new bucket is inserted with
 * the request counted; an existing one is updated only when the drained level is below the threshold,
 * and the row comes back only then. A refused request writes nothing — the stored level and time give
 * the same drained level later. Concurrent requests of one bucket (other processes included) wait for
 * each other on the row instead of reading the same level, or racing to insert it.
 */
export async function takeRequest(app: App, limits: LimitSettings, client: string, now: number): Promise<boolean> {
  if (!(limits.threshold > 0)) return false;
  const key = `portal:${client}`;
  const real = (v: number) => sql`cast(${v} as double precision)`;
  // Requests are applied in arrival order, not in the order of their start times: time never goes back.
  const later = sql`excluded.updated_at > rate_buckets.updated_at`;
  const elapsed = sql`case when ${later} then excluded.updated_at - rate_buckets.updated_at else 0 end`;
  const level = sql`rate_buckets.level - ${real(limits.drainPerSecond)} * ${elapsed}`;
  const drained = sql`case when ${level} > 0 then ${level} else 0 end`;
  const r = await sql<{ level: number }>`
    insert into rate_buckets ("key", level, updated_at) values (${key}, 1, ${real(now)})
    on conflict ("key") do update set level = ${drained} + 1,
      updated_at = case when ${later} then excluded.updated_at else rate_buckets.updated_at end
    where ${drained} < ${real(limits.threshold)}
    returning level`.execute(app.store.db);
  return r.rows.length > 0;
}

export function operatingAccount(caller: Caller, method: string): string {
  return `${caller.authType}:${caller.credentialId}:${method}`;
}

export interface OperatingState {
  /** seconds accumulated over the window */
  operating: number;
  /** when the oldest non-empty bucket expires, integer Unix seconds; undefined when none */
  resetAt?: number;
}

export async function readOperating(app: App, account: string, now: number): Promise<OperatingState> {
  const minute = Math.floor(now / 60);
  const rows = await app.store.db
    .selectFrom('operating_time')
    .select(['seconds', 'first_at'])
    .where('account', '=', account)
    .where('minute', '>', minute - WINDOW_MINUTES)
    .where('first_at', '>', now - BUCKET_TTL)
    .execute();
  if (rows.length === 0) return { operating: 0 };
  const operating = rows.reduce((s, r) => s + Number(r.seconds), 0);
  const oldest = Math.min(...rows.map((r) => Number(r.first_at)));
  return { operating, resetAt: Math.floor(oldest + BUCKET_TTL) };
}

/**
 * Adds a call's execution time to the current minute's bucket when it took more than 0.1 s: one
 * `insert … on conflict do update` adding to the stored value, atomic under concurrency on both databases.
 */
export async function recordOperating(app: App, account: string, seconds: number, now: number): Promise<void> {
  if (seconds <= RECORD_THRESHOLD) return;
  const minute = Math.floor(now / 60);
  await app.store.db
    .insertInto('operating_time')
    .values({ account, minute, seconds, first_at: now })
    .onConflict((oc) => oc.columns(['account', 'minute']).doUpdateSet((eb) => ({ seconds: eb('operating_time.seconds', '+', seconds) })))
    .execute();
}

/**
 * The sandbox control API's setter of a request-rate bucket: the level of the client address's bucket
 * (0: empty; the threshold: the next request is refused), as of `now`.
 */
export async function setBucket(app: App, client: string, level: number, now: number): Promise<void> {
  const key = `portal:${client}`;
  await app.store.db
    .insertInto('rate_buckets')
    .values({ key, level, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ level, updated_at: now }))
    .execute();
}

/** The sandbox control API's setter of an operating-time account: `seconds` used in the window, as of `now`. */
export async function setOperating(app: App, account: string, seconds: number, now: number): Promise<void> {
  await app.store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('operating_time').where('account', '=', account).execute();
    if (seconds > 0) await trx.insertInto('operating_time').values({ account, minute: Math.floor(now / 60), seconds, first_at: now }).execute();
  });
}
