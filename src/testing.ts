/**
 * `import { startScrumd } from 'scrumd/testing'`: a scrumd sandbox for a Node test suite, in the same
 * process, on a free port of 127.0.0.1, with an in-memory database (or the one given), and a small
 * client of its control API (`/_scrumd/`): reset, snapshots, the request journal, the clock, faults.
 *
 *   const scrumd = await startScrumd();
 *   // … point the code under test at scrumd.webhookUrl …
 *   await scrumd.reset();
 *   await scrumd.stop();
 *
 * With `https: true` it serves HTTPS with a certificate of a local CA made in a temporary folder
 * (`caFile`, `ca`): clients that insist on HTTPS (the JS SDK in webhook mode) trust that CA.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { defaultConfig, type Config, type LimitSettings } from './config.js';
import { startServer, type RunningServer } from './serve.js';
import type { JournalEntry, JournalFilter } from './control/journal.js';
import type { FaultRule } from './control/faults.js';
import type { ClockState } from './control/clock.js';

import type { AppCreated, AppListed, FrameAnswer, OutgoingWebhook } from './events/apps.js';

export type { JournalEntry, JournalFilter, FaultRule, ClockState, AppCreated, AppListed, FrameAnswer, OutgoingWebhook };

/** A local application as the administrator's form has it (spec events.md §2.1). */
export interface AppSpec {
  title?: string;
  /** handler path: the app page, and the OAuth redirect_uri */
  url?: string;
  /** initial installation path */
  installUrl?: string;
  /** "task,user" or a list (default: every implemented scope) */
  scope?: string | string[];
  /** "uses API only" (default true): installed at once, the install callback goes to installUrl */
  onlyApi?: boolean;
  clientId?: string;
  clientSecret?: string;
  /** the installing administrator (default 1) */
  user?: number;
}

