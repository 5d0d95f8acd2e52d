/**
 * The deliverer: sends the outbox (`event_deliveries`) to the handlers, asynchronously — after the
 * commit of the change, never inside an API call — one process or many (PostgreSQL: each delivery is
 * claimed by one process with FOR UPDATE SKIP LOCKED). Per handler and object the deliveries go one at
 * a time, in the order they were raised. A failure (non-2xx, connection error, time-out) is retried a
 * bounded number of times with exponential back-off, then the delivery is `failed` with its last error.
 * (The real service never retries, spec events.md §5.5 — scrumd retries as issue 13 asks; a handler
 * that must see each event once should answer 2xx.) A process killed while sending leaves the delivery
 * `sending` with a lease: it is claimed again when the lease runs out, so nothing is lost after a crash.
 */
import { sql, type Kysely } from 'kysely';
import type { App } from '../app.js';
import { ACCESS_TOKEN_TTL, issueTokens, type OauthApp } from '../domain/oauth.js';
import type { Database } from '../store/schema.js';
import { httpBuildQuery } from './formEncoding.js';
import { memberIdOf } from './raise.js';
import { edb, type EventDeliveryTable } from './schema.js';
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
  batch: number;
}

export const DEFAULT_DELIVERER_OPTIONS: DelivererOptions = {
  timeoutMs: 15_000,
  maxAttempts: 5,
  backoffMs: 2_000,
  pollMs: 500,
  leaseMs: 20_000,
  batch: 50,
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

export class Deliverer {
  readonly options: DelivererOptions;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly app: App,
    /** the server's origin (`http://127.0.0.1:8080`): domain and endpoints of the `auth` block */
    private readonly origin: string,
    options: Partial<DelivererOptions> = {},
  ) {
    this.options = { ...DEFAULT_DELIVERER_OPTIONS, ...options };
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
    await Promise.allSettled([...this.inFlight]);
    if (running.get(this.app) === this) running.delete(this.app);
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Resolves once no delivery is due or being sent (tests; the control plane's "wait"). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    const db = edb(this.app.store.db);
    for (;;) {
      const r = await db
        .selectFrom('event_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => eb.or([eb('status', '=', 'sending'), eb.and([eb('status', '=', 'pending'), eb('next_at', '<=', Date.now())])]))
        .executeTakeFirstOrThrow();
      if (Number(r.n) === 0 && this.inFlight.size === 0) return;
      if (Date.now() > until) throw new Error('deliveries still pending');
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimed: Delivery[] = [];
      this.woken = false;
      try {
        claimed = await this.claim();
      } catch (e) {
        if (!this.stopped) this.app.log.warn({ err: e }, 'event deliveries: claim failed');
      }
      for (const d of claimed) {
        const p = this.send(d).catch((e) => this.app.log.warn({ err: e }, 'event delivery: bookkeeping failed'));
        this.inFlight.add(p);
        void p.finally(() => {
          this.inFlight.delete(p);
          this.wake(); // the next delivery of its handler and object may now go
        });
      }
      if (claimed.length > 0 || this.stopped) continue;
      if (this.woken) continue;
      await new Promise<void>((res) => {
        const t = setTimeout(res, this.options.pollMs);
        this.wakeUp = () => {
          clearTimeout(t);
          res();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** Claims the due deliveries that head their (handler, object) queue. */
  private async claim(): Promise<Delivery[]> {
    const now = Date.now();
    const pg = this.app.store.dialect === 'postgres';
    const lock = pg ? sql`for update skip locked` : sql``;
    const r = await sql<Delivery>`
      update event_deliveries set status = 'sending', locked_until = ${now + this.options.leaseMs}, attempts = attempts + 1
      where id in (
        select d.id from event_deliveries d
        where ((d.status = 'pending' and d.next_at <= ${now}) or (d.status = 'sending' and d.locked_until < ${now}))
          and not exists (select 1 from event_deliveries e where e.order_key = d.order_key and e.id < d.id and e.status in ('pending', 'sending'))
        order by d.id
        limit ${this.options.batch}
        ${lock}
      )
      returning *`.execute(this.app.store.db);
    return r.rows.map((d) => ({ ...d, id: Number(d.id), attempts: Number(d.attempts), app_id: d.app_id === null ? null : Number(d.app_id), local_user: Number(d.local_user), ts: Number(d.ts), handler_id: Number(d.handler_id), event_session: Number(d.event_session) }));
  }

  private async send(d: Delivery): Promise<void> {
    const db = edb(this.app.store.db);
    let body: string;
    try {
      body = await this.payload(d);
    } catch (e) {
      await this.finish(d, { error: `payload: ${(e as Error).message}` });
      return;
    }
    const started = Date.now();
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      const ms = Date.now() - started;
      if (res.status >= 200 && res.status < 300) {
        await db
          .updateTable('event_deliveries')
          .set({ status: 'delivered', response_code: res.status, response_ms: ms, last_error: null, delivered_at: this.app.clock.nowSeconds() })
          .where('id', '=', d.id)
          .execute();
      } else {
        await this.finish(d, { error: `HTTP ${res.status}`, code: res.status, ms });
      }
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const what = err.name === 'TimeoutError' ? `timed out after ${this.options.timeoutMs} ms` : (err.cause?.code ?? err.message);
      await this.finish(d, { error: what, ms: Date.now() - started });
    }
  }

  /** A failed attempt: again later, or `failed` after the last one. */
  private async finish(d: Delivery, f: { error: string; code?: number; ms?: number }): Promise<void> {
    const last = d.attempts >= this.options.maxAttempts;
    await edb(this.app.store.db)
      .updateTable('event_deliveries')
      .set({
        status: last ? 'failed' : 'pending',
        next_at: Date.now() + this.options.backoffMs * 2 ** (d.attempts - 1),
        last_error: f.error,
        response_code: f.code ?? null,
        response_ms: f.ms ?? null,
      })
      .where('id', '=', d.id)
      .execute();
    if (!last) setTimeout(() => this.wake(), this.options.backoffMs * 2 ** (d.attempts - 1) + 5).unref();
  }

  /** The form body (spec §5.3, §5.4): event, event_handler_id, data, ts, auth — with fresh tokens. */
  private async payload(d: Delivery): Promise<string> {
    const db = this.app.store.db;
    const url = new URL(this.origin);
    const domain = url.host;
    const endpoint = `${this.origin}/rest/`;
    const memberId = await memberIdOf(db);
    let auth: Record<string, unknown>;
    const app = d.with_tokens === 'Y' && d.app_id !== null ? await appById(db, d.app_id) : undefined;
    if (app && app.active === 'Y') {
      // the portal clock's now (the sandbox may have moved it); the raising hit's event-session TTL
      const now = this.app.clock.nowSeconds();
      const pair = await this.app.store.transaction((trx) => issueTokens(trx, app, d.local_user, app.scopes, now, ACCESS_TOKEN_TTL, d.event_session));
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
    return httpBuildQuery({
      event: d.event_name,
      event_handler_id: d.handler_id,
      ...(d.data === null ? {} : { data: JSON.parse(d.data) }),
      ts: d.ts,
      auth,
    });
  }
}

async function appById(db: Kysely<Database>, id: number): Promise<OauthApp | undefined> {
  return db.selectFrom('oauth_apps').selectAll().where('id', '=', id).executeTakeFirst();
}
