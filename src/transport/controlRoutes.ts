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
import { sharedPortalState } from '../control/sharedState.js';
import { controlTokenMatches, presentedControlToken } from '../control/token.js';
import { parseFilter } from '../control/journal.js';
import { setBucket, setOperating } from '../protocol/limits.js';
import {
  createLocalApp,
  createOutgoingWebhook,
  deleteOutgoingWebhook,
  finishLocalApp,
  installLocalApp,
  findDeliveries,
  listLocalApps,
  listOutgoingWebhooks,
  openLocalApp,
  redeliver,
  uninstallLocalApp,
  updateLocalApp,
  waitForDeliveries,
} from '../events/apps.js';

export const CONTROL_PREFIX = '/_scrumd';

/** The largest fixture a POST /_scrumd/fixture may carry (a 100,000-task portal is some 100 MB). */
const FIXTURE_BODY_LIMIT = 1024 * 1024 * 1024;

type Handler = (ctx: {
  app: App;
  state: PortalState;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** the origin the caller reached the server at (scheme, host, port) */
  origin: string;
}) => Promise<unknown>;

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
  /** query parameters (OpenAPI parameter objects) */
  query?: Record<string, unknown>[];
  /** kept in the server process: refused when several processes serve (--workers) */
  processLocal?: true;
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

const ID_PARAM = { name: 'id', in: 'path', required: true, description: 'the id (of a fault rule, a delivery or an outgoing webhook)', schema: { type: 'integer', minimum: 1 } };

const JOURNAL_QUERY = [
  { name: 'method', in: 'query', description: 'glob over the method name, case-insensitive (`tasks.api.scrum.*`, `batch`)', schema: { type: 'string' } },
  { name: 'status', in: 'query', description: 'HTTP status (-1: connection dropped by a fault)', schema: { type: 'integer' } },
  { name: 'error', in: 'query', description: 'error code ("" : successful calls only)', schema: { type: 'string' } },
  { name: 'since', in: 'query', description: 'portal Unix seconds, inclusive', schema: { type: 'number' } },
  { name: 'until', in: 'query', description: 'portal Unix seconds, inclusive', schema: { type: 'number' } },
  { name: 'batch', in: 'query', description: 'the commands of this batch entry', schema: { type: 'integer' } },
  { name: 'limit', in: 'query', description: 'the latest N entries only', schema: { type: 'integer', minimum: 0 } },
];

const JOURNAL_ENTRY = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    time: { type: 'number', description: 'portal Unix seconds of arrival' },
    date: { type: 'string', description: 'the same in portal time, ISO 8601' },
    credential: {
      type: ['object', 'null'],
      description: 'who called (null: not authenticated); never a secret',
      properties: { type: { enum: ['webhook', 'oauth', 'board'] }, id: { type: 'integer', description: "webhook id, OAuth application id, or for the web board's calls the user's id" }, user: { type: 'integer' } },
    },
    method: { type: 'string' },
    params: { type: 'object', description: 'the parameters as parsed, secrets replaced by ***' },
    status: { type: 'integer', description: 'HTTP status; -1: the connection was dropped by a fault' },
    error: { type: ['string', 'null'] },
    duration: { type: 'number', description: 'milliseconds' },
    batch: { type: 'integer', description: 'for a batch command: the id of the batch entry' },
    command: { type: 'string', description: "for a batch command: the command's key" },
  },
};

const CLOCK = {
  type: 'object',
  properties: {
    result: {
      type: 'object',
      properties: { now: { type: 'number', description: 'portal Unix seconds' }, date: { type: 'string' }, offset: { type: 'number', description: 'portal − real, seconds' }, frozen: { type: 'boolean' } },
    },
  },
};

