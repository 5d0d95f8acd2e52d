/**
 * The deliverer: fans the events of the outbox (`event_outbox`, outbox.ts) out into deliveries
 * (`event_deliveries`) and sends these to the handlers, asynchronously — after the
 * commit of the change, never inside an API call — one process or many (PostgreSQL: each delivery is
 * claimed by one process with FOR UPDATE SKIP LOCKED). Per handler and object the deliveries go one at
 * a time, in the order they were raised. A failure (non-2xx, connection error, time-out) is retried a
 * bounded number of times with exponential back-off, then the delivery is `failed` with its last error.
 * (The real service never retries, spec events.md §5.5 — scrumd retries as issue 13 asks; a handler
 * that must see each event once should answer 2xx.) A process killed while sending leaves the delivery
 * `sending` with a lease: it is claimed again when the lease runs out, so nothing is lost after a crash.
 * The history is bounded: at start and about once a minute the newest `keepDeliveries` finished
 * deliveries are kept and older finished ones deleted, in small batches when the API is quiet (retention.ts).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { sql, type Kysely } from 'kysely';
import type { App } from '../app.js';
import { ACCESS_TOKEN_TTL, issueTokens, type OauthApp } from '../domain/oauth.js';
import type { Database } from '../store/schema.js';
import { httpBuildQuery } from './formEncoding.js';
import { memberIdOf } from './raise.js';
import { fanOutBatch } from './outbox.js';
import { edb, type EventDeliveryTable } from './schema.js';
import { DEFAULT_KEEP_DELIVERIES, pruneDeliveries } from './retention.js';
import type { Selectable } from 'kysely';

export interface DelivererOptions {
  /** per attempt, milliseconds (spec: 15 s) */
  timeoutMs: number;
  /** attempts in all, the first included */
  maxAttempts: number;
  /** the first back-off, doubled at each attempt */
  backoffMs: number;
  /** how often the outbox is polled when nothing wakes the deliverer (other processes' events) */
  pollMs: number;
  /** how long a claimed delivery stays claimed by its process */
  leaseMs: number;
  /** deliveries claimed (and their tokens minted) in one transaction; also the most in flight at once */
  batch: number;
  /** connections kept open per handler origin (keep-alive) */
  socketsPerOrigin: number;
  /** the API is "busy" while a REST request is being served and for this long after the last one ended */
  quietMs: number;
  /** the longest a claim waits for the API to be quiet: then a batch goes anyway (no starvation) */
  maxDeferMs: number;
  /** finished deliveries kept, the newest (`serve --keep-deliveries`; 0: all); default from the config */
  keepDeliveries: number;
  /** how often older finished deliveries are pruned (retention.ts); also once at start */
  pruneEveryMs: number;
  /** rows a pruning statement deletes at most */
  pruneBatch: number;
}

export const DEFAULT_DELIVERER_OPTIONS: DelivererOptions = {
  timeoutMs: 15_000,
  maxAttempts: 5,
  backoffMs: 2_000,
  pollMs: 500,
  leaseMs: 20_000,
  batch: 50,
  socketsPerOrigin: 8,
  quietMs: 20,
  maxDeferMs: 1_000,
  keepDeliveries: DEFAULT_KEEP_DELIVERIES,
  pruneEveryMs: 60_000,
  pruneBatch: 1_000,
};

type Delivery = Selectable<EventDeliveryTable>;

const running = new WeakMap<App, Deliverer>();

/** Wakes the deliverer of this app (after a commit that wrote deliveries). */
export function wakeDeliverer(app: App): void {
  running.get(app)?.wake();
}

export function delivererOf(app: App): Deliverer | undefined {
  return running.get(app);
}

/**
 * API activity of a process, as the transport reports it (src/transport/server.ts): REST requests
 * being served, and when the last one ended. The deliverer claims only when the API is quiet (or after
 * maxDeferMs), so that deliveries take the CPU between API calls rather than from them.
 */
interface ApiActivity {
  inFlight: number;
  lastEnd: number;
}
const activity = new WeakMap<App, ApiActivity>();

