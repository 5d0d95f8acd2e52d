/**
 * A REST method is one declaration (`MethodSpec`): its name as the real service spells it, the scopes
 * that grant it, its typed parameters, whether `batch` may run it, whether `methods`/`method.get`
 * report it, whether it runs in one transaction, what its failures answer (its error policy), and
 * either a named handler or its constant answer (`getFields`).
 *
 * One generic runner (`compile` → `run`) applies the declaration to every call:
 * binding → transaction with retry → error policy → result (the envelope is dispatch's).
 * Everything a call does not need to decide is worked out once here, at registration.
 */
import type { Kysely } from 'kysely';
import { RestError } from '../core/errors.js';
import { hasKey, type PhpMap } from '../core/php.js';
import type { Database } from '../store/schema.js';
import { isParentGone, isRetryable } from '../store/dialectErrors.js';
import { convertParam, invalidParam, missingParam, type ParamType } from './binding.js';
import type { CallContext } from './registry.js';
import { inHit } from '../events/raise.js';
import { wakeDeliverer } from '../events/deliverer.js';
import { connectorOf, eventSessionOf } from '../domain/oauth.js';

// ---------------------------------------------------------------------------------------------
// parameters

/** A bound `array` parameter: a PHP array, list or map. */
export type PhpArray = PhpMap | unknown[];
type ValueOf<K extends ParamType> = K extends 'int' | 'float'
  ? number
  : K extends 'bool'
    ? boolean
    : K extends 'string'
      ? string
      : PhpArray;

/**
 * One declared parameter. Controller types (`int`, `float`, `bool`, `string`, `array`) bind by the
 * rules of binding.ts (code "100" on failure); `raw` passes the value as sent (undefined when absent);
 * `custom` binds with a function of its own (e.g. the task id of `tasks.task.*`).
 */
export interface Param<T> {
  readonly kind: ParamType | 'raw' | 'custom';
  readonly required: boolean;
  readonly default?: unknown;
  readonly bind?: (value: unknown) => unknown;
  /** the bound value's type (never set: it only carries T) */
  readonly __value?: T;
}

function typed<K extends ParamType>(kind: K) {
  function make(o: { required: true }): Param<ValueOf<K>>;
  function make(o: { default: ValueOf<K> }): Param<ValueOf<K>>;
  function make(): Param<ValueOf<K> | undefined>;
  function make(o?: { required?: boolean; default?: unknown }): Param<unknown> {
    return { kind, required: o?.required === true, default: o?.default };
  }
  return make;
}

/** Parameter declarations; object keys are the parameter names, bound in declaration order. */
export const param = {
  int: typed('int'),
  float: typed('float'),
  bool: typed('bool'),
  string: typed('string'),
  array: typed('array'),
  /** the value as sent, undefined when absent (methods that read untyped parameters) */
  raw: (): Param<unknown> => ({ kind: 'raw', required: false }),
  /** bound by `bind`, which receives the value (undefined when absent) and throws its own errors */
  custom: <T>(bind: (value: unknown) => T): Param<T> => ({ kind: 'custom', required: false, bind }),
};

export type Params = Record<string, Param<unknown>>;
export type Args<P extends Params> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };

/** What a handler receives: the call, its bound arguments, and the database (the transaction's when it has one). */
export type Call<A = unknown> = CallContext & { readonly args: A; readonly db: Kysely<Database> };

// ---------------------------------------------------------------------------------------------
// error policy

/**
 * What a method's failures answer. Without a policy a RestError is the answer and any other failure
 * is a 500. With one, a failure that is not a RestError — a storage failure (a refused statement), a
 * list query that cannot be built — is answered as declared:
 * - `swallow`: the reference loses the failure and answers HTTP 200 `answer` (`false`, `[]`, `null`,
 *   scrum-api.md B9); `--strict-errors` answers `strictError()` (HTTP 400, code "0"). With
 *   `businessErrors`, the method's own code-"0" errors are lost the same way (the boolean kanban
 *   methods); in strict mode they keep their message. Binding errors ("100") always reach the client.
 * - `describe`: both modes answer `error()` (the family's "Cannot …" error) and log the cause.
 */
