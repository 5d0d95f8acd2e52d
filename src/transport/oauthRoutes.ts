/**
 * The OAuth token endpoint of the local authorization server (protocol.md §9.3): GET with a query or
 * POST with a urlencoded body, at /oauth/token/ (also under /rest/, and with repeated slashes).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { findApp, grant, issueCode } from '../domain/oauth.js';
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
  fastify.get('/oauth/authorize', (req, reply) => authorize(app, req, reply)); // and /oauth/authorize/ (trailing slash ignored)
  for (const path of ['/oauth/token', '/rest/oauth/token']) {
    fastify.get(path, handler);
    fastify.post(path, handler);
  }
}

function page(reply: FastifyReply, text: string) {
  const esc = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(`<!doctype html><html><head><meta charset="utf-8"><title>Authorization</title></head><body><p>${esc}</p></body></html>`);
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/**
 * The portal's authorization page (spec events.md §3): a signed-in user grants the application access
 * and is redirected to its URL with code, state, domain, member_id, scope and server_domain. scrumd
 * has no sign-in page of its own yet: on a loopback connection `user=N` names the signed-in user (a
 * sandbox convenience, README "Developing an application against scrumd"); otherwise the user is not
 * signed in and gets the log-in text of the reference.
 */
async function authorize(app: App, req: FastifyRequest, reply: FastifyReply) {
  const q = req.url.indexOf('?');
  const query = parsePhpQuery(q >= 0 ? req.url.slice(q + 1) : '') as Record<string, unknown>;
  const clientId = typeof query.client_id === 'string' ? query.client_id : '';
  if (clientId === '') return page(reply, 'Application was not found.');
  const db = app.store.db;
  const found = await findApp(db, clientId);
  const userParam = typeof query.user === 'string' && isLoopback(req.ip) ? Number(query.user) : 0;
  const user = Number.isSafeInteger(userParam) && userParam > 0
    ? await db.selectFrom('users').select(['id', 'active']).where('id', '=', userParam).executeTakeFirst()
    : undefined;
  const signedIn = user !== undefined && user.active === 'Y';
  if (!signedIn) {
    if (found && found.active === 'Y') return page(reply, `Please log in to use the application ${found.code}.`);
    return page(reply, 'Application was not found.');
  }
  if (!found || found.active !== 'Y') {
    const e = Errors.oauth.invalidClient(); // `unverified:` the code for an unknown client id
    return page(reply, `${e.code}: ${e.description}`);
  }
  const code = await issueCode(db, found, user.id, app.clock.nowSeconds());
  if (!found.redirect_uri) return page(reply, `Authorization code: ${code}`);
  const host = req.headers.host ?? `${app.config.host}:${app.config.port}`;
  const [base, fragment] = found.redirect_uri.split('#', 2) as [string, string | undefined];
  const params: [string, string][] = [['code', code]];
  if (typeof query.state === 'string') params.push(['state', query.state]); // only when given (`unverified:`)
  params.push(['domain', host], ['member_id', await memberId(app)], ['scope', found.scopes], ['server_domain', host]);
  const qs = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const target = `${base}${base.includes('?') ? '&' : '?'}${qs}${fragment !== undefined ? `#${fragment}` : ''}`;
  return reply.code(302).header('location', target).header('cache-control', 'no-store').send();
}
