/**
 * The sandbox control API under `/_scrumd/` (a path no REST method can have: REST lives under
 * `/rest/`): reset, snapshots, fixtures. JSON in and out; every operation but the OpenAPI document
 * asks for the control token (`Authorization: Bearer …` or `X-Scrumd-Control-Token: …`). Off with
 * `--no-control`: then nothing is registered and `/_scrumd/…` answers 404 like any unknown path.
 *
 * The operations are data (CONTROL_OPERATIONS): the routes are registered from it and the OpenAPI
 * document at `/_scrumd/openapi.json` is made from it, so the two cannot drift.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { ControlError, FIXTURE_FORMAT, FIXTURE_VERSION, PortalState } from '../control/state.js';
import { controlTokenMatches, presentedControlToken } from '../control/token.js';

export const CONTROL_PREFIX = '/_scrumd';

/** The largest fixture a POST /_scrumd/fixture may carry (a 100,000-task portal is some 100 MB). */
const FIXTURE_BODY_LIMIT = 1024 * 1024 * 1024;

type Handler = (ctx: { state: PortalState; params: Record<string, string>; body: unknown }) => Promise<unknown>;

interface Operation {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI form: `{name}` for a parameter */
  path: string;
  operationId: string;
  summary: string;
  /** false: no token needed (the OpenAPI document) */
  auth?: false;
  /** a JSON body the operation reads (OpenAPI schema) */
  body?: Record<string, unknown>;
  /** the JSON answer (OpenAPI schema) */
  answer: Record<string, unknown>;
  bodyLimit?: number;
  handler: Handler;
}

const NAME_PARAM = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'snapshot name: 1 to 24 letters, digits, ".", "_" or "-", beginning with a letter or digit',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,23}$' },
};

const OK = { type: 'object', properties: { result: { type: 'boolean', const: true } }, required: ['result'] };
const SNAPSHOT = { type: 'object', properties: { name: { type: 'string' }, created: { type: 'integer', description: 'Unix seconds' } }, required: ['name', 'created'] };
const FIXTURE = {
  type: 'object',
  description: 'the whole state: every table, every row, ids preserved; secrets as stored (hashed)',
  properties: {
    format: { type: 'string', const: FIXTURE_FORMAT },
    version: { type: 'integer', const: FIXTURE_VERSION },
    schema: { type: 'string', description: 'the last migration of the exporting server (informative)' },
    tables: {
      type: 'object',
      description: 'table name → rows; a row is an object column → value (string, number or null)',
      additionalProperties: { type: 'array', items: { type: 'object', additionalProperties: { type: ['string', 'number', 'null'] } } },
    },
    sequences: { type: 'object', description: 'table name → the last id handed out', additionalProperties: { type: 'integer', minimum: 0 } },
  },
  required: ['format', 'version', 'tables'],
};

