/**
 * The OAuth token endpoint of the local authorization server (protocol.md §9.3): GET with a query or
 * POST with a urlencoded body, at /oauth/token/ (also under /rest/, and with repeated slashes).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { grant } from '../domain/oauth.js';
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
  for (const path of ['/oauth/token', '/rest/oauth/token']) {
    fastify.get(path, handler);
    fastify.post(path, handler);
  }
}
