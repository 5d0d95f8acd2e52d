/**
 * The HTTP transport: Fastify routes for `/rest/{user}/{secret}/{method}` and `/rest/{method}`
 * (any HTTP method, repeated slashes collapsed, never a redirect), body reading, CORS headers,
 * and rendering of the envelope as JSON or XML.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { dispatch, errorResponse, type OutgoingResponse } from '../protocol/dispatch.js';
import { preciseNow, toXml } from '../protocol/envelope.js';
import { Errors } from '../protocol/errors.js';
import { parsePhpQuery, urlDecode } from '../protocol/formDecoding.js';
import type { MethodRegistry } from '../protocol/registry.js';
import { decodeBody, mergeParams } from './requestBody.js';
import { registerOauthRoutes } from './oauthRoutes.js';
import type { TlsMaterial } from './tls.js';

const REST_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'origin, content-type, accept',
  'x-content-type-options': 'nosniff',
};

declare module 'fastify' {
  interface FastifyRequest {
    scrumdStart: number;
  }
}

function send(reply: FastifyReply, res: OutgoingResponse): FastifyReply {
  reply.code(res.status).headers(REST_HEADERS);
  if (res.xml) return reply.type('text/xml; charset=utf-8').send(toXml(res.body));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(res.body));
}

function bearerToken(header: string | undefined): string | undefined {
  const m = /^bearer +(.+)$/i.exec(header ?? '');
  return m ? m[1]!.trim() : undefined;
}

/** Path segments after `/rest/`, empty ones dropped (so `//` and trailing `/` route alike). */
export function restSegments(url: string): string[] {
  const q = url.indexOf('?');
  let path = q >= 0 ? url.slice(0, q) : url;
  const h = path.indexOf('#');
  if (h >= 0) path = path.slice(0, h);
  const parts = path.split('/').filter((p) => p !== '');
  const i = parts.findIndex((p) => p.toLowerCase() === 'rest');
  const segments = parts.slice(i + 1);
  for (let k = 0; k < segments.length; k++) {
    const p = segments[k]!;
    if (!p.includes('%')) continue;
    try {
      segments[k] = decodeURIComponent(p);
    } catch {
      segments[k] = urlDecode(p);
    }
  }
  return segments;
}

export function buildServer(app: App, registry: MethodRegistry, fastify: FastifyInstance): FastifyInstance {
  // Bodies are read raw and decoded by the protocol rules, whatever their content type.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  fastify.addHook('onRequest', (req, _reply, done) => {
    req.scrumdStart = preciseNow();
    // what another connection committed before this request is seen by it (remembered reads)
    app.store.requestBegins();
    done();
  });
  // No answer leaves before the writes it follows are on disk (group commit: src/store/groupCommit.ts).
  fastify.addHook('onSend', (_req, _reply, payload, done) => {
    const synced = app.store.durable();
    if (!synced) return done(null, payload);
    synced.then(
      () => done(null, payload),
      (err: Error) => done(err),
    );
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'OPTIONS') return reply.code(200).headers(REST_HEADERS).send();
    const qIndex = req.url.indexOf('?');
    const query = parsePhpQuery(qIndex >= 0 ? req.url.slice(qIndex + 1) : '');
    const body = req.method === 'POST' ? await decodeBody(req.body as Buffer | undefined, req.headers['content-type']) : null;
    const res = await dispatch(app, registry, {
      segments: restSegments(req.url),
      params: mergeParams(query, body),
      bearer: bearerToken(req.headers.authorization),
      secure: req.protocol === 'https',
      start: req.scrumdStart,
      // only the request-rate limit reads the address (Fastify works it out on every read of req.ip)
      client: app.config.limits ? req.ip : '',
    });
    return send(reply, res);
  };
  fastify.all('/rest', handler);
  fastify.all('/rest/*', handler);
  registerOauthRoutes(app, fastify);

  fastify.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = Errors.bodyTooLarge(app.config.bodyLimit);
      return send(reply, { status: e.status, body: e.body(), xml: false });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // A request the HTTP layer could not read (bad content length, aborted body, …).
      return send(reply, { status: 400, body: { error: 'INVALID_REQUEST', error_description: err.message }, xml: false });
    }
    req.log.error({ err }, 'unhandled error');
    const r = errorResponse(app, err);
    return send(reply, { ...r, xml: false });
  });

  fastify.setNotFoundHandler((_req, reply) =>
    reply.code(404).type('application/json; charset=utf-8').send({ error: 'NOT_FOUND', error_description: 'Not found' }),
  );
  return fastify;
}

/** Levels at which Fastify's per-request logs (`incoming request`, `request completed`: info) are printed. */
const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

export function createFastify(config: Config, logger: boolean | { level?: string }, tls?: TlsMaterial): FastifyInstance {
  // Unless request logs are printed, requests log through the server's logger itself: a child logger
  // bound to the request id for every request cost a few per cent of a short call, for nothing.
  const quiet = typeof logger !== 'object' || !REQUEST_LOG_LEVELS.has(logger.level ?? 'info');
  return Fastify({
    logger,
    ...(quiet ? { childLoggerFactory: (parent) => parent } : {}),
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
    bodyLimit: config.bodyLimit,
    // REST paths are parsed by restSegments; the router must not answer //rest or /rest/ differently.
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true, maxParamLength: 10_000 },
  });
}