/** Every control operation. The OpenAPI document is made from this list: add an operation here only. */
export const CONTROL_OPERATIONS: readonly Operation[] = [
  {
    method: 'GET',
    path: '/_scrumd/openapi.json',
    operationId: 'openapi',
    summary: 'this document',
    auth: false,
    answer: { type: 'object' },
    handler: async () => openApiDocument(),
  },
  {
    method: 'POST',
    path: '/_scrumd/reset',
    operationId: 'reset',
    summary: 'empty the portal (user 1 and its webhooks stay, ids start afresh), or restore a snapshot when "snapshot" is given; atomic',
    body: { type: 'object', properties: { snapshot: { type: 'string', description: 'reset to this snapshot instead of to empty' } } },
    answer: OK,
    handler: async ({ state, body }) => {
      const snapshot = (body as { snapshot?: unknown } | undefined)?.snapshot;
      if (snapshot !== undefined && snapshot !== null && snapshot !== '') await state.restore(snapshot as string);
      else await state.reset();
      return { result: true };
    },
  },
  {
    method: 'GET',
    path: '/_scrumd/snapshots',
    operationId: 'listSnapshots',
    summary: 'the saved snapshots',
    answer: { type: 'object', properties: { result: { type: 'array', items: SNAPSHOT } }, required: ['result'] },
    handler: async ({ state }) => ({ result: await state.list() }),
  },
  {
    method: 'POST',
    path: '/_scrumd/snapshots/{name}',
    operationId: 'saveSnapshot',
    summary: 'save the whole state under a name (replacing a snapshot of that name)',
    answer: { type: 'object', properties: { result: SNAPSHOT }, required: ['result'] },
    handler: async ({ state, params }) => ({ result: await state.save(params.name!) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/snapshots/{name}/restore',
    operationId: 'restoreSnapshot',
    summary: 'replace the whole state by a snapshot; atomic',
    answer: OK,
    handler: async ({ state, params }) => {
      await state.restore(params.name!);
      return { result: true };
    },
  },
  {
    method: 'DELETE',
    path: '/_scrumd/snapshots/{name}',
    operationId: 'deleteSnapshot',
    summary: 'delete a snapshot',
    answer: OK,
    handler: async ({ state, params }) => {
      if (!(await state.delete(params.name!))) throw new ControlError(404, 'SNAPSHOT_NOT_FOUND', `no snapshot named ${params.name}`);
      return { result: true };
    },
  },
  {
    method: 'GET',
    path: '/_scrumd/fixture',
    operationId: 'exportFixture',
    summary: 'export the whole state as a fixture document',
    answer: FIXTURE,
    handler: async ({ state }) => state.exportFixture(),
  },
  {
    method: 'POST',
    path: '/_scrumd/fixture',
    operationId: 'importFixture',
    summary: 'replace the whole state by a fixture document (ids as in it); atomic',
    body: FIXTURE,
    bodyLimit: FIXTURE_BODY_LIMIT,
    answer: OK,
    handler: async ({ state, body }) => {
      await state.importFixture(body);
      return { result: true };
    },
  },
];

const ERROR = {
  description: 'an error',
  content: {
    'application/json': {
      schema: { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } }, required: ['error', 'error_description'] },
    },
  },
};

/** The OpenAPI 3 document of the control API, made from CONTROL_OPERATIONS. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of CONTROL_OPERATIONS) {
    const params = /\{name\}/.test(op.path) ? [NAME_PARAM] : [];
    (paths[op.path] ??= {})[op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.auth === false ? { security: [] } : {}),
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: op.operationId === 'importFixture', content: { 'application/json': { schema: op.body } } } } : {}),
      responses: {
        200: { description: 'done', content: { 'application/json': { schema: op.answer } } },
        ...(op.auth === false ? {} : { 401: ERROR }),
        400: ERROR,
        ...(params.length > 0 ? { 404: ERROR } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'scrumd sandbox control API',
      version: '1',
      description: 'Put a scrumd sandbox in a known state: reset, snapshots, fixtures. Off with --no-control.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'the control token printed at start (or SCRUMD_CONTROL_TOKEN)' },
        header: { type: 'apiKey', in: 'header', name: 'X-Scrumd-Control-Token' },
      },
    },
    security: [{ bearer: [] }, { header: [] }],
    paths,
  };
}

function answer(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function problem(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return answer(reply, status, { error, error_description: description });
}

/** Registers the control API (unless the config turns it off); the token comes from the config. */
export function registerControlRoutes(app: App, fastify: FastifyInstance): void {
  const token = app.config.controlToken;
  if (app.config.noControl || !token) return;
  const state = new PortalState(app.store, app.config.database);
  fastify.addHook('onClose', async () => state.close());
  for (const op of CONTROL_OPERATIONS) {
    fastify.route({
      method: op.method,
      url: op.path.replace(/\{(\w+)\}/g, ':$1'),
      ...(op.bodyLimit ? { bodyLimit: op.bodyLimit } : {}),
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        if (op.auth !== false && !controlTokenMatches(presentedControlToken(req.headers), token)) {
          return problem(reply, 401, 'UNAUTHORIZED', 'the control API wants the control token: Authorization: Bearer <token> (printed at start, or SCRUMD_CONTROL_TOKEN)');
        }
        let body: unknown;
        const raw = req.body as Buffer | undefined;
        if (op.body && raw && raw.length > 0) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            return problem(reply, 400, 'INVALID_JSON', 'the body is not JSON');
          }
        }
        try {
          const result = await op.handler({ state, params: (req.params ?? {}) as Record<string, string>, body });
          return answer(reply, 200, result);
        } catch (e) {
          if (e instanceof ControlError) return problem(reply, e.status, e.code, e.message);
          app.log.error({ err: e }, `control operation ${op.operationId} failed`);
          return problem(reply, 500, 'INTERNAL_SERVER_ERROR', `${op.operationId} failed; the server log has the cause`);
        }
      },
    });
  }
}