/** A recorded event delivery. */
export interface Delivery {
  id: number;
  event_name: string;
  handler_id: number;
  url: string;
  object_key: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  response_code: number | null;
  response_ms: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface StartOptions {
  /** serve HTTPS with a local CA's certificate (default false) */
  https?: boolean;
  /** `:memory:` (default), a SQLite file or a postgres:// URL */
  database?: string;
  /** user 1's webhook secret (default: random) */
  webhookSecret?: string;
  /** the portal time zone (default UTC) */
  timezone?: string;
  /** a fixture document (JSON file) loaded at start */
  fixture?: string;
  /** the request-rate and operating-time limits (default off) */
  limits?: LimitSettings;
  /** calls kept by the request journal (default 1,000; 0: off) */
  journalSize?: number;
  /** pino log level (default silent) */
  logLevel?: string;
}

/** A fault rule as given to `faults.add`: exactly one of error, delay, drop. */
export interface FaultSpec {
  method?: string;
  credential?: string;
  times?: number;
  probability?: number;
  error?: string | { code: string; description?: string; status?: number };
  delay?: number;
  drop?: true;
}

export interface Scrumd {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  /** user 1's webhook base URL, ending in `/` */
  webhookUrl: string;
  /** the control API's base URL (`${origin}/_scrumd`) */
  controlUrl: string;
  controlToken: string;
  /** with `https`: the local CA certificate (file and PEM text) */
  caFile?: string;
  ca?: string;
  /** the running server (its app, Fastify instance) for what the helper does not cover */
  server: RunningServer;
  /** empty the portal (user 1 and its webhook stay), or reset to a snapshot */
  reset(snapshot?: string): Promise<void>;
  snapshot(name: string): Promise<void>;
  restore(name: string): Promise<void>;
  /** the request journal, oldest first */
  journal(filter?: JournalFilter): Promise<JournalEntry[]>;
  /** how many journal entries match (verification) */
  count(filter?: JournalFilter): Promise<number>;
  clearJournal(): Promise<void>;
  clock: {
    get(): Promise<ClockState>;
    /** Unix seconds, a Date or an ISO string */
    set(time: number | Date | string): Promise<ClockState>;
    advance(seconds: number): Promise<ClockState>;
    freeze(time?: number | Date | string): Promise<ClockState>;
    release(): Promise<ClockState>;
    reset(): Promise<ClockState>;
  };
  faults: {
    add(rule: FaultSpec): Promise<FaultRule>;
    list(): Promise<FaultRule[]>;
    remove(id: number): Promise<void>;
    clear(): Promise<void>;
  };
  /** local applications (spec events.md §2.9) */
  apps: {
    create(spec?: AppSpec): Promise<AppCreated>;
    list(): Promise<AppListed[]>;
    /** INSTALLED = Y and ONAPPINSTALL, as an administrator (default 1) */
    install(clientId: string, user?: number): Promise<void>;
    /** the frame POST of the app page (install wizard while not installed): the handler's answer */
    open(clientId: string, opts?: { user?: number; placement?: string; options?: Record<string, unknown> }): Promise<FrameAnswer>;
    /** the app's installFinish */
    finish(clientId: string, user?: number): Promise<void>;
    /** a new version: ONAPPUPDATE */
    update(clientId: string, version: number, user?: number): Promise<void>;
    /** ONAPPUNINSTALL, then handlers and tokens go */
    uninstall(clientId: string): Promise<void>;
  };
  /** outgoing webhooks (spec events.md §8) */
  webhooks: {
    addOutgoing(url: string, events: string | string[], user?: number): Promise<OutgoingWebhook>;
    listOutgoing(): Promise<OutgoingWebhook[]>;
    deleteOutgoing(id: number): Promise<void>;
  };
  /** event deliveries */
  events: {
    deliveries(filter?: { event?: string; status?: Delivery['status']; handler?: string | number; limit?: number }): Promise<Delivery[]>;
    redeliver(id: number): Promise<void>;
    /** until every queued delivery has been attempted, at most `timeoutSeconds` (default 30): how many are still pending */
    wait(timeoutSeconds?: number): Promise<{ pending: number; retrying: number }>;
  };
  stop(): Promise<void>;
}

function timeArg(t: number | Date | string): number | string {
  return t instanceof Date ? t.getTime() / 1000 : t;
}

export async function startScrumd(opts: StartOptions = {}): Promise<Scrumd> {
  const tlsDir = opts.https ? mkdtempSync(join(tmpdir(), 'scrumd-testing-')) : undefined;
  const controlToken = randomBytes(24).toString('base64url');
  const config: Config = {
    ...defaultConfig,
    host: '127.0.0.1',
    port: 0,
    database: opts.database ?? ':memory:',
    webhookSecret: opts.webhookSecret ?? randomBytes(12).toString('hex'),
    timezone: opts.timezone ?? defaultConfig.timezone,
    logLevel: opts.logLevel ?? 'silent',
    https: Boolean(opts.https),
    tlsDir,
    controlToken,
    limits: opts.limits,
    journalSize: opts.journalSize,
    fixture: opts.fixture,
  };
  let server: RunningServer;
  try {
    server = await startServer(config, { logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  } catch (e) {
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
    throw e;
  }
  const ca = server.caFile ? readFileSync(server.caFile, 'utf8') : undefined;
  const controlUrl = `${server.origin}/_scrumd`;

  /** One control call: JSON in, `result` out; an error answer throws with its code. */
  function control<T>(method: string, path: string, body?: unknown, query?: Record<string, unknown>): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const url = new URL(`${controlUrl}${path}${qs.size > 0 ? `?${qs}` : ''}`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          ...(ca ? { ca } : {}),
          headers: { authorization: `Bearer ${controlToken}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            let parsed: { result?: unknown; error?: string; error_description?: string };
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              return reject(new Error(`${method} ${path}: HTTP ${res.statusCode}, not JSON`));
            }
            if (res.statusCode !== 200) return reject(Object.assign(new Error(`${method} ${path}: ${parsed.error}: ${parsed.error_description}`), { code: parsed.error, status: res.statusCode }));
            resolve(parsed.result as T);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    origin: server.origin,
    webhookUrl: `${server.origin}/rest/1/${config.webhookSecret}/`,
    controlUrl,
    controlToken,
    caFile: server.caFile,
    ca,
    server,
    reset: async (snapshot) => void (await control('POST', '/reset', snapshot === undefined ? {} : { snapshot })),
    snapshot: async (name) => void (await control('POST', `/snapshots/${encodeURIComponent(name)}`)),
    restore: async (name) => void (await control('POST', `/snapshots/${encodeURIComponent(name)}/restore`)),
    journal: (filter = {}) => control('GET', '/journal', undefined, { ...filter }),
    count: (filter = {}) => control('GET', '/journal/count', undefined, { ...filter }),
    clearJournal: async () => void (await control('DELETE', '/journal')),
    clock: {
      get: () => control('GET', '/clock'),
      set: (time) => control('POST', '/clock/set', { time: timeArg(time) }),
      advance: (seconds) => control('POST', '/clock/advance', { seconds }),
      freeze: (time) => control('POST', '/clock/freeze', time === undefined ? {} : { time: timeArg(time) }),
      release: () => control('POST', '/clock/release'),
      reset: () => control('POST', '/clock/reset'),
    },
    faults: {
      add: (rule) => control('POST', '/faults', rule),
      list: () => control('GET', '/faults'),
      remove: async (id) => void (await control('DELETE', `/faults/${id}`)),
      clear: async () => void (await control('DELETE', '/faults')),
    },
    apps: {
      create: (spec = {}) => control('POST', '/apps', spec),
      list: () => control('GET', '/apps'),
      install: async (clientId, user) => void (await control('POST', `/apps/${encodeURIComponent(clientId)}/install`, { user })),
      open: (clientId, opts = {}) => control('POST', `/apps/${encodeURIComponent(clientId)}/open`, opts),
      finish: async (clientId, user) => void (await control('POST', `/apps/${encodeURIComponent(clientId)}/finish`, { user })),
      update: async (clientId, version, user) => void (await control('POST', `/apps/${encodeURIComponent(clientId)}/update`, { version, user })),
      uninstall: async (clientId) => void (await control('DELETE', `/apps/${encodeURIComponent(clientId)}`)),
    },
    webhooks: {
      addOutgoing: (url, events, user) => control('POST', '/webhooks/outgoing', { url, events, user }),
      listOutgoing: () => control('GET', '/webhooks/outgoing'),
      deleteOutgoing: async (id) => void (await control('DELETE', `/webhooks/outgoing/${id}`)),
    },
    events: {
      deliveries: (filter = {}) => control('GET', '/events/deliveries', undefined, { ...filter }),
      redeliver: async (id) => void (await control('POST', `/events/deliveries/${id}/redeliver`)),
      wait: (timeoutSeconds) => control('POST', '/events/wait', timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds }),
    },
    stop: async () => {
      await server.close();
      if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
    },
  };
}
