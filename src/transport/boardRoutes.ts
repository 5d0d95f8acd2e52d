/**
 * The web board under `/_scrumd/board/` (README: "The web board"): the built single-page app
 * (dist/web, made by `npm run build`), sign-in by one-time link or password, and a small JSON API.
 * This prefix is not the control API's: the control token does not open it, a board session does.
 *
 * JSON API (every answer `{result: …}` or a Bitrix-style `{error, error_description}`):
 *   GET  /_scrumd/board/signin?token=…          one-time link: sets the session cookie, 303 to the board
 *   POST /_scrumd/board/api/login              {login (user id or e-mail), password} → the session
 *   GET  /_scrumd/board/api/session            the signed-in user and the session's CSRF token
 *   POST /_scrumd/board/api/logout             ends the session
 *   POST /_scrumd/board/api/users/{id}/password {password}: administrators set anyone's, a user their own
 *   GET  /_scrumd/board/api/groups/{id}/plan   a Scrum group's backlog and sprints with their items in
 *                                              order (story points, epic, responsible): src/board/plan.ts
 *   GET  /_scrumd/board/api/groups/{id}/sprint-board  the active sprint's stages and the tasks on each
 *                                              (task–stage links REST lacks): src/board/kanban.ts
 *   POST /_scrumd/board/api/sprints/{id}/goal  {goal}: a sprint's goal, which REST cannot set
 *                                              (src/board/sprintGoal.ts)
 *   POST /_scrumd/board/api/call/{method}      a REST method, parameters as a JSON body, run as the
 *                                              session's user with every scope of a full webhook:
 *                                              answers exactly what the user's own REST call answers
 *                                              (`{result, next, total}` or the method's error);
 *                                              the call takes the REST calls' path after authentication
 *                                              (journal entry with credential {type: 'board', id: user,
 *                                              user}, fault rules, events)
 *
 * The sandbox panel (administrators only: 403 ACCESS_DENIED for anyone else; 404 when the control API
 * is off, and 409 NOT_SOLE_PROCESS under --workers for the process-local journal). The same functions
 * as the control API (src/transport/controlRoutes.ts, src/control/state.ts), behind the board session:
 *   GET    /_scrumd/board/api/sandbox/journal?limit=&method=&status=&error=   the request journal
 *   GET    /_scrumd/board/api/sandbox/deliveries?limit=&status=&event=&handler=  event deliveries, newest first
 *   POST   /_scrumd/board/api/sandbox/reset                                   empty the portal
 *   GET    /_scrumd/board/api/sandbox/snapshots                               the saved snapshots
 *   POST   /_scrumd/board/api/sandbox/snapshots/{name}                        save
 *   POST   /_scrumd/board/api/sandbox/snapshots/{name}/restore                restore
 *   DELETE /_scrumd/board/api/sandbox/snapshots/{name}                        delete
 * A reset or restore replaces the board's sessions with the state's: the administrator's own session
 * is put back afterwards, so the panel stays signed in.
 *
 * Sessions are an HttpOnly, SameSite=Strict cookie scoped to the board's path (Secure over HTTPS).
 * Every POST but login must carry `X-Scrumd-Csrf` equal to the session's CSRF token (a custom header
 * a cross-site form cannot send and a cross-origin script cannot send without a CORS grant, which the
 * board never gives), and an `Origin` header, when sent, must be the server's own.
 */
import { readFile } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { Errors, RestError } from '../core/errors.js';
import { IMPLEMENTED_SCOPES } from '../core/scopes.js';
import { nowSeconds } from '../core/portalTime.js';
import type { Caller } from '../core/call.js';
import { dispatchAuthenticated, errorResponse } from '../protocol/dispatch.js';
import type { MethodRegistry } from '../protocol/registry.js';
import { checkPassword, consumeSignInLink, createSession, endSession, findSession, MIN_PASSWORD_LENGTH, setPassword, signInLimiterOf, tokenHash, type SessionUser } from '../board/auth.js';
import { groupPlan } from '../board/plan.js';
import { registerChartRoutes } from '../board/charts.js';
import { ControlError, checkSnapshotName } from '../control/state.js';
import { sharedPortalState } from '../control/sharedState.js';
import { parseFilter } from '../control/journal.js';
import { findDeliveries } from '../events/apps.js';
import { maskUrl } from '../protocol/redact.js';
import { sprintBoard } from '../board/kanban.js';
import { setSprintGoal } from '../board/sprintGoal.js';
import { decodeBody } from './requestBody.js';

export const BOARD_PREFIX = '/_scrumd/board';
const COOKIE = 'scrumd_board';
/** The built board: dist/web beside dist/transport (and, run from sources, the same folder). */
const WEB_ROOT = new URL('../../dist/web/', import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  json: 'application/json; charset=utf-8',
};