const FAULT_RULE = {
  type: 'object',
  description: 'exactly one of error, delay, drop',
  properties: {
    method: { type: 'string', description: 'glob over the method name; absent: every method' },
    credential: { type: 'string', description: '"webhook:<id>", "oauth:<app id>" or "user:<id>"; absent: every credential' },
    times: { type: 'integer', minimum: 1, description: 'answer this many times, then stop matching' },
    probability: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    error: {
      description: 'QUERY_LIMIT_EXCEEDED (503), OPERATION_TIME_LIMIT (429), expired_token (401), INTERNAL_SERVER_ERROR (500) as the portal answers them, or any {code, description, status}',
      oneOf: [{ type: 'string' }, { type: 'object', properties: { code: { type: 'string' }, description: { type: 'string' }, status: { type: 'integer', minimum: 400, maximum: 599 } }, required: ['code'] }],
    },
    delay: { type: 'integer', minimum: 0, description: 'milliseconds before the real answer' },
    drop: { type: 'boolean', const: true, description: 'destroy the connection without an answer' },
  },
};

function clockAnswer(app: App) {
  const c = app.clock.state();
  return { result: { ...c, date: app.time.iso(c.now) } };
}

/** A time given as Unix seconds or an ISO 8601 string. */
function timeArg(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new ControlError(400, 'INVALID_TIME', `${name} is Unix seconds or an ISO 8601 date`);
}

function bodyOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function filterOf(q: Record<string, unknown>) {
  try {
    return parseFilter(q);
  } catch (e) {
    throw new ControlError(400, 'INVALID_FILTER', (e as Error).message);
  }
}

const CLIENT_ID_PARAM = { name: 'clientId', in: 'path', required: true, description: "the application's client id", schema: { type: 'string' } };

const USER_BODY = { type: 'object', properties: { user: { type: 'integer', minimum: 1, description: 'the acting administrator (default 1)' } } };

const APP_LISTED = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    client_id: { type: 'string' },
    title: { type: 'string' },
    scope: { type: 'string' },
    url: { type: ['string', 'null'], description: 'handler path (also the OAuth redirect_uri)' },
    install_url: { type: ['string', 'null'], description: 'initial installation path' },
    only_api: { type: 'boolean' },
    installed: { type: 'boolean' },
    version: { type: 'integer' },
    application_token: { type: 'string' },
  },
};

const OUTGOING_WEBHOOK = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'the webhook id (its first handler row)' },
    handler: { type: 'string' },
    user: { type: 'integer' },
    events: { type: 'array', items: { type: 'string' } },
    application_token: { type: 'string', description: 'sent as auth[application_token] with each delivery' },
  },
};

const DELIVERY = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    event_name: { type: 'string' },
    handler_id: { type: 'integer' },
    url: { type: 'string' },
    object_key: { type: 'string' },
    status: { enum: ['pending', 'sending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    response_code: { type: ['integer', 'null'] },
    response_ms: { type: ['integer', 'null'] },
    last_error: { type: ['string', 'null'] },
    created_at: { type: 'integer' },
    delivered_at: { type: ['integer', 'null'] },
  },
};

const result = (schema: Record<string, unknown>) => ({ type: 'object', properties: { result: schema }, required: ['result'] });

