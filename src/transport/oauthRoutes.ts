/**
 * The OAuth token endpoint of the local authorization server (protocol.md §9.3): GET with a query or
 * POST with a urlencoded body, at /oauth/token/ (also under /rest/, and with repeated slashes).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { createHash } from 'node:crypto';
import { findApp, grant, issueCode, type OauthApp } from '../domain/oauth.js';
import { checkPassword, signInLimiterOf, type SignInLimiter } from '../board/auth.js';
import { Errors } from '../core/errors.js';
import { RestError } from '../core/errors.js';
import { parsePhpQuery } from '../protocol/formDecoding.js';
import { decodeBody, mergeParams } from './requestBody.js';

async function memberId(app: App): Promise<string> {
  const r = await app.store.db.selectFrom('settings').select('value').where('key', '=', 'member_id').executeTakeFirst();
  return r?.value ?? '';
}

export function registerOauthRoutes(app: App, fastify: FastifyInstance): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.url.indexOf('?');
    const query = parsePhpQuery(q >= 0 ? req.url.slice(q + 1) : '');
    const body = req.method === 'POST' ? await decodeBody(req.body as Buffer | undefined, req.scrumdContentType) : null;
    const params = mergeParams(query, body);
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-store');
    try {
      const now = app.clock.nowSeconds(); // the portal's clock (sandbox: set/advanced by the control API)
      const pair = await app.store.db.transaction().execute((trx) => grant(trx, params, now));
      const host = req.headers.host ?? `${app.config.host}:${app.config.port}`;
      const origin = `${req.protocol}://${host}`;
      return reply.send({
        access_token: pair.accessToken,
        refresh_token: pair.refreshToken,
        expires: pair.expires,
        expires_in: pair.expires - now,
        scope: pair.scopes,
        domain: host,
        client_endpoint: `${origin}/rest/`,
        server_endpoint: `${origin}/rest/`,
        member_id: await memberId(app),
        user_id: pair.userId,
        status: 'L',
      });
    } catch (e) {
      if (e instanceof RestError) return reply.code(e.status).send(e.body());
      throw e;
    }
  };
  // GET /oauth/authorize/ (trailing slash ignored) and POST from its own sign-in form.
  const limiter = signInLimiterOf(app);
  fastify.get('/oauth/authorize', (req, reply) => authorize(app, req, reply, limiter));
  fastify.post('/oauth/authorize', (req, reply) => authorize(app, req, reply, limiter));
  for (const path of ['/oauth/token', '/rest/oauth/token']) {
    fastify.get(path, handler);
    fastify.post(path, handler);
  }
}

/** The page's only style, allowed by its hash so the CSP needs no 'unsafe-inline'. */
const STYLE = 'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;box-sizing:border-box;padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Headers of every HTML answer: nothing loads (no script, no frame, no image), the one style by hash,
 * and the form may post only here. `form-action` also governs the redirect that follows the POST, so
 * the origin of the application's redirect URI is allowed too (else browsers would block the 302).
 */
function htmlHeaders(reply: FastifyReply, redirectOrigin?: string) {
  const formAction = redirectOrigin ? `'self' ${redirectOrigin}` : "'self'";
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin') // a same-origin POST then carries its real Origin (checked)
    .header('content-security-policy', `default-src 'none'; style-src ${STYLE_HASH}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`);
}