const HTML_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

function cookieOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sessionCookie(req: FastifyRequest, token: string, maxAge: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${COOKIE}=${token}; Path=${BOARD_PREFIX}/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

function sendError(reply: FastifyReply, e: RestError): FastifyReply {
  return reply.code(e.status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(e.body()));
}

function sendResult(reply: FastifyReply, body: Record<string, unknown>, status = 200): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An Origin header, when sent, names this server (host as the request addressed it). */
function originAllowed(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${req.protocol}://${req.headers.host ?? ''}`;
}

export function registerBoardRoutes(app: App, registry: MethodRegistry, fastify: FastifyInstance): void {
  async function session(req: FastifyRequest): Promise<SessionUser> {
    const token = cookieOf(req);
    if (!token) throw Errors.board.signInRequired();
    const found = await findSession(app.store.db, token, nowSeconds());
    if (!found.ok) throw found.expired ? Errors.board.sessionExpired() : Errors.board.signInRequired();
    return found.session;
  }

  /** The session of a state-changing request: the CSRF header and the origin are checked. */
  async function writingSession(req: FastifyRequest): Promise<SessionUser> {
    const s = await session(req);
    const sent = req.headers['x-scrumd-csrf'];
    if (typeof sent !== 'string' || !sameText(sent, s.csrf) || !originAllowed(req)) throw Errors.board.csrfRefused();
    return s;
  }

  const sandboxOn = sandboxEnabled(app);

  const guarded =
    (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(req, reply);
      } catch (e) {
        const r = errorResponse(app, e);
        return reply.code(r.status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(r.body));
      }
    };

  async function indexHtml(_req: FastifyRequest, reply: FastifyReply) {
    let html: Buffer;
    try {
      html = await readFile(new URL('index.html', WEB_ROOT));
    } catch {
      return reply
        .code(503)
        .headers(HTML_HEADERS)
        .type('text/plain; charset=utf-8')
        .send('The web board is not built: run `npm run build`.\n');
    }
    return reply.code(200).headers(HTML_HEADERS).type('text/html; charset=utf-8').send(html);
  }

  fastify.get(`${BOARD_PREFIX}/`, indexHtml); // the router ignores a trailing slash: /_scrumd/board too

  // Hashed, never-changing files: cached for a year.
  fastify.get(`${BOARD_PREFIX}/assets/:file`, async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const ext = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.([a-z0-9]+)$/.exec(file)?.[1];
    const type = ext ? CONTENT_TYPES[ext] : undefined;
    if (!type) return sendError(reply, Errors.notFound());
    let body: Buffer;
    try {
      body = await readFile(new URL(`assets/${file}`, WEB_ROOT));
    } catch {
      return sendError(reply, Errors.notFound());
    }
    return reply
      .code(200)
      .headers({ 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' })
      .type(type)
      .send(body);
  });

  fastify.get(`${BOARD_PREFIX}/signin`, async (req, reply) => {
    const token = (req.query as Record<string, unknown>).token;
    const userId = typeof token === 'string' && token !== '' ? await consumeSignInLink(app.store.db, token, nowSeconds()) : undefined;
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (userId === undefined) return reply.code(303).header('location', `${BOARD_PREFIX}/?signin=invalid`).send();
    const s = await createSession(app.store.db, userId, nowSeconds());
    return reply
      .code(303)
      .header('set-cookie', sessionCookie(req, s.token, s.expiresAt - nowSeconds()))
      .header('location', `${BOARD_PREFIX}/`)
      .send();
  });

  fastify.post(
    `${BOARD_PREFIX}/api/login`,
    guarded(async (req, reply) => {
      // Login CSRF: the custom header (no cross-site form can send it) and a same-origin Origin.
      if (req.headers['x-scrumd-csrf'] === undefined || !originAllowed(req)) throw Errors.board.csrfRefused();
      let body: unknown;
      try {
        body = JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? '');
      } catch {
        throw Errors.invalidRequest('The body is not JSON');
      }
      const { login, password } = (body ?? {}) as { login?: unknown; password?: unknown };
      if ((typeof login !== 'string' && typeof login !== 'number') || typeof password !== 'string' || password.length > 1024) {
        throw Errors.board.wrongPassword();
      }
      // the brute-force guard the authorization page shares (src/board/auth.ts SignInLimiter)
      const limiter = signInLimiterOf(app);
      if (limiter.blocked(req.ip)) throw Errors.board.tooManySignIns();
      const userId = await checkPassword(app.store.db, String(login), password);
      if (userId === undefined) {
        limiter.failed(req.ip);
        throw Errors.board.wrongPassword();
      }
      limiter.succeeded(req.ip);
      const s = await createSession(app.store.db, userId, nowSeconds());
      reply.header('set-cookie', sessionCookie(req, s.token, s.expiresAt - nowSeconds()));
      return sendResult(reply, { result: { userId, csrf: s.csrf, expiresAt: s.expiresAt } });
    }),
  );

  fastify.get(
    `${BOARD_PREFIX}/api/session`,
    guarded(async (req, reply) => {
      const s = await session(req);
      return sendResult(reply, { result: { userId: s.userId, name: s.name, isAdmin: s.isAdmin, csrf: s.csrf, expiresAt: s.expiresAt, sandbox: s.isAdmin && sandboxOn, timeZone: app.config.timezone } });
    }),
  );

  fastify.post(
    `${BOARD_PREFIX}/api/logout`,
    guarded(async (req, reply) => {
      await writingSession(req);
      await endSession(app.store.db, cookieOf(req)!);
      reply.header('set-cookie', sessionCookie(req, '', 0));
      return sendResult(reply, { result: true });
    }),
  );

  // The signed-in user with every scope of a full webhook; the journal shows it as {type: 'board', id: user, user}.
  const callerOf = (s: SessionUser): Caller => ({ userId: s.userId, isAdmin: s.isAdmin, authType: 'board', credentialId: s.userId, scopes: IMPLEMENTED_SCOPES });

  fastify.post(
    `${BOARD_PREFIX}/api/users/:id/password`,
    guarded(async (req, reply) => {
      const s = await writingSession(req);
      const id = (req.params as { id: string }).id;
      if (!/^\d{1,15}$/.test(id)) throw Errors.accessDenied();
      const userId = Number(id);
      if (!s.isAdmin && userId !== s.userId) throw Errors.accessDenied();
      let body: unknown;
      try {
        body = JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? '');
      } catch {
        throw Errors.invalidRequest('The body is not JSON');
      }
      const password = (body as { password?: unknown } | null)?.password;
      if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > 1024) throw Errors.board.weakPassword(MIN_PASSWORD_LENGTH);
      const user = await app.store.db.selectFrom('users').select('id').where('id', '=', userId).where('active', '=', 'Y').executeTakeFirst();
      if (!user) throw Errors.board.noSuchUser();
      await setPassword(app.store.db, userId, password, nowSeconds());
      return sendResult(reply, { result: true });
    }),
  );

  fastify.get(
    `${BOARD_PREFIX}/api/groups/:id/plan`,
    guarded(async (req, reply) => {
      const s = await session(req);
      const id = (req.params as { id: string }).id;
      if (!/^\d{1,15}$/.test(id)) throw Errors.scrum.accessDenied();
      return sendResult(reply, { result: await groupPlan(app.store.db, callerOf(s), Number(id)) });
    }),
  );

  // a sprint's goal, which REST cannot set (src/board/sprintGoal.ts)
  fastify.post(
    `${BOARD_PREFIX}/api/sprints/:id/goal`,
    guarded(async (req, reply) => {
      const s = await writingSession(req);
      const id = (req.params as { id: string }).id;
      if (!/^\d{1,15}$/.test(id)) throw Errors.scrum.sprintNotFound();
      let body: unknown;
      try {
        body = JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? '');
      } catch {
        throw Errors.invalidRequest('The body is not JSON');
      }
      return sendResult(reply, { result: await setSprintGoal(app.store.db, callerOf(s), Number(id), body) });
    }),
  );

  // the active sprint's board: stages and which task sits where (src/board/kanban.ts)
  fastify.get(
    `${BOARD_PREFIX}/api/groups/:id/sprint-board`,
    guarded(async (req, reply) => {
      const s = await session(req);
      const id = (req.params as { id: string }).id;
      if (!/^\d{1,15}$/.test(id)) throw Errors.scrum.accessDenied();
      return sendResult(reply, { result: await sprintBoard(app.store.db, callerOf(s), Number(id)) });
    }),
  );

  fastify.post(
    `${BOARD_PREFIX}/api/call/:method`,
    guarded(async (req, reply) => {
      const start = req.scrumdStart;
      const s = await writingSession(req);
      const params = (await decodeBody(req.body as Buffer | undefined, 'application/json')) ?? Object.create(null);
      // The user's own REST call with a webhook of every scope, on the REST calls' path after
      // authentication: the same method and checks, a journal entry, the fault rules, the same events.
      const res = await dispatchAuthenticated(app, registry, { method: (req.params as { method: string }).method, caller: callerOf(s), params, start });
      if (res.drop) {
        // a fault rule drops the connection without an answer, as it does a REST call's
        reply.hijack();
        req.raw.socket.destroy();
        return reply;
      }
      const { time: _time, ...body } = res.body; // the board's answers carry no time block
      return sendResult(reply, body, res.status);
    }),
  );

  registerSandboxRoutes(app, fastify, session, writingSession, guarded, cookieOf);
  registerChartRoutes(app, fastify, { session, guarded, callerOf, prefix: BOARD_PREFIX }); // burndown, velocity: src/board/charts.ts
}