export type FailurePolicy =
  | { readonly kind: 'swallow'; readonly answer: false | [] | null; readonly strictError: () => RestError; readonly businessErrors?: boolean }
  | { readonly kind: 'describe'; readonly error: () => RestError };

export function swallow(answer: false | [] | null, strictError: () => RestError, opts: { businessErrors?: boolean } = {}): FailurePolicy {
  return { kind: 'swallow', answer, strictError, businessErrors: opts.businessErrors === true };
}

export function describe(error: () => RestError): FailurePolicy {
  return { kind: 'describe', error };
}

/**
 * A handler's answer that commits the call's changes and then fails with `error`: the reference
 * keeps the earlier steps (epic files not attached, sprint.start's failed procedure).
 */
export class CommitThenFail {
  constructor(readonly error: RestError) {}
}

// ---------------------------------------------------------------------------------------------
// the declaration

interface SpecBase {
  /** the name as the real service spells it (matched case-insensitively) */
  readonly name: string;
  /** the scopes any one of which grants the method; empty for the global scope */
  readonly scopes: readonly string[];
  /** whether `batch` may run it (default true) */
  readonly batch?: boolean;
  /**
   * whether `methods` lists it (default true); controller methods are resolved on the fly by the
   * reference and so never listed (protocol.md §8.1)
   */
  readonly listed?: boolean;
  /**
   * whether a call can raise events (default: when it runs in a transaction — every writing method
   * does). Such a call runs as one hit of the event pipeline (src/events/raise.ts); the others (reads)
   * skip it. `batch` says true: its commands' events collapse in its hit.
   */
  readonly events?: boolean;
}

export interface HandlerSpec<P extends Params> extends SpecBase {
  readonly params?: P;
  /** runs the handler in one transaction, run again on a conflict with a concurrent one */
  readonly transaction?: boolean;
  readonly onFailure?: FailurePolicy;
  readonly handler: (call: Call<Args<P>>) => unknown;
}

export interface ConstantSpec extends SpecBase {
  /** the method's fixed answer (a `getFields` description) */
  readonly answer: unknown;
}

export type MethodSpec = HandlerSpec<Params> | ConstantSpec;

/** Declares a method; the handler's argument type follows from `params`. */
export function method<P extends Params = Record<string, never>>(spec: HandlerSpec<P>): MethodSpec {
  return spec as unknown as MethodSpec;
}

/** Declares a method that answers a constant (`getFields`). */
export function constant(spec: ConstantSpec): MethodSpec {
  return spec;
}

// ---------------------------------------------------------------------------------------------
// the runner

/** A registered method: its declaration and the runner prepared for it. */
export interface RegisteredMethod {
  /** lower-case name, the registry key */
  readonly name: string;
  /** the name as the real service spells it */
  readonly spelling: string;
  readonly scopes: readonly string[];
  readonly batch: boolean;
  readonly listed: boolean;
  readonly policy?: FailurePolicy;
  run(ctx: CallContext): Promise<unknown>;
}

const ATTEMPTS = 5;

type Binder = (params: PhpMap) => Record<string, unknown>;

function copyDefault(d: unknown): unknown {
  // a default array is the handler's own: never an object shared between calls
  if (Array.isArray(d)) return [...d];
  if (typeof d === 'object' && d !== null) return { ...d };
  return d;
}

/** The binding of a declaration, prepared once: one loop over its parameters per call. */
function binder(params: Params | undefined): Binder {
  const list = Object.entries(params ?? {});
  if (list.length === 0) return () => ({});
  return (input) => {
    const out: Record<string, unknown> = {};
    for (const [name, p] of list) {
      const present = hasKey(input, name);
      const v = present ? input[name] : undefined;
      if (p.kind === 'raw') out[name] = v;
      else if (p.kind === 'custom') out[name] = p.bind!(v);
      else if (!present) {
        if (p.required) throw missingParam(name);
        out[name] = copyDefault(p.default);
      } else {
        const r = convertParam(p.kind, v);
        if (!r.ok) throw invalidParam(name, v, p.kind);
        out[name] = r.value;
      }
    }
    return out;
  };
}

