/**
 * The test harness: a real scrumd listening on 127.0.0.1 (any free port), and a small client that
 * calls it over real HTTP as GET, urlencoded form or JSON.
 */
import qs from 'qs';
import { defaultConfig, type Config } from '../../src/config.js';
import { createUser } from '../../src/domain/users.js';
import { addWebhook } from '../../src/domain/webhooks.js';
import { nowSeconds } from '../../src/core/portalTime.js';
import { IMPLEMENTED_SCOPES } from '../../src/core/scopes.js';
import { startServer, type RunningServer } from '../../src/serve.js';
import { testDatabase } from './database.js';

export const ADMIN_SECRET = 's3cr3t';

export type Encoding = 'json' | 'form' | 'get';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export class Client {
  constructor(readonly origin: string, readonly userId: number, readonly secret: string) {}

  get base(): string {
    return `${this.origin}/rest/${this.userId}/${this.secret}`;
  }

  /** Calls a method with the parameters encoded as JSON (default), a urlencoded form, or a GET query. */
  async call(method: string, params: Record<string, unknown> = {}, encoding: Encoding = 'json'): Promise<Reply> {
    return rawCall(`${this.base}/${method}`, params, encoding);
  }

  /** Calls a method and returns `result`, failing when the answer is not a 200 success. */
  async result(method: string, params: Record<string, unknown> = {}, encoding: Encoding = 'json'): Promise<any> {
    const r = await this.call(method, params, encoding);
    if (r.status !== 200 || !('result' in r.body)) throw new Error(`${method} failed: ${r.status} ${r.text}`);
    return r.body.result;
  }
}

export function formEncode(params: Record<string, unknown>): string {
  return qs.stringify(params, { encodeValuesOnly: false });
}

export async function rawCall(url: string, params: Record<string, unknown>, encoding: Encoding): Promise<Reply> {
  let res: Response;
  if (encoding === 'get') {
    const q = formEncode(params);
    res = await fetch(q ? `${url}?${q}` : url);
  } else if (encoding === 'form') {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: formEncode(params) });
  } else {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  }
  return toReply(res);
}

export async function toReply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/**
 * A control-API call (`/_scrumd/…`) with the server's control token: a body is sent as JSON (a string
 * as it is), the answer read as a Reply.
 */
export async function controlCall(t: TestServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${t.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.server.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return toReply(res);
}

export interface TestServer {
  server: RunningServer;
  origin: string;
  admin: Client;
  /** A new user (active employee, not admin unless asked) with a webhook of every scope. */
  user(opts?: { admin?: boolean; name?: string; scopes?: readonly string[] }): Promise<Client>;
  close(): Promise<void>;
}

let emailCounter = 0;

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const database = overrides.database === undefined ? await testDatabase() : undefined;
  const config: Config = {
    ...defaultConfig,
    host: '127.0.0.1',
    port: 0,
    database: database?.location ?? ':memory:',
    webhookSecret: ADMIN_SECRET,
    logLevel: 'silent',
    ...overrides,
  };
  let server: RunningServer;
  try {
    server = await startServer(config, { logger: false });
  } catch (e) {
    await database?.drop();
    throw e;
  }
  const origin = server.origin;
  return {
    server,
    origin,
    admin: new Client(origin, 1, ADMIN_SECRET),
    async user(opts = {}) {
      const db = server.app.store.db;
      const id = await createUser(
        db,
        { email: `user${++emailCounter}.${process.pid}@example.com`, isAdmin: opts.admin, fields: { NAME: opts.name ?? `User${emailCounter}`, LAST_NAME: 'Test' } },
        nowSeconds(),
      );
      const hook = await addWebhook(db, { userId: id, scopes: opts.scopes ?? IMPLEMENTED_SCOPES }, nowSeconds());
      return new Client(origin, id, hook.secret);
    },
    close: async () => {
      await server.close();
      await database?.drop();
    },
  };
}

/** Creates a Scrum (a group with a Scrum master) owned by the client's user; returns its id. */
export async function createScrum(owner: Client, name = 'Team'): Promise<number> {
  return owner.result('sonet_group.create', { NAME: name, PROJECT: 'Y', SCRUM_MASTER_ID: owner.userId });
}

/** Adds users to a group as members (admin call), optionally making them moderators. */
export async function addMember(admin: Client, groupId: number, userId: number, role: 'K' | 'E' = 'K'): Promise<void> {
  await admin.result('sonet_group.user.add', { GROUP_ID: groupId, USER_ID: [userId] });
  if (role === 'E') await admin.result('sonet_group.user.update', { GROUP_ID: groupId, USER_ID: [userId], ROLE: 'E' });
}

/** Asserts the exact error envelope of a failed call. */
export function errorOf(r: Reply): { status: number; error: unknown; error_description: unknown } {
  return { status: r.status, error: r.body?.error, error_description: r.body?.error_description };
}