function htmlDocument(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function page(reply: FastifyReply, text: string) {
  return htmlHeaders(reply).code(200).send(htmlDocument('Authorization', `<p>${esc(text)}</p>`));
}

/** The http(s) origin of a redirect URI, for the CSP; undefined when it is not a plain web URL. */
function originOf(uri: string | null): string | undefined {
  if (!uri) return undefined;
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Parameters the form must not carry back as hidden fields (the credentials and the loopback user). */
const NOT_CARRIED = new Set(['login', 'password', 'user']);

/**
 * The sign-in-and-grant form: the application's name and scopes, login and password, "Grant access".
 * It posts to this same path with client_id, state and the request's other (string) parameters hidden,
 * so the grant is processed as the original request would have been (events.md §3 row 2).
 */
function signInPage(reply: FastifyReply, found: OauthApp, params: Record<string, unknown>, error: string | undefined, status = 200) {
  const hidden = Object.keys(params)
    .filter((k) => !NOT_CARRIED.has(k) && typeof params[k] === 'string')
    .slice(0, 100)
    .map((k) => `<input type="hidden" name="${esc(k)}" value="${esc(params[k] as string)}">`)
    .join('');
  const name = found.title || found.code;
  const scopes = found.scopes
    .split(',')
    .filter((x) => x)
    .map((x) => `<li>${esc(x)}</li>`)
    .join('');
  const body =
    `<h1>${esc(name)}</h1>` +
    `<p>Please log in to use the application ${esc(found.code)}.</p>` +
    `<p>The application asks for access to:</p><ul>${scopes || '<li>(no scope)</li>'}</ul>` +
    (error ? `<p class="error" role="alert">${esc(error)}</p>` : '') +
    `<form method="post" action="/oauth/authorize/">${hidden}` +
    `<label for="login">Login (user id or e-mail)</label><input id="login" name="login" autocomplete="username" required>` +
    `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>` +
    `<button type="submit">Grant access</button></form>`;
  return htmlHeaders(reply, originOf(found.redirect_uri)).code(status).send(htmlDocument(`Authorize ${name}`, body));
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/**
 * A form POST must come from this page: a browser's Origin (when sent) is this origin and Sec-Fetch-Site
 * (when sent) is same-origin, so another site cannot post its own credentials through the victim's
 * browser (login CSRF). Clients without these headers (curl, tests) are let through.
 */
function sameOrigin(req: FastifyRequest, host: string): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `${req.protocol}://${host}`) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}

/**
 * The portal's authorization page (spec events.md §3): a signed-in user grants the application access
 * and is redirected to its URL with code, state, domain, member_id, scope and server_domain. The user
 * signs in on the page itself: GET answers a sign-in-and-grant form (the board's session cookie is
 * scoped to the board and SameSite=Strict, so it never arrives here), whose POST checks the password as
 * the board does (scrypt, src/board/auth.ts) and then issues the code. On a loopback connection a GET
 * with `user=N` names the signed-in user instead (a sandbox convenience, README "Developing an
 * application against scrumd").
 */
async function authorize(app: App, req: FastifyRequest, reply: FastifyReply, limiter: SignInLimiter) {
  const q = req.url.indexOf('?');
  const query = parsePhpQuery(q >= 0 ? req.url.slice(q + 1) : '') as Record<string, unknown>;
  let params = query;
  let body: Record<string, unknown> | null = null;
  if (req.method === 'POST') {
    try {
      body = (await decodeBody(req.body as Buffer | undefined, req.scrumdContentType)) as Record<string, unknown> | null;
    } catch {
      body = null; // an undecodable body is a form without fields
    }
    params = mergeParams(query as never, body as never) as Record<string, unknown>;
  }
  const clientId = typeof params.client_id === 'string' ? params.client_id : '';
  if (clientId === '') return page(reply, 'Application was not found.');
  const db = app.store.db;
  const found = await findApp(db, clientId);
  const host = req.headers.host ?? `${app.config.host}:${app.config.port}`;

  let userId: number | undefined;
  if (req.method === 'POST') {
    if (!found || found.active !== 'Y') return page(reply, 'Application was not found.');
    if (!sameOrigin(req, host)) return signInPage(reply, found, params, 'The form was sent from another site; sign in on this page.', 403);
    const ip = req.ip;
    if (limiter.blocked(ip)) return signInPage(reply, found, params, 'Too many failed sign-ins; try again later.', 429);
    const { login, password } = body ?? {}; // from the body only: a password never rides in a URL
    const valid = (typeof login === 'string' || typeof login === 'number') && typeof password === 'string' && String(login).length <= 320 && password.length <= 1024;
    // checkPassword does the same scrypt work whether or not the user exists, and refuses inactive users.
    userId = valid ? await checkPassword(db, String(login), password) : undefined;
    if (userId === undefined) {
      limiter.failed(ip);
      return signInPage(reply, found, params, 'Wrong login or password.');
    }
    limiter.succeeded(ip);
  } else {
    const userParam = typeof query.user === 'string' && isLoopback(req.ip) ? Number(query.user) : 0;
    const user = Number.isSafeInteger(userParam) && userParam > 0
      ? await db.selectFrom('users').select(['id', 'active']).where('id', '=', userParam).executeTakeFirst()
      : undefined;
    if (user === undefined || user.active !== 'Y') {
      if (found && found.active === 'Y') return signInPage(reply, found, params, undefined);
      return page(reply, 'Application was not found.');
    }
    userId = user.id;
  }
  if (!found || found.active !== 'Y') {
    const e = Errors.oauth.invalidClient(); // `unverified:` the code for an unknown client id
    return page(reply, `${e.code}: ${e.description}`);
  }
  const code = await issueCode(db, found, userId, app.clock.nowSeconds());
  if (!found.redirect_uri) return page(reply, `Authorization code: ${code}`);
  const [base, fragment] = found.redirect_uri.split('#', 2) as [string, string | undefined];
  const out: [string, string][] = [['code', code]];
  if (typeof params.state === 'string') out.push(['state', params.state]); // only when given (`unverified:`)
  out.push(['domain', host], ['member_id', await memberId(app)], ['scope', found.scopes], ['server_domain', host]);
  const qs = out.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const target = `${base}${base.includes('?') ? '&' : '?'}${qs}${fragment !== undefined ? `#${fragment}` : ''}`;
  return reply.code(302).header('location', target).header('cache-control', 'no-store').send();
}