async function transactionWithRetry<T>(ctx: CallContext, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.app.store.transaction(fn);
    } catch (e) {
      if (attempt >= ATTEMPTS || !(isRetryable(e) || isParentGone(e))) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** An error the database driver raised (it carries the driver's code: SQLITE_…, a SQLSTATE). */
function isDriverError(e: unknown): boolean {
  return typeof (e as { code?: unknown } | null)?.code === 'string';
}

/** Applies a method's failure policy to what its body threw: returns the answer or throws the error. */
function applyPolicy(ctx: CallContext, spelling: string, policy: FailurePolicy, e: unknown): unknown {
  const strict = ctx.app.config.strictErrors;
  if (e instanceof RestError) {
    if (policy.kind === 'swallow' && policy.businessErrors && e.code === '0' && !strict) return policy.answer;
    throw e;
  }
  if (policy.kind === 'describe') {
    ctx.app.log.error({ err: e }, `${spelling} failed`);
    throw policy.error();
  }
  // A refused statement or a failed procedure is worth a warning; a list request that could not be
  // built (an unknown field, a bad direction) is the client's and is not logged.
  const cause = (e as { cause?: unknown } | null)?.cause;
  if (isDriverError(e) || cause !== undefined) ctx.app.log.warn({ err: e, cause }, `${spelling}: failure answered by its policy`);
  if (strict) throw policy.strictError();
  return policy.answer;
}

/**
 * Runs a call as one hit of the event pipeline (src/events/raise.ts): the events it raises collapse
 * per hit, carry the hit's event-session TTL and the portal clock's time, and the deliverer is woken
 * once the call's transaction has committed. Only methods that can raise events run as a hit.
 */
function asHit(run: (ctx: CallContext) => Promise<unknown>): (ctx: CallContext) => Promise<unknown> {
  return (ctx) => {
    const c = ctx.caller;
    const connector = connectorOf(c);
    const clock = ctx.app.clock;
    const who = { userId: c.userId, appId: c.authType === 'oauth' ? c.credentialId : null, connector, zone: ctx.app.config.timezone, eventSession: eventSessionOf(c), now: () => clock.nowSeconds() };
    return inHit(who, () => run(ctx), (h) => {
      if (h.written) wakeDeliverer(ctx.app);
    });
  };
}

/** Prepares a declaration for calls. */
export function compile(spec: MethodSpec): RegisteredMethod {
  const base = {
    name: spec.name.toLowerCase(),
    spelling: spec.name,
    scopes: spec.scopes,
    batch: spec.batch ?? true,
    listed: spec.listed ?? true,
  };
  if ('answer' in spec) {
    const answer = spec.answer;
    return { ...base, run: async () => answer };
  }
  const bind = binder(spec.params);
  const handler = spec.handler as (call: Call<Record<string, unknown>>) => unknown;
  const policy = spec.onFailure;
  const body: (ctx: CallContext, args: Record<string, unknown>) => Promise<unknown> = spec.transaction
    ? (ctx, args) => transactionWithRetry(ctx, async (db) => handler({ ...ctx, args, db }))
    : async (ctx, args) => handler({ ...ctx, args, db: ctx.app.store.db });
  const hit = (spec.events ?? spec.transaction === true) ? asHit : (run: (ctx: CallContext) => Promise<unknown>) => run;
  const finish = (value: unknown): unknown => {
    if (value instanceof CommitThenFail) throw value.error;
    return value;
  };
  if (!policy) {
    return { ...base, run: hit(async (ctx) => finish(await body(ctx, bind(ctx.params)))) };
  }
  return {
    ...base,
    policy,
    run: hit(async (ctx) => {
      const args = bind(ctx.params); // binding errors are never the policy's
      let value: unknown;
      try {
        value = await body(ctx, args);
      } catch (e) {
        return applyPolicy(ctx, spec.name, policy, e);
      }
      return finish(value);
    }),
  };
}
