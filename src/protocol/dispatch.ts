/**
 * One classic REST call from route to envelope, in the reference's processing order
 * (protocol.md §3): route → parameters → resolve (404 before auth) → authenticate and check
 * the scope → `start` → execute → envelope.
 */
import type { App } from '../app.js';
import { authenticateToken, authenticateWebhook } from './auth.js';
import { preciseNow, successBody, timeBlock } from './envelope.js';
import { Errors, RestError } from '../core/errors.js';
import { operatingAccount, operationTimeLimit, queryLimitExceeded, readOperating, recordOperating, RECORD_THRESHOLD, takeRequest, type OperatingState } from './limits.js';
import { own, toInt, type PhpMap } from '../core/php.js';
import { Page, type Caller } from '../core/call.js';
import type { MethodDef, MethodRegistry } from './registry.js';
import { view, type JournalRecord } from '../control/journal.js';
import { maskUrl } from './redact.js';
import { applyFault } from '../control/faults.js';

/**
 * The journal entry of a call, on its parameters under a symbol (never enumerated, never serialized):
 * `batch` finds its own entry there and links its commands' entries to it.
 */
export const JOURNAL_ENTRY = Symbol('scrumd journal entry');

export interface IncomingCall {
  /** non-empty path segments after `/rest/`, percent-decoded */
  segments: string[];
  /** query and body parameters merged (protocol.md §2.1) */
  params: PhpMap;
  /** token of an `Authorization: Bearer` header */
  bearer?: string;
  secure: boolean;
  /** preciseNow() when the request arrived */
  start: number;
  /** the client's address (the request-rate limit is kept per portal and address) */
  client: string;
  /** the URL as sent (only the log line at info shows it, masked) */
  url?: string;
}

export interface OutgoingResponse {
  status: number;
  body: Record<string, unknown>;
  xml: boolean;
  /** a fault rule asks for the connection to be dropped without an answer */
  drop?: boolean;
}

/** The answer for REST 3.0 paths on a classic-only server (protocol.md §1.5). */
function restV3NotFound(method: string): OutgoingResponse {
  return {
    status: 404,
    xml: false,
    body: { error: { code: 'BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION', message: `Method ${method} not found` } },
  };
}

/** Lower-cases the name and strips a `.json`/`.xml` transport suffix. */
export function normalizeMethodName(raw: string): { name: string; xml: boolean } {
  const lower = raw.toLowerCase();
  const dot = lower.lastIndexOf('.');
  const suffix = dot >= 0 ? lower.slice(dot + 1) : '';
  if (suffix === 'json' || suffix === 'xml') return { name: lower.slice(0, dot), xml: suffix === 'xml' };
  return { name: lower, xml: false };
}

export interface ExecutionResult {
  result: unknown;
  next?: number;
  total?: number;
  processing: number;
  /** the operating-time account of this method and credential after the call (§10.2) */
  operating: number;
  operatingResetAt?: number;
}

/** Runs a resolved method for an authenticated caller; reserved `start` is consumed here. */
export async function execute(
  app: App,
  registry: MethodRegistry,
  method: MethodDef,
  caller: Caller,
  params: PhpMap,
  now: number,
): Promise<ExecutionResult> {
  const limits = app.config.limits;
  // `batch` itself is never blocked; its commands are, each under its own method (§10.2).
  const account = limits && method.name !== 'batch' ? operatingAccount(caller, method.name) : undefined;
  let before: OperatingState = { operating: 0 };
  if (account) {
    before = await readOperating(app, account, now);
    if (before.operating > limits!.operatingLimit) throw operationTimeLimit();
  }
  const start = own(params, 'start') === undefined ? 0 : toInt(params.start);
  delete params.start;
  const t0 = preciseNow();
  const value = await method.run({ app, caller, params, start, now, registry });
  const processing = preciseNow() - t0;
  let operating = before.operating;
  let operatingResetAt = before.resetAt;
  if (account && processing > RECORD_THRESHOLD) {
    await recordOperating(app, account, processing, now);
    operating += processing;
    operatingResetAt ??= now + 600;
  }
  const base = { processing, operating, operatingResetAt };
  if (value instanceof Page) return { result: value.result, next: value.next, total: value.total, ...base };
  return { result: value, ...base };
}

export async function dispatch(app: App, registry: MethodRegistry, call: IncomingCall): Promise<OutgoingResponse> {
  // the portal's clock: the arrival time as the portal sees it (set/advanced/frozen by the control API)
  const start = app.clock.at(call.start);
  if (!app.journal.active) return dispatchCall(app, registry, call, start, undefined);
  const rec = app.journal.begin(start, '');
  const res = await dispatchCall(app, registry, call, start, rec);
  finishEntry(app, rec, res, call.start, call.url);
  return res;
}

/** Completes a call's journal entry from its answer (and logs the call's line at info when asked). */
function finishEntry(app: App, rec: JournalRecord, res: OutgoingResponse, arrived: number, url: string | undefined): void {
  rec.status = res.drop ? -1 : res.status; // -1: the connection was dropped, no answer sent
  const err = res.body.error;
  rec.error = typeof err === 'string' ? err : err && typeof err === 'object' ? String((err as { code?: unknown }).code ?? '') : res.drop ? 'DROPPED' : null;
  rec.duration = Math.round((preciseNow() - arrived) * 1e6) / 1e3;
  if (app.journal.logCalls) app.log.info({ call: view(rec, (s) => app.time.iso(s)), url: url === undefined ? undefined : maskUrl(url) }, 'REST call');
}