/** Local applications, outgoing webhooks and event deliveries (spec events.md §2.9): src/events/apps.ts does the work, for the CLI too. */
const EVENT_OPERATIONS: readonly Operation[] = [
  {
    method: 'POST',
    path: '/_scrumd/apps',
    operationId: 'createApp',
    summary: 'create a local application as an administrator saves the form (an API-only app is installed at once: install callback to installUrl)',
    body: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        url: { type: 'string', description: 'handler path: the app page, and the OAuth redirect_uri' },
        installUrl: { type: 'string', description: 'initial installation path' },
        scope: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'default: every implemented scope' },
        onlyApi: { type: 'boolean', description: '"uses API only" (default true)' },
        clientId: { type: 'string' },
        clientSecret: { type: 'string' },
        user: { type: 'integer', minimum: 1, description: 'the installing administrator (default 1)' },
      },
    },
    answer: result({
      type: 'object',
      properties: { id: { type: 'integer' }, client_id: { type: 'string' }, client_secret: { type: 'string' }, application_token: { type: 'string' }, scope: { type: 'string' }, installed: { type: 'boolean' } },
    }),
    handler: async ({ app, body }) => ({ result: await createLocalApp(app, body) }),
  },
  {
    method: 'GET',
    path: '/_scrumd/apps',
    operationId: 'listApps',
    summary: 'the local applications',
    answer: result({ type: 'array', items: APP_LISTED }),
    handler: async ({ app }) => ({ result: await listLocalApps(app) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/apps/{clientId}/install',
    operationId: 'installApp',
    summary: 'install an application as an administrator: INSTALLED = Y and ONAPPINSTALL (with tokens of the user) to its handlers; again: the install routine again',
    body: USER_BODY,
    answer: result({ type: 'object', properties: { client_id: { type: 'string' }, installed: { type: 'boolean' } } }),
    handler: async ({ app, params, body }) => ({ result: await installLocalApp(app, params.clientId!, body) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/apps/{clientId}/open',
    operationId: 'openApp',
    summary: "open an application for a user: the portal's frame POST (AUTH_ID … PLACEMENT_OPTIONS) to its installation path (not installed, administrator) or handler path; answers the handler's status and body",
    body: {
      type: 'object',
      properties: {
        user: { type: 'integer', minimum: 1, description: 'default 1' },
        placement: { type: 'string', description: 'default DEFAULT' },
        options: { type: 'object', description: 'PLACEMENT_OPTIONS (sent as JSON; [] when empty)' },
      },
    },
    answer: result({
      type: 'object',
      properties: { url: { type: 'string' }, install: { type: 'boolean' }, status: { type: 'integer' }, contentType: { type: ['string', 'null'] }, body: { type: 'string' } },
    }),
    handler: async ({ app, params, body, origin }) => ({ result: await openLocalApp(app, params.clientId!, body, origin) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/apps/{clientId}/finish',
    operationId: 'finishAppInstallation',
    summary: "the app's installFinish: INSTALLED = Y and ONAPPINSTALL to the handlers it bound; refused (409) when installed",
    body: USER_BODY,
    answer: result({ type: 'object', properties: { client_id: { type: 'string' }, installed: { type: 'boolean' } } }),
    handler: async ({ app, params, body }) => ({ result: await finishLocalApp(app, params.clientId!, body) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/apps/{clientId}/update',
    operationId: 'updateApp',
    summary: 'install a new version: ONAPPUPDATE (VERSION, PREVIOUS_VERSION) to its handlers; its ONAPPINSTALL handlers go',
    body: { type: 'object', properties: { version: { type: 'integer', minimum: 1, maximum: 9999 }, user: { type: 'integer', minimum: 1 } }, required: ['version'] },
    answer: result({ type: 'object', properties: { client_id: { type: 'string' }, version: { type: 'integer' } } }),
    handler: async ({ app, params, body }) => ({ result: await updateLocalApp(app, params.clientId!, body) }),
  },
  {
    method: 'DELETE',
    path: '/_scrumd/apps/{clientId}',
    operationId: 'uninstallApp',
    summary: 'uninstall (delete) an application: ONAPPUNINSTALL without tokens, then its handlers, offline records and tokens go',
    answer: result({ type: 'object', properties: { client_id: { type: 'string' }, uninstalled: { type: 'boolean' } } }),
    handler: async ({ app, params }) => ({ result: await uninstallLocalApp(app, params.clientId!) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/webhooks/outgoing',
    operationId: 'createOutgoingWebhook',
    summary: 'create an outgoing webhook: POST the events to a URL, with its application_token',
    body: {
      type: 'object',
      properties: {
        url: { type: 'string' },
        events: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'e.g. "ONTASKADD,ONTASKUPDATE"' },
        user: { type: 'integer', minimum: 1, description: 'the creating administrator (default 1)' },
      },
      required: ['url', 'events'],
    },
    answer: result(OUTGOING_WEBHOOK),
    handler: async ({ app, body }) => ({ result: await createOutgoingWebhook(app, body) }),
  },
  {
    method: 'GET',
    path: '/_scrumd/webhooks/outgoing',
    operationId: 'listOutgoingWebhooks',
    summary: 'the outgoing webhooks',
    answer: result({ type: 'array', items: OUTGOING_WEBHOOK }),
    handler: async ({ app }) => ({ result: await listOutgoingWebhooks(app) }),
  },
  {
    method: 'DELETE',
    path: '/_scrumd/webhooks/outgoing/{id}',
    operationId: 'deleteOutgoingWebhook',
    summary: 'delete an outgoing webhook (all its events)',
    answer: OK,
    handler: async ({ app, params }) => {
      await deleteOutgoingWebhook(app, params.id);
      return { result: true };
    },
  },
  {
    method: 'GET',
    path: '/_scrumd/events/deliveries',
    operationId: 'listDeliveries',
    summary: 'the recorded event deliveries, newest first',
    query: [
      { name: 'event', in: 'query', description: 'event name (ONTASKUPDATE)', schema: { type: 'string' } },
      { name: 'status', in: 'query', schema: { enum: ['pending', 'sending', 'delivered', 'failed'] } },
      { name: 'handler', in: 'query', description: 'a handler id, or its URL', schema: { type: 'string' } },
      { name: 'limit', in: 'query', description: 'default 50, at most 1,000', schema: { type: 'integer', minimum: 1 } },
    ],
    answer: result({ type: 'array', items: DELIVERY }),
    handler: async ({ app, query }) => ({ result: await findDeliveries(app, query) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/events/deliveries/{id}/redeliver',
    operationId: 'redeliver',
    summary: 'send a delivery again (its payload as recorded, with fresh tokens)',
    answer: result({ type: 'object', properties: { id: { type: 'integer' }, status: { const: 'pending' } } }),
    handler: async ({ app, params }) => ({ result: await redeliver(app, params.id) }),
  },
  {
    method: 'POST',
    path: '/_scrumd/events/wait',
    operationId: 'waitForDeliveries',
    summary: 'wait until every queued delivery has been attempted (none due or being sent), at most timeout seconds; answers how many are still pending',
    body: { type: 'object', properties: { timeout: { type: 'number', minimum: 0, maximum: 600, description: 'seconds (default 30)' } } },
    answer: result({
      type: 'object',
      properties: { pending: { type: 'integer', description: 'due or being sent (0: all attempted)' }, retrying: { type: 'integer', description: 'failed once, waiting for a retry' } },
    }),
    handler: async ({ app, body }) => ({ result: await waitForDeliveries(app, body) }),
  },
];

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
  {
    method: 'GET',
    path: '/_scrumd/journal',
    operationId: 'listJournal',
    summary: 'the request journal (the last N REST calls, oldest first; a batch and each of its commands), filtered',
    query: JOURNAL_QUERY,
    processLocal: true,
    answer: { type: 'object', properties: { result: { type: 'array', items: JOURNAL_ENTRY } }, required: ['result'] },
    handler: async ({ app, query }) => ({ result: app.journal.list(filterOf(query), (s) => app.time.iso(s)) }),
  },
  {
    method: 'GET',
    path: '/_scrumd/journal/count',
    operationId: 'countJournal',
    summary: 'how many journal entries match (verification, like WireMock verify)',
    query: JOURNAL_QUERY,
    processLocal: true,
    answer: { type: 'object', properties: { result: { type: 'integer' } }, required: ['result'] },
    handler: async ({ app, query }) => ({ result: app.journal.count(filterOf(query)) }),
  },
  {
    method: 'DELETE',
    path: '/_scrumd/journal',
    operationId: 'clearJournal',
    summary: 'empty the request journal',
    processLocal: true,
    answer: OK,
    handler: async ({ app }) => {
      app.journal.clear();
      return { result: true };
    },
  },
  {
    method: 'GET',
    path: '/_scrumd/clock',
    operationId: 'getClock',
    summary: "the portal's clock",
    processLocal: true,
    answer: CLOCK,
    handler: async ({ app }) => clockAnswer(app),
  },
  {
    method: 'POST',
    path: '/_scrumd/clock/set',
    operationId: 'setClock',
    summary: "set the portal's clock (it keeps running from there unless frozen)",
    body: { type: 'object', properties: { time: { type: ['number', 'string'], description: 'Unix seconds or ISO 8601' } }, required: ['time'] },
    processLocal: true,
    answer: CLOCK,
    handler: async ({ app, body }) => {
      app.clock.set(timeArg(bodyOf(body).time, 'time'));
      return clockAnswer(app);
    },
  },
  {
    method: 'POST',
    path: '/_scrumd/clock/advance',
    operationId: 'advanceClock',
    summary: "move the portal's clock forward (or back, negative) by seconds",
    body: { type: 'object', properties: { seconds: { type: 'number' } }, required: ['seconds'] },
    processLocal: true,
    answer: CLOCK,
    handler: async ({ app, body }) => {
      const s = bodyOf(body).seconds;
      if (typeof s !== 'number' || !Number.isFinite(s)) throw new ControlError(400, 'INVALID_TIME', 'seconds is a number');
      app.clock.advance(s);
      return clockAnswer(app);
    },
  },
  {
    method: 'POST',
    path: '/_scrumd/clock/freeze',
    operationId: 'freezeClock',
    summary: "stop the portal's clock (at \"time\" when given, else where it stands)",
    body: { type: 'object', properties: { time: { type: ['number', 'string'], description: 'Unix seconds or ISO 8601' } } },
    processLocal: true,
    answer: CLOCK,
    handler: async ({ app, body }) => {
      const t = bodyOf(body).time;
      app.clock.freeze(t === undefined || t === null ? undefined : timeArg(t, 'time'));
      return clockAnswer(app);
    },
  },
  {
    method: 'POST',
    path: '/_scrumd/clock/release',
    operationId: 'releaseClock',
    summary: 'let a frozen clock run again from where it stands',
    processLocal: true,
    answer: CLOCK,
    handler: async ({ app }) => {
      app.clock.release();
      return clockAnswer(app);
    },
  },
  {
    method: 'POST',
    path: '/_scrumd/clock/reset',
    operationId: 'resetClock',
    summary: "back to real time",
    processLocal: true,
    answer: CLOCK,
    handler: async ({ app }) => {
      app.clock.reset();
      return clockAnswer(app);
    },
  },
  {
    method: 'GET',
    path: '/_scrumd/faults',
    operationId: 'listFaults',
    summary: 'the fault rules',
    processLocal: true,
    answer: { type: 'object', properties: { result: { type: 'array', items: FAULT_RULE } }, required: ['result'] },
    handler: async ({ app }) => ({ result: app.faults.list() }),
  },
  {
    method: 'POST',
    path: '/_scrumd/faults',
    operationId: 'addFault',
    summary: 'add a fault rule (checked in order, first match answers; after authentication; per command in batch)',
    body: FAULT_RULE,
    processLocal: true,
    answer: { type: 'object', properties: { result: FAULT_RULE }, required: ['result'] },
    handler: async ({ app, body }) => ({ result: app.faults.add(body) }),
  },
  {
    method: 'DELETE',
    path: '/_scrumd/faults/{id}',
    operationId: 'removeFault',
    summary: 'remove a fault rule',
    processLocal: true,
    answer: OK,
    handler: async ({ app, params }) => {
      if (!app.faults.remove(Number(params.id))) throw new ControlError(404, 'FAULT_NOT_FOUND', `no fault rule ${params.id}`);
      return { result: true };
    },
  },
  {
    method: 'DELETE',
    path: '/_scrumd/faults',
    operationId: 'clearFaults',
    summary: 'remove every fault rule',
    processLocal: true,
    answer: OK,
    handler: async ({ app }) => {
      app.faults.clear();
      return { result: true };
    },
  },
  {
    method: 'POST',
    path: '/_scrumd/limits/bucket',
    operationId: 'setRateBucket',
    summary: "set a client address's request-rate bucket (with --limits): level 0 is empty, the threshold refuses the next request",
    body: { type: 'object', properties: { client: { type: 'string', description: 'the client address, e.g. 127.0.0.1' }, level: { type: 'number', minimum: 0 } }, required: ['client', 'level'] },
    answer: OK,
    handler: async ({ app, body }) => {
      const b = bodyOf(body);
      if (typeof b.client !== 'string' || b.client === '' || typeof b.level !== 'number' || !(b.level >= 0) || !Number.isFinite(b.level)) {
        throw new ControlError(400, 'INVALID_LIMIT', 'client is an address and level a number ≥ 0');
      }
      await setBucket(app, b.client, b.level, app.clock.now());
      return { result: true };
    },
  },
  {
    method: 'POST',
    path: '/_scrumd/limits/operating',
    operationId: 'setOperatingTime',
    summary: "set a credential's operating-time account of a method (with --limits): seconds used in the 10-minute window",
    body: {
      type: 'object',
      properties: { credential: { type: 'string', description: '"webhook:<id>" or "oauth:<app id>"' }, method: { type: 'string' }, seconds: { type: 'number', minimum: 0 } },
      required: ['credential', 'method', 'seconds'],
    },
    answer: OK,
    handler: async ({ app, body }) => {
      const b = bodyOf(body);
      const cred = typeof b.credential === 'string' ? /^(webhook|oauth):(\d+)$/.exec(b.credential) : null;
      if (!cred || typeof b.method !== 'string' || b.method === '' || typeof b.seconds !== 'number' || !(b.seconds >= 0) || !Number.isFinite(b.seconds)) {
        throw new ControlError(400, 'INVALID_LIMIT', 'credential is "webhook:<id>" or "oauth:<app id>", method a method name and seconds a number ≥ 0');
      }
      await setOperating(app, `${cred[1]}:${cred[2]}:${b.method.toLowerCase()}`, b.seconds, app.clock.nowSeconds());
      return { result: true };
    },
  },
  ...EVENT_OPERATIONS,
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
    const params = [
      ...(/\{name\}/.test(op.path) ? [NAME_PARAM] : []),
      ...(/\{id\}/.test(op.path) ? [ID_PARAM] : []),
      ...(/\{clientId\}/.test(op.path) ? [CLIENT_ID_PARAM] : []),
      ...(op.query ?? []),
    ];
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
        ...(/\{\w+\}/.test(op.path) ? { 404: ERROR } : {}),
        ...(op.processLocal ? { 409: ERROR } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'scrumd sandbox control API',
      version: '1',
      description:
        'Put a scrumd sandbox in a known state (reset, snapshots, fixtures), see what was called (the request journal), move the clock and provoke faults. Off with --no-control.',
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
  const state = sharedPortalState(app.store, app.config.database); // the board's sandbox panel uses it too
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
        if (op.processLocal && !app.config.soleProcess) {
          return problem(reply, 409, 'NOT_SOLE_PROCESS', `${op.operationId}: the journal, clock and fault rules are kept in the server process; serve with one process (no --workers) to use them`);
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
          const origin = `${req.protocol}://${req.host}`;
          const result = await op.handler({ app, state, params: (req.params ?? {}) as Record<string, string>, query: (req.query ?? {}) as Record<string, unknown>, body, origin });
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