/** The sandbox panel's endpoints (see the head of this file). */
function registerSandboxRoutes(
  app: App,
  fastify: FastifyInstance,
  session: (req: FastifyRequest) => Promise<SessionUser>,
  writingSession: (req: FastifyRequest) => Promise<SessionUser>,
  guarded: (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  tokenOf: (req: FastifyRequest) => string | undefined,
): void {
  const on = sandboxEnabled(app);
  const state = on ? sharedPortalState(app.store, app.config.database) : undefined; // closed by the control API
  const SANDBOX = `${BOARD_PREFIX}/api/sandbox`;

  /** An administrator's session (read or, with CSRF, write), on a server whose control API is on. */
  async function admin(req: FastifyRequest, write: boolean): Promise<SessionUser> {
    const s = write ? await writingSession(req) : await session(req);
    if (!s.isAdmin) throw Errors.accessDenied('The sandbox panel is for administrators');
    if (!state) throw Errors.notFound();
    return s;
  }

  /** Control operations answer their own errors ({error, error_description}, the control API's codes). */
  const op =
    (write: boolean, fn: (req: FastifyRequest) => Promise<unknown>) =>
    guarded(async (req, reply) => {
      await admin(req, write);
      try {
        return sendResult(reply, { result: await fn(req) });
      } catch (e) {
        if (e instanceof ControlError) return sendResult(reply, { error: e.code, error_description: e.message }, e.status);
        throw e;
      }
    });

  const soleProcess = () => {
    if (!app.config.soleProcess) throw new ControlError(409, 'NOT_SOLE_PROCESS', 'the journal is kept in the server process; serve with one process (no --workers) to see it');
  };

  fastify.get(
    `${SANDBOX}/journal`,
    op(false, async (req) => {
      soleProcess();
      const q = { ...(req.query as Record<string, unknown>) };
      let filter;
      try {
        filter = parseFilter(q);
      } catch (e) {
        throw new ControlError(400, 'INVALID_FILTER', (e as Error).message);
      }
      filter.limit = Math.min(1000, Math.max(1, filter.limit ?? 200));
      return app.journal.list(filter, (s) => app.time.iso(s)).reverse(); // newest first
    }),
  );

  fastify.get(
    `${SANDBOX}/deliveries`,
    op(false, async (req) => {
      // the control API's own listing (GET /_scrumd/events/deliveries): event, status, handler, limit
      const rows = await findDeliveries(app, req.query as Record<string, unknown>);
      // a handler URL may carry a credential in its query: masked like the request log's URLs
      return rows.map((r) => ({ ...r, url: maskUrl(r.url) }));
    }),
  );

  /** Runs a reset or restore and puts the administrator's own session back (the state replaced it). */
  async function keepingSession(req: FastifyRequest, fn: () => Promise<void>): Promise<true> {
    const token = tokenOf(req)!;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const db = app.store.db as any;
    const row = await db.selectFrom('board_sessions').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
    await fn();
    if (row) {
      try {
        await db.insertInto('board_sessions').values(row).onConflict((oc: any) => oc.column('token_hash').doNothing()).execute();
      } catch (e) {
        // the restored state has no such user (the session goes: sign in again)
        app.log.info({ err: e }, 'board session not kept across a restore');
      }
    }
    return true;
  }

  fastify.post(`${SANDBOX}/reset`, op(true, (req) => keepingSession(req, () => state!.reset())));
  fastify.get(`${SANDBOX}/snapshots`, op(false, () => state!.list()));
  const nameOf = (req: FastifyRequest) => checkSnapshotName((req.params as { name: string }).name);
  fastify.post(`${SANDBOX}/snapshots/:name`, op(true, (req) => state!.save(nameOf(req))));
  fastify.post(`${SANDBOX}/snapshots/:name/restore`, op(true, (req) => keepingSession(req, () => state!.restore(nameOf(req)))));
  fastify.delete(
    `${SANDBOX}/snapshots/:name`,
    op(true, async (req) => {
      const name = nameOf(req);
      if (!(await state!.delete(name))) throw new ControlError(404, 'SNAPSHOT_NOT_FOUND', `no snapshot named ${name}`);
      return true;
    }),
  );
}

/** The sandbox panel is there when the control API is (not with --no-control). */
function sandboxEnabled(app: App): boolean {
  return !app.config.noControl && !!app.config.controlToken;
}