/** A call of a caller authenticated elsewhere: the web board's session (src/transport/boardRoutes.ts). */
export interface AuthenticatedCall {
  /** the method name as called (a `.json` suffix is stripped) */
  method: string;
  caller: Caller;
  params: PhpMap;
  /** preciseNow() when the request arrived */
  start: number;
}

/**
 * Runs a call of an already-authenticated caller the way a REST call runs after authentication: the
 * portal's clock, a journal entry (the caller as credential; the method 404 before anything else),
 * the fault rules, execution and the envelope. The web board's calls take this path, so whatever the
 * sandbox shows or provokes for REST calls it shows and provokes for the board's.
 */
export async function dispatchAuthenticated(app: App, registry: MethodRegistry, call: AuthenticatedCall): Promise<OutgoingResponse> {
  const start = app.clock.at(call.start);
  const rec = app.journal.active ? app.journal.begin(start, '') : undefined;
  let res: OutgoingResponse;
  try {
    const { name, xml } = normalizeMethodName(call.method);
    if (rec) {
      rec.method = name;
      rec.params = call.params; // as a REST call's: the copy is made once it is authenticated (runAuthenticated)
    }
    const method = registry.resolve(name);
    if (!method) throw Errors.methodNotFound();
    res = await runAuthenticated(app, registry, method, call.caller, call.params, start, rec, xml);
  } catch (e) {
    res = { ...errorResponse(app, e), xml: false };
  }
  if (rec) finishEntry(app, rec, res, call.start, undefined);
  return res;
}

/** After authentication: the journal's caller, fault rules, execution, the success envelope. */
async function runAuthenticated(
  app: App,
  registry: MethodRegistry,
  method: MethodDef,
  caller: Caller,
  params: PhpMap,
  start: number,
  rec: JournalRecord | undefined,
  xml: boolean,
): Promise<OutgoingResponse> {
  if (rec) {
    rec.credential = caller; // shown as {type, id, user} when read (no object per call)
    rec.params = { ...params };
    // only a batch reads it (a property defined on every call's parameters would cost every call)
    if (method.name === 'batch') Object.defineProperty(params, JOURNAL_ENTRY, { value: rec, enumerable: false });
  }
  if (!app.faults.empty) {
    const fault = app.faults.match(method.name, caller, false);
    if (fault && (await applyFault(fault))) return { status: 0, body: {}, xml, drop: true };
  }
  const now = Math.floor(start);
  const r = await execute(app, registry, method, caller, params, now);
  const time = timeBlock(app.time, start, app.clock.at(preciseNow()), r.processing, r.operating, r.operatingResetAt);
  return { status: 200, xml, body: successBody(r.result, time, r.next, r.total) };
}

async function dispatchCall(app: App, registry: MethodRegistry, call: IncomingCall, start: number, rec: JournalRecord | undefined): Promise<OutgoingResponse> {
  const seg = call.segments;
  const limits = app.config.limits;
  if (rec) {
    rec.params = call.params;
    // the method as called, for a call refused before it is resolved (request-rate limit)
    if (seg.length > 0) rec.method = normalizeMethodName(seg[seg.length - 1]!).name;
  }
  if (limits && !(await takeRequest(app, limits, call.client, start))) {
    return { status: 503, xml: false, body: queryLimitExceeded().body() };
  }
  if (seg[0]?.toLowerCase() === 'api') return restV3NotFound(seg[seg.length - 1] ?? '');
  let xml = false;
  try {
    let rawMethod: string | undefined;
    const params = call.params;
    if (seg.length === 1) {
      rawMethod = seg[0];
    } else if (seg.length === 3) {
      rawMethod = seg[2];
      // The path's webhook credentials override same-named parameters (protocol.md §1.2).
      params.aplogin = seg[0];
      params.ap = seg[1];
    }
    const norm = rawMethod === undefined ? undefined : normalizeMethodName(rawMethod);
    xml = norm?.xml ?? false;
    if (rec) rec.method = norm?.name ?? '';
    delete params.state;
    const method = norm ? registry.resolve(norm.name) : undefined;
    if (!method) throw Errors.methodNotFound();

    const now = Math.floor(start);
    let caller: Caller;
    const aplogin = own(params, 'aplogin');
    const ap = own(params, 'ap');
    if (typeof aplogin === 'string' && typeof ap === 'string') {
      caller = await authenticateWebhook(app, { user: aplogin, secret: ap }, method, call.secure, now);
      delete params.aplogin;
      delete params.ap;
    } else {
      const auth = own(params, 'auth');
      const accessToken = own(params, 'access_token');
      const token =
        call.bearer ?? (typeof auth === 'string' ? auth : typeof accessToken === 'string' ? accessToken : undefined);
      if (token === undefined || token === '') throw Errors.noAuth();
      // auth_connector goes with the token: the caller carries it, the method's parameters lose it
      const connector = own(params, 'auth_connector');
      caller = await authenticateToken(app, token, method, now, typeof connector === 'string' ? connector : '');
      delete params.auth;
      delete params.access_token;
      delete params.auth_connector;
    }

    return await runAuthenticated(app, registry, method, caller, params, start, rec, xml);
  } catch (e) {
    return { ...errorResponse(app, e), xml };
  }
}

export function errorResponse(app: App, e: unknown): { status: number; body: Record<string, unknown> } {
  if (e instanceof RestError) return { status: e.status, body: e.body() };
  app.log.error({ err: e }, 'unexpected failure in a REST call');
  const err = Errors.internal();
  return { status: err.status, body: err.body() };
}
