/**
 * The HTTP transport: Fastify routes for `/rest/{user}/{secret}/{method}` and `/rest/{method}`
 * (any HTTP method, repeated slashes collapsed, never a redirect), body reading, CORS headers,
 * and rendering of the envelope as JSON or XML.
 */
import { METHODS } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { dispatch, errorResponse, type OutgoingResponse } from '../protocol/dispatch.js';
import { preciseNow, toXml } from '../protocol/envelope.js';
import { Errors } from '../core/errors.js';
import { parsePhpQuery, urlDecode } from '../protocol/formDecoding.js';
import { maskUrl, REDACT_PATHS } from '../protocol/redact.js';
import type { MethodRegistry } from '../protocol/registry.js';
import { decodeBody, mergeParams } from './requestBody.js';
import { registerOauthRoutes } from './oauthRoutes.js';
import { registerControlRoutes } from './controlRoutes.js';
import { usePortalClock } from '../control/state.js';
import { registerBoardRoutes } from './boardRoutes.js';
import { homePage } from './homePage.js';
import { apiRequestBegins } from '../events/deliverer.js';
import type { TlsMaterial } from './tls.js';

const REST_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'origin, content-type, accept',
  'x-content-type-options': 'nosniff',
};

declare module 'fastify' {
  interface FastifyRequest {
    scrumdStart: number;
    /** the Content-Type header as sent (Fastify's own parser sees a neutral one: see buildServer) */
    scrumdContentType: string | undefined;
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
  // snapshots are made at the portal's time (set/advanced/frozen by the control API)
  usePortalClock(app.store, () => app.clock.nowSeconds());
  // Bodies are read raw and decoded by the protocol rules, whatever their content type.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Every HTTP method Node's parser accepts is routed (protocol.md §1.6); only POST has a body to read.
  for (const m of METHODS) {
    if (m === 'CONNECT') continue; // Node hands CONNECT to the 'connect' event, never to a route
    fastify.addHttpMethod(m, { hasBody: m === 'POST', overrideExisting: true });
  }

  fastify.addHook('onRequest', (req, reply, done) => {
    req.scrumdStart = preciseNow();
    // Any Content-Type, malformed ones included, selects a decoding in decodeBody (protocol.md §2.1:
    // an unknown or missing type means a urlencoded body); Fastify's parser, which refuses media types
    // it cannot parse, is given a neutral one and the body is read raw.
    const contentType = req.headers['content-type'];
    req.scrumdContentType = contentType;
    if (contentType !== undefined && req.method === 'POST') req.headers['content-type'] = 'application/octet-stream';
    // what another connection committed before this request is seen by it (remembered reads)
    app.store.requestBegins();
    // REST calls have priority over event deliveries, which wait for a quiet moment (deliverer.ts)
    const route = req.routeOptions.url;
    if (route === '/rest' || route === '/rest/*') reply.raw.once('close', apiRequestBegins(app));
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
    // the URL as sent: a path the router could not decode was rewritten for routing only (rewriteUrl)
    const url = req.originalUrl;
    const qIndex = url.indexOf('?');
    const query = parsePhpQuery(qIndex >= 0 ? url.slice(qIndex + 1) : '');
    const body = req.method === 'POST' ? await decodeBody(req.body as Buffer | undefined, req.scrumdContentType) : null;
    const faults = app.store.faults();
    const faultsBefore = faults.count;
    const res = await dispatch(app, registry, {
      segments: restSegments(url),
      params: mergeParams(query, body),
      bearer: bearerToken(req.headers.authorization),
      secure: req.protocol === 'https',
      start: req.scrumdStart,
      // only the request-rate limit reads the address (Fastify works it out on every read of req.ip)
      client: app.config.limits ? req.ip : '',
      url, // for the log line at info (masked there)
    });
    // A storage fault (disk full, the database file deleted or replaced, I/O errors) during the call is
    // never an ordinary answer, whatever the method made of the failure: it is the internal-error
    // envelope, and the log names the real cause.
    if (faults.count !== faultsBefore) return send(reply, storageFault(app, faults.last, res.xml));
    if (res.drop) {
      // a fault rule of the control API: the connection is dropped without an answer
      reply.hijack();
      req.raw.socket.destroy();
      return reply;
    }
    return send(reply, res);
  };
  fastify.all('/rest', handler);
  fastify.all('/rest/*', handler);
  registerOauthRoutes(app, fastify);
  registerControlRoutes(app, fastify); // the sandbox control API under /_scrumd/ (off with --no-control)
  registerBoardRoutes(app, registry, fastify); // the web board under /_scrumd/board/ (src/transport/boardRoutes.ts)
  fastify.get('/', homePage); // not a REST path: no envelope (src/transport/homePage.ts)

  fastify.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = Errors.bodyTooLarge(app.config.bodyLimit);
      return send(reply, { status: e.status, body: e.body(), xml: false });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // A request the HTTP layer could not read (bad content length, aborted body, …). Fastify's
      // messages may quote the URL: the code names the problem, never the request.
      const e = Errors.invalidRequest(requestProblem(err));
      return send(reply, { status: e.status, body: e.body(), xml: false });
    }
    req.log.error({ err }, 'unhandled error');
    const r = errorResponse(app, err);
    return send(reply, { ...r, xml: false });
  });

  fastify.setNotFoundHandler((_req, reply) => {
    const e = Errors.notFound();
    return reply.code(e.status).type('application/json; charset=utf-8').send(e.body());
  });
  return fastify;
}

