/**
 * Fault rules of the sandbox control API: provoke the portal's bad days. A rule matches a method (glob),
 * a credential (`webhook:3`, `oauth:2`, `user:1`), or every call, and answers a number of times (`times`)
 * and/or with a probability: a Bitrix error, a delay before the real answer, or a dropped connection.
 *
 * Rules are checked after authentication (a fault stands in for the portal's answer to a call of a
 * known credential; a call that fails authentication gets its real error). In `batch`, each command
 * is checked on its own under its own method: an error fault becomes that command's entry in
 * `result_error`, a delay delays that command; a `drop` rule never matches a command (there is no
 * connection of its own to drop) — match the method `batch` to drop a whole batch.
 */
import type { Caller } from '../core/call.js';
import { Errors, type RestError } from '../core/errors.js';
import { ControlError } from './state.js';
import { globMatches } from './glob.js';

export type FaultAction =
  | { kind: 'error'; code: string; description?: string; status?: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' };

export interface FaultRule {
  id: number;
  /** glob over the method name; absent: every method */
  method?: string;
  /** `webhook:<id>`, `oauth:<app id>` or `user:<id>`; absent: every credential */
  credential?: string;
  /** answers left (absent: unlimited) */
  times?: number;
  /** 0 < p ≤ 1; absent: always */
  probability?: number;
  action: FaultAction;
  /** how many calls it has answered */
  hits: number;
}

/** The known errors by code, answered exactly as the portal answers them. */
const KNOWN: Record<string, () => RestError> = {
  QUERY_LIMIT_EXCEEDED: Errors.queryLimitExceeded,
  OPERATION_TIME_LIMIT: Errors.operationTimeLimit,
  expired_token: Errors.expiredToken,
  INTERNAL_SERVER_ERROR: Errors.internal,
};

const MAX_DELAY_MS = 10 * 60 * 1000;

export class FaultRules {
  private rules: FaultRule[] = [];
  private lastId = 0;

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Adds a rule from a JSON body; ControlError 400 on a bad one. */
  add(body: unknown): FaultRule {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const bad = (m: string) => new ControlError(400, 'INVALID_FAULT', m);
    const rule: FaultRule = { id: 0, action: { kind: 'drop' }, hits: 0 };
    if (b.method !== undefined) {
      if (typeof b.method !== 'string') throw bad('method is a glob string');
      rule.method = b.method;
    }
    if (b.credential !== undefined) {
      if (typeof b.credential !== 'string' || !/^(webhook|oauth|user):\d+$/.test(b.credential)) throw bad('credential is "webhook:<id>", "oauth:<app id>" or "user:<id>"');
      rule.credential = b.credential;
    }
    if (b.times !== undefined) {
      if (!Number.isInteger(b.times) || (b.times as number) < 1) throw bad('times is a positive integer');
      rule.times = b.times as number;
    }
    if (b.probability !== undefined) {
      if (typeof b.probability !== 'number' || !(b.probability > 0 && b.probability <= 1)) throw bad('probability is a number in (0, 1]');
      rule.probability = b.probability;
    }
    const kinds = ['error', 'delay', 'drop'].filter((k) => b[k] !== undefined && b[k] !== false);
    if (kinds.length !== 1) throw bad('a rule has exactly one of: "error" (a code, or {code, description, status}), "delay" (ms), "drop" (true)');
    if (kinds[0] === 'error') {
      const e = typeof b.error === 'string' ? { code: b.error } : (b.error as Record<string, unknown>);
      if (!e || typeof e !== 'object' || typeof e.code !== 'string' || e.code === '') throw bad('error is a code or {code, description, status}');
      if (e.description !== undefined && typeof e.description !== 'string') throw bad('error.description is a string');
      if (e.status !== undefined && !(Number.isInteger(e.status) && (e.status as number) >= 400 && (e.status as number) <= 599)) throw bad('error.status is an HTTP error status (400-599)');
      if (!KNOWN[e.code] && (e.description === undefined || e.status === undefined)) {
        throw bad(`an error other than ${Object.keys(KNOWN).join(', ')} needs a description and a status`);
      }
      rule.action = { kind: 'error', code: e.code, ...(e.description !== undefined ? { description: e.description as string } : {}), ...(e.status !== undefined ? { status: e.status as number } : {}) };
    } else if (kinds[0] === 'delay') {
      if (!Number.isInteger(b.delay) || (b.delay as number) < 0 || (b.delay as number) > MAX_DELAY_MS) throw bad(`delay is milliseconds, 0 to ${MAX_DELAY_MS}`);
      rule.action = { kind: 'delay', ms: b.delay as number };
    } else {
      if (b.drop !== true) throw bad('drop is true');
      rule.action = { kind: 'drop' };
    }
    rule.id = ++this.lastId;
    this.rules.push(rule);
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The action of the first rule that matches this call (and counts it), or undefined. */
  match(method: string, caller: Caller, inBatch: boolean): FaultAction | undefined {
    for (const r of this.rules) {
      if (r.times !== undefined && r.hits >= r.times) continue;
      if (inBatch && r.action.kind === 'drop') continue;
      if (!globMatches(r.method, method)) continue;
      if (r.credential !== undefined) {
        const [kind, id] = r.credential.split(':');
        const n = Number(id);
        if (kind === 'user' ? caller.userId !== n : caller.authType !== kind || caller.credentialId !== n) continue;
      }
      if (r.probability !== undefined && Math.random() >= r.probability) continue;
      r.hits++;
      return r.action;
    }
    return undefined;
  }
}

/** The error a rule answers. */
export function faultError(a: Extract<FaultAction, { kind: 'error' }>): RestError {
  const known = KNOWN[a.code];
  if (known && a.description === undefined && a.status === undefined) return known();
  const base = known?.();
  return Errors.injectedFault(a.code, a.description ?? base!.description, a.status ?? base!.status);
}

/**
 * Applies the action of a matching rule: throws the error, waits the delay; for `drop` returns true
 * (the transport destroys the connection).
 */
export async function applyFault(a: FaultAction): Promise<boolean> {
  if (a.kind === 'error') throw faultError(a);
  if (a.kind === 'delay') {
    await new Promise((r) => setTimeout(r, a.ms));
    return false;
  }
  return true;
}