function activityOf(app: App): ApiActivity {
  let a = activity.get(app);
  if (!a) activity.set(app, (a = { inFlight: 0, lastEnd: 0 }));
  return a;
}

/** A REST request of this app's API begins; call the returned function once when its answer is done. */
export function apiRequestBegins(app: App): () => void {
  const a = activityOf(app);
  a.inFlight++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    a.inFlight--;
    a.lastEnd = performance.now();
  };
}

/** An outcome of an attempt, written with the others of its moment in one transaction. */
type Outcome = { d: Delivery; ok: true; code: number; ms: number } | { d: Delivery; ok: false; error: string; code?: number; ms?: number };

/** A claimed delivery with its body (or the reason it has none). */
type Prepared = { d: Delivery; body: string } | { d: Delivery; error: string };

class DeliveryTimeout extends Error {
  override name = 'TimeoutError';
}

export class Deliverer {
  readonly options: DelivererOptions;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private outcomes: Outcome[] = [];
  private flushing: Promise<void> | undefined;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  /** when the last pruning pass began (performance.now()); the first goes at start */
  private prunedAt = -Infinity;
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly app: App,
    /** the server's origin (`http://127.0.0.1:8080`): domain and endpoints of the `auth` block */
    private readonly origin: string,
    options: Partial<DelivererOptions> = {},
  ) {
    this.options = { ...DEFAULT_DELIVERER_OPTIONS, keepDeliveries: app.config.keepDeliveries ?? DEFAULT_KEEP_DELIVERIES, ...options };
    // Keep-alive connections, a bounded number per origin: a delivery does not pay for a connection
    // (and the handler's server for an accept) each time. Idle ones are closed after 4 s, before a
    // Node receiver's default keep-alive time-out (5 s) would close them under a request.
    const agentOptions = { keepAlive: true, maxSockets: this.options.socketsPerOrigin, maxFreeSockets: this.options.socketsPerOrigin, timeout: 4_000, scheduling: 'lifo' as const };
    this.agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  }

  start(): this {
    running.set(this.app, this);
    this.loop = this.recover().then(() => this.run());
    return this;
  }

  /**
   * A process that is the database's only server (SQLite without --workers) owns every claim: what a
   * killed predecessor was sending is sent again at once rather than after its lease.
   */
  private async recover(): Promise<void> {
    if (!this.app.config.soleProcess || this.app.store.dialect !== 'sqlite') return;
    await edb(this.app.store.db)
      .updateTable('event_deliveries')
      .set({ status: 'pending', next_at: Date.now(), locked_until: 0 })
      .where('status', '=', 'sending')
      .execute()
      .catch((e) => this.app.log.warn({ err: e }, 'event deliveries: recovery failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await this.pruning;
    await Promise.allSettled([...this.inFlight]);
    await this.flush();
    this.agents.http.destroy();
    this.agents.https.destroy();
    if (running.get(this.app) === this) running.delete(this.app);
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Resolves once no delivery is due or being sent (tests; the control plane's "wait"). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      // one statement: an outbox row fanned out between two counts would be missed
      const now = Date.now();
      const r = await sql<{ n: number | string }>`
        select (select count(*) from event_deliveries where status = 'sending' or (status = 'pending' and next_at <= ${now}))
             + (select count(*) from event_outbox) as n`.execute(this.app.store.db);
      if (Number(r.rows[0]?.n ?? 0) === 0 && this.inFlight.size === 0 && this.outcomes.length === 0 && !this.flushing) return;
      if (Date.now() > until) throw new Error('deliveries still pending');
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      const t = setTimeout(res, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        res();
      };
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  /**
   * The API has priority: wait while REST requests are being served (and quietMs after the last),
   * but never longer than maxDeferMs — under continuous load a batch still goes about once a second.
   */
  private async yieldToApi(maxDeferMs = this.options.maxDeferMs): Promise<void> {
    const a = activity.get(this.app);
    if (!a) return;
    const since = performance.now();
    for (;;) {
      if (this.stopped) return;
      const now = performance.now();
      if (now - since >= maxDeferMs) return;
      const quietFor = a.inFlight > 0 ? 0 : now - a.lastEnd;
      if (quietFor >= this.options.quietMs) return;
      const wait = Math.min(this.options.quietMs - quietFor, since + maxDeferMs - now);
      await new Promise((res) => setTimeout(res, Math.max(1, wait)));
    }
  }

  /**
   * Starts a pruning pass of the delivery history (retention.ts) when one is due: at start, then every
   * pruneEveryMs. It runs beside the claims, yielding to the API before each of its statements (longer
   * than the claims do).
   */
  private maybePrune(): void {
    if (this.pruning || this.options.keepDeliveries <= 0) return;
    if (performance.now() - this.prunedAt < this.options.pruneEveryMs) return;
    this.prunedAt = performance.now();
    // Pruning is never urgent: under continuous API load a statement goes every 10 × maxDeferMs (10 s:
    // 100 rows a second, more than the ~50 deliveries a second that finish then), not every second.
    const pause = async () => {
      await this.yieldToApi(this.options.maxDeferMs * 10);
      return !this.stopped;
    };
    this.pruning = pause()
      .then((go) => (go ? pruneDeliveries(this.app.store, { keep: this.options.keepDeliveries, batch: this.options.pruneBatch }, pause) : 0))
      .then((n) => {
        if (n > 0) this.app.log.info({ deleted: n, kept: this.options.keepDeliveries }, 'event deliveries: older finished deliveries pruned');
      })
      .catch((e) => {
        if (!this.stopped) this.app.log.warn({ err: e }, 'event deliveries: pruning failed');
      })
      .finally(() => {
        this.pruning = undefined;
      });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.maybePrune();
      let claimed: Prepared[] = [];
      let fanned = 0;
      this.woken = false;
      const room = this.options.batch - this.inFlight.size;
      if (room > 0) {
        await this.yieldToApi();
        if (this.stopped) break;
        try {
          claimed = await this.claimPrepared(room);
          // Events raised but not fanned out yet (outbox.ts) become deliveries only as fast as they are
          // sent: a few outbox rows when the claim found too few deliveries. Under API load the outbox
          // (one row per event, no index) grows instead of event_deliveries (one row per handler, five
          // indexes), and the rest is fanned out when the API is quiet. The deliveries already there
          // come first: every task or user event goes through the outbox, fanned out in id order, so
          // they are all older than any event still in the outbox.
          if (claimed.length < room) {
            fanned = await fanOutBatch(this.app.store, room - claimed.length);
            if (fanned > 0) claimed.push(...(await this.claimPrepared(room - claimed.length)));
          }
        } catch (e) {
          if (!this.stopped) this.app.log.warn({ err: e }, 'event deliveries: claim failed');
        }
      }
      for (const c of claimed) {
        const p = this.send(c).catch((e) => this.app.log.warn({ err: e }, 'event delivery: bookkeeping failed'));
        this.inFlight.add(p);
        void p.finally(() => {
          this.inFlight.delete(p);
          this.wake(); // the next delivery of its handler and object may now go
        });
      }
      if (this.stopped) break;
      if ((claimed.length > 0 || fanned > 0) && this.inFlight.size < this.options.batch) continue;
      if (this.woken) continue;
      await this.sleep(this.options.pollMs);
    }
  }

  /**
   * Claims the due deliveries that head their (handler, object) queue and mints their tokens, all in
   * one transaction (one commit for the batch). Should that transaction fail, the claim is made alone
   * and each body made on its own, so that a delivery whose body cannot be made is counted as a failed
   * attempt instead of failing the batch again and again.
   */
  private async claimPrepared(limit: number): Promise<Prepared[]> {
    try {
      return await this.app.store.transaction(async (trx) => {
        const rows = await this.claim(trx, limit);
        return rows.length === 0 ? [] : await this.payloads(trx, rows, true);
      });
    } catch (e) {
      if (this.stopped) throw e;
      const rows = await this.claim(this.app.store.db, limit);
      const out: Prepared[] = [];
      for (const d of rows) {
        try {
          out.push(...(await this.app.store.transaction((trx) => this.payloads(trx, [d], false))));
        } catch (err) {
          out.push({ d, error: `payload: ${(err as Error).message}` });
        }
      }
      return out;
    }
  }

  /**
   * Claims the due deliveries that head their (handler, object) queue: first those whose claim ran out
   * (their process died while sending), then pending ones, each in id order, `limit` in all. The pending
   * ones are walked through the (status, id) index and the walk stops at the limit (`+next_at` keeps
   * SQLite from sorting every due delivery through the (status, next_at) index instead), so a claim costs
   * about the same with a backlog of thousands (the API had priority) as with an empty queue.
   */
  private async claim(db: Kysely<Database>, limit: number): Promise<Delivery[]> {
    const now = Date.now();
    const pg = this.app.store.dialect === 'postgres';
    const lock = pg ? sql`for update skip locked` : sql``;
    const take = async (which: 'expired' | 'pending', n: number): Promise<Delivery[]> => {
      const due = which === 'expired' ? sql`d.status = 'sending' and d.locked_until < ${now}` : sql`d.status = 'pending' and +d.next_at <= ${now}`;
      const r = await sql<Delivery>`
        update event_deliveries set status = 'sending', locked_until = ${now + this.options.leaseMs}, attempts = attempts + 1
        where id in (
          select d.id from event_deliveries d
          where ${due}
            and not exists (select 1 from event_deliveries e where e.order_key = d.order_key and e.status in ('pending', 'sending') and e.id < d.id)
          order by d.id
          limit ${n}
          ${lock}
        )
        returning *`.execute(db);
      return r.rows;
    };
    const rows = await take('expired', limit);
    if (rows.length < limit) rows.push(...(await take('pending', limit - rows.length)));
    return rows
      .map((d) => ({ ...d, id: Number(d.id), attempts: Number(d.attempts), app_id: d.app_id === null ? null : Number(d.app_id), local_user: Number(d.local_user), ts: Number(d.ts), handler_id: Number(d.handler_id), event_session: Number(d.event_session) }))
      .sort((a, b) => a.id - b.id);
  }

  private async send(c: Prepared): Promise<void> {
    const { d } = c;
    if ('error' in c) return this.record({ d, ok: false, error: c.error });
    const started = Date.now();
    try {
      const status = await this.post(d.url, c.body);
      const ms = Date.now() - started;
      if (status >= 200 && status < 300) await this.record({ d, ok: true, code: status, ms });
      else await this.record({ d, ok: false, error: `HTTP ${status}`, code: status, ms });
    } catch (e) {
      const err = e as Error & { code?: string };
      const what = err instanceof DeliveryTimeout ? `timed out after ${this.options.timeoutMs} ms` : (err.code ?? err.message);
      await this.record({ d, ok: false, error: what, ms: Date.now() - started });
    }
  }

  /**
   * One POST through node:http with a keep-alive agent (cheaper than fetch per request). Resolves with
   * the status once the answer's body has been read (or abandoned: the status stands); rejects on a
   * connection error or when the whole attempt takes longer than timeoutMs. Redirects are not followed.
   */
  private post(url: string, body: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const u = new URL(url);
      const https = u.protocol === 'https:';
      if (!https && u.protocol !== 'http:') throw new Error(`unsupported protocol ${u.protocol}`);
      const req = (https ? httpsRequest : httpRequest)(u, {
        method: 'POST',
        agent: https ? this.agents.https : this.agents.http,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'user-agent': 'Bitrix24 Webhook Engine' },
      });
      const timer = setTimeout(() => req.destroy(new DeliveryTimeout()), this.options.timeoutMs);
      req.on('timeout', () => {}); // the agent's idle time-out; the attempt's own is `timer`
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const done = () => {
          clearTimeout(timer);
          resolve(status);
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
        res.resume();
      });
      req.end(body);
    });
  }

  /** An attempt's outcome: queued, and written with the others that end at the same moment. */
  private record(o: Outcome): Promise<void> {
    this.outcomes.push(o);
    return (this.flushing ??= new Promise<void>((res) => setImmediate(res)).then(() => this.flush()));
  }

  /** Writes the queued outcomes, a transaction per round, until none is left. */
  private async flush(): Promise<void> {
    for (;;) {
      if (this.outcomes.length === 0) {
        // in the same synchronous step as the check: an outcome queued after it starts a new flush
        this.flushing = undefined;
        return;
      }
      const batch = this.outcomes;
      this.outcomes = [];
      const retries: number[] = [];
      try {
        await this.app.store.transaction(async (trx) => {
          const db = edb(trx);
          for (const o of batch) {
            const { d } = o;
            if (o.ok) {
              await db
                .updateTable('event_deliveries')
                .set({ status: 'delivered', response_code: o.code, response_ms: o.ms, last_error: null, delivered_at: this.app.clock.nowSeconds() })
                .where('id', '=', d.id)
                .execute();
              continue;
            }
            // a failed attempt: again later, or `failed` after the last one
            const last = d.attempts >= this.options.maxAttempts;
            const backoff = this.options.backoffMs * 2 ** (d.attempts - 1);
            await db
              .updateTable('event_deliveries')
              .set({ status: last ? 'failed' : 'pending', next_at: Date.now() + backoff, last_error: o.error, response_code: o.code ?? null, response_ms: o.ms ?? null })
              .where('id', '=', d.id)
              .execute();
            if (!last) retries.push(backoff);
          }
        });
      } catch (e) {
        // the rows stay `sending`: claimed again when their lease runs out
        this.app.log.warn({ err: e }, 'event deliveries: recording outcomes failed');
        continue;
      }
      for (const b of retries) setTimeout(() => this.wake(), b + 5).unref();
    }
  }

  /** The form bodies (spec §5.3, §5.4): event, event_handler_id, data, ts, auth — with fresh tokens. */
  private async payloads(db: Kysely<Database>, rows: Delivery[], strict: boolean): Promise<Prepared[]> {
    const url = new URL(this.origin);
    const domain = url.host;
    const endpoint = `${this.origin}/rest/`;
    const memberId = await memberIdOf(db);
    const apps = new Map<number, OauthApp | undefined>();
    const out: Prepared[] = [];
    for (const d of rows) {
      let data: unknown;
      try {
        data = d.data === null ? undefined : JSON.parse(d.data);
      } catch (e) {
        if (strict) throw e;
        out.push({ d, error: `payload: ${(e as Error).message}` });
        continue;
      }
      let auth: Record<string, unknown>;
      let app: OauthApp | undefined;
      if (d.with_tokens === 'Y' && d.app_id !== null) {
        if (!apps.has(d.app_id)) apps.set(d.app_id, await appById(db, d.app_id));
        app = apps.get(d.app_id);
      }
      if (app && app.active === 'Y') {
        // the portal clock's now (the sandbox may have moved it); the raising hit's event-session TTL.
        // A fresh pair for each delivery (spec §5.4), minted in the claim's transaction.
        const now = this.app.clock.nowSeconds();
        const pair = await issueTokens(db, app, d.local_user, app.scopes, now, ACCESS_TOKEN_TTL, d.event_session);
        auth = {
          access_token: pair.accessToken,
          expires: pair.expires,
          expires_in: pair.expires - now,
          scope: app.scopes,
          domain,
          server_endpoint: endpoint,
          status: 'L',
          client_endpoint: endpoint,
          member_id: memberId,
          user_id: d.local_user,
          ...(d.with_refresh === 'Y' ? { refresh_token: pair.refreshToken } : {}),
          application_token: d.application_token,
        };
      } else {
        auth = { domain, client_endpoint: endpoint, server_endpoint: endpoint, member_id: memberId, application_token: d.application_token };
      }
      out.push({
        d,
        body: httpBuildQuery({
          event: d.event_name,
          event_handler_id: d.handler_id,
          ...(data === undefined ? {} : { data }),
          ts: d.ts,
          auth,
        }),
      });
    }
    return out;
  }
}

async function appById(db: Kysely<Database>, id: number): Promise<OauthApp | undefined> {
  return db.selectFrom('oauth_apps').selectAll().where('id', '=', id).executeTakeFirst();
}