/** The answer to a call that met a storage fault, logged loudly with its cause. */
function storageFault(app: App, err: Error | undefined, xml: boolean): OutgoingResponse {
  const code = (err as { code?: string } | undefined)?.code ?? 'unknown';
  app.log.error({ err }, `storage fault (${code}): ${err?.message ?? 'unknown'} — the write was refused`);
  const e = Errors.internal();
  return { status: e.status, body: e.body(), xml };
}

/** A description of a request the HTTP layer refused that names no part of it (its URL may hold a secret). */
function requestProblem(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Request body size did not match Content-Length';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return 'Unsupported Media Type';
    default:
      return /url|\//i.test(err.message) ? 'Bad request' : err.message;
  }
}

/**
 * A path Fastify's router cannot percent-decode (`/rest/1/s3cr3t/user.current%`, `%zz`, `%ff`) is
 * routed with every `%` escaped; the handler reads the URL as sent (`req.originalUrl`) and decodes
 * it like PHP does (restSegments), so such a method name is simply not found (404 ERROR_METHOD_NOT_FOUND).
 */
function routableUrl(req: { url?: string }): string {
  const url = req.url ?? '/';
  if (!url.includes('%')) return url;
  const q = url.search(/[?#]/);
  const path = q >= 0 ? url.slice(0, q) : url;
  try {
    decodeURIComponent(path);
    return url;
  } catch {
    return path.replace(/%/g, '%25') + (q >= 0 ? url.slice(q) : '');
  }
}

const REST_HEADER_LINES = Object.entries(REST_HEADERS)
  .map(([k, v]) => `${k}: ${v}\r\n`)
  .join('');

/**
 * A request Node's HTTP parser refused (an unknown method token, malformed headers, a header
 * section too large, a timeout): answered, like everything else, with an error envelope and the
 * REST headers, never Fastify's own JSON.
 */
function clientError(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [e, text] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [Errors.requestTimeout(), 'Request Timeout']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [Errors.headersTooLarge(), 'Request Header Fields Too Large']
        : [Errors.badRequest(), 'Bad Request'];
  const status = e.status;
  const body = JSON.stringify(e.body());
  this.log.debug({ code: err.code }, 'malformed HTTP request');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\n${REST_HEADER_LINES}content-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Levels at which Fastify's per-request logs (`incoming request`, `request completed`: info) are printed. */
const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

/** What a logger may be given as: off, on, or pino options (a level, a destination stream for tests). */
export type LoggerOption = boolean | { level?: string; stream?: NodeJS.WritableStream };

/** The request as logged: its URL without the webhook secret or credential parameters. */
function loggedRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: maskUrl(req.originalUrl ?? req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

export function createFastify(config: Config, logger: LoggerOption, tls?: TlsMaterial): FastifyInstance {
  // Unless request logs are printed, requests log through the server's logger itself: a child logger
  // bound to the request id for every request cost a few per cent of a short call, for nothing.
  const quiet = typeof logger !== 'object' || !REQUEST_LOG_LEVELS.has(logger.level ?? 'info');
  // No secret reaches a log line: request URLs are masked, credential fields redacted.
  const loggerOptions =
    typeof logger === 'object' ? { ...logger, serializers: { req: loggedRequest }, redact: { paths: REDACT_PATHS, censor: '***' } } : logger;
  return Fastify({
    logger: loggerOptions as FastifyServerOptions['logger'],
    ...(quiet ? { childLoggerFactory: (parent) => parent } : {}),
    // a REST call logs one line of its own at info (src/protocol/dispatch.ts, the journal's fields)
    logController: new LogController({ disableRequestLogging: (req) => /^\/*rest(\/|\?|$)/i.test((req as { url?: string }).url ?? '') }),
    rewriteUrl: routableUrl,
    clientErrorHandler: clientError,
    // A path the router still refuses gets the envelope of a method it cannot find, without the URL.
    frameworkErrors: (_err, _req, reply) => {
      const e = Errors.methodNotFound();
      void send(reply, { status: e.status, body: e.body(), xml: false });
    },
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
    bodyLimit: config.bodyLimit,
    // REST paths are parsed by restSegments; the router must not answer //rest or /rest/ differently.
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true, maxParamLength: 10_000 },
  });
}
