/**
 * The `batch` method (protocol.md §7): up to 50 commands run in order on behalf of the caller,
 * with `$result[…]`-style references between them, per-command scope checks and halting.
 */
import { hasScope } from './auth.js';
import { execute, JOURNAL_ENTRY } from './dispatch.js';
import { applyFault } from '../control/faults.js';
import type { JournalRecord } from '../control/journal.js';
import { preciseNow, timeBlock } from './envelope.js';
import { Errors, RestError } from '../core/errors.js';
import { parsePhpQuery } from './formDecoding.js';
import { maskUrl } from './redact.js';
import { isPhpArray, truthy, type PhpMap } from '../core/php.js';
import { method, type Call } from './method.js';

export const BATCH_LIMIT = 50;
/**
 * Methods the reference refuses in `batch` that scrumd does not implement: refused, not "not found".
 * (Implemented methods say so in their declaration: `batch: false`.)
 */
const UNIMPLEMENTED_NOT_IN_BATCH = new Set(['upload', 'download']);

/** A PHP array keyed like the commands: serialized by protocol.md §4.4 rules. */
class OrderedMap {
  private readonly entries: [string, unknown][] = [];
  set(key: string, value: unknown): void {
    this.entries.push([key, value]);
  }
  get(key: string): unknown {
    return this.entries.find(([k]) => k === key)?.[1];
  }
  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }
  /** `[]` when empty, a list when keys are 0…n−1 in order, an object otherwise. */
  toJSON(): unknown {
    if (this.entries.every(([k], i) => k === String(i))) return this.entries.map(([, v]) => v);
    // no prototype: a command keyed `__proto__` is an own key like any other, and JSON shows it
    const o: PhpMap = Object.create(null) as PhpMap;
    for (const [k, v] of this.entries) o[k] = v;
    return o;
  }
}

interface Outcomes {
  result: OrderedMap;
  error: OrderedMap;
  total: OrderedMap;
  next: OrderedMap;
  time: OrderedMap;
}

const REFERENCE = /\$(result|next|total|time|error)(\S*)/gi;

function child(v: unknown, key: string): unknown {
  if (v instanceof OrderedMap) return v.get(key);
  if (Array.isArray(v)) return /^\d+$/.test(key) ? v[Number(key)] : undefined;
  if (isPhpArray(v)) return Object.prototype.hasOwnProperty.call(v, key) ? (v as PhpMap)[key] : undefined;
  return undefined;
}

/** Descends while the key exists with a non-null value; stops at the first missing one (protocol.md §7.3). */
function resolve(outcomes: Outcomes, name: string, pathText: string): unknown {
  // Only the lower-case names resolve; an upper-case name matches but gives null, as in the reference.
  if (name !== name.toLowerCase()) return null;
  let v: unknown = outcomes[name as keyof Outcomes];
  for (const m of pathText.matchAll(/\[([^\]]*)\]/g)) {
    const next = child(v, m[1]!);
    if (next === undefined || next === null) break;
    v = next;
  }
  return v instanceof OrderedMap ? v.toJSON() : v;
}

function substituteLeaf(s: string, outcomes: Outcomes): unknown {
  if (!s.includes('$')) return s;
  const whole = /^\$(result|next|total|time|error)(\S*)$/i.exec(s);
  if (whole) return resolve(outcomes, whole[1]!, whole[2]!);
  return s.replace(REFERENCE, (text, name: string, path: string) => {
    const v = resolve(outcomes, name, path);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : text;
  });
}

function substitute(v: unknown, outcomes: Outcomes): unknown {
  if (typeof v === 'string') return substituteLeaf(v, outcomes);
  if (Array.isArray(v)) return v.map((x) => substitute(x, outcomes));
  if (isPhpArray(v)) {
    const out: PhpMap = Object.create(null) as PhpMap;
    for (const [k, x] of Object.entries(v)) out[k] = substitute(x, outcomes);
    return out;
  }
  return v;
}

/** Reads a parameter whose name is matched case-insensitively (cmd/CMD, halt/HALT). */
function caseInsensitive(params: PhpMap, name: string): unknown {
  for (const k of Object.keys(params)) if (k.toLowerCase() === name) return params[k];
  return undefined;
}

function errorEntry(e: RestError): Record<string, string> {
  return { error: e.code, error_description: e.description };
}

/** `batch` itself: the global scope, never run inside another batch. */
export const batchMethod = method({ name: 'batch', scopes: [], batch: false, listed: true, events: true, handler: runBatch });

async function runBatch(ctx: Call) {
  const registry = ctx.registry;
  const cmd = caseInsensitive(ctx.params, 'cmd');
  const halt = truthy(caseInsensitive(ctx.params, 'halt'));
  const out: Outcomes = { result: new OrderedMap(), error: new OrderedMap(), total: new OrderedMap(), next: new OrderedMap(), time: new OrderedMap() };
  const entries: [string, unknown][] = Array.isArray(cmd) ? cmd.map((c, i) => [String(i), c]) : isPhpArray(cmd) ? Object.entries(cmd) : [];
  // the batch's own journal entry (absent when the journal is off): each command gets an entry linked to it
  const parent = (ctx.params as unknown as Record<symbol, JournalRecord | undefined>)[JOURNAL_ENTRY];
  let slot = 0;
  for (const [key, command] of entries) {
    slot++;
    let failed: RestError | null = null;
    if (slot > BATCH_LIMIT) {
      failed = Errors.batchLengthExceeded();
    } else if (typeof command !== 'string') {
      continue; // skipped silently: no entry in any map
    } else {
      const t0 = preciseNow();
      let rec: JournalRecord | undefined;
      try {
        const noFragment = command.split('#')[0]!;
        const q = noFragment.indexOf('?');
        const name = (q >= 0 ? noFragment.slice(0, q) : noFragment).trim().toLowerCase();
        if (parent) {
          rec = ctx.app.journal.begin(ctx.app.clock.at(t0), name);
          rec.batch = parent.id;
          rec.command = key;
          rec.credential = parent.credential;
        }
        if (UNIMPLEMENTED_NOT_IN_BATCH.has(name)) throw Errors.batchMethodNotAllowed();
        const method = registry.resolve(name);
        if (method && !method.batch) throw Errors.batchMethodNotAllowed();
        if (!method) throw Errors.methodNotFound();
        if (!hasScope(ctx.caller.scopes, method)) throw Errors.batchInsufficientScope();
        const params = substitute(parsePhpQuery(q >= 0 ? noFragment.slice(q + 1) : ''), out) as PhpMap;
        for (const reserved of ['auth', 'access_token', 'auth_connector', 'aplogin', 'ap', 'state']) delete params[reserved];
        if (rec) rec.params = { ...params };
        // fault rules apply per command, under the command's method (src/control/faults.ts)
        if (!ctx.app.faults.empty) {
          const fault = ctx.app.faults.match(method.name, ctx.caller, true);
          if (fault) await applyFault(fault);
        }
        const r = await execute(ctx.app, registry, method, ctx.caller, params, ctx.now);
        out.result.set(key, r.result);
        if (r.total !== undefined) out.total.set(key, Math.trunc(r.total ?? 0));
        if (r.next !== undefined && r.next !== null) out.next.set(key, Math.trunc(r.next));
        out.time.set(key, timeBlock(ctx.app.time, ctx.app.clock.at(t0), ctx.app.clock.at(preciseNow()), r.processing, r.operating, r.operatingResetAt));
        if (rec) rec.status = 200;
      } catch (e) {
        if (e instanceof RestError) failed = e;
        else {
          ctx.app.log.error({ err: e, command: maskUrl(command) }, 'unexpected failure in a batch command');
          failed = Errors.internal();
        }
      }
      if (rec) {
        if (failed) {
          rec.status = failed.status;
          rec.error = failed.code;
        }
        rec.duration = Math.round((preciseNow() - t0) * 1e6) / 1e3;
      }
    }
    if (failed) {
      out.error.set(key, errorEntry(failed));
      if (halt) break;
    }
  }
  return {
    result: out.result.toJSON(),
    result_error: out.error.toJSON(),
    result_total: out.total.toJSON(),
    result_next: out.next.toJSON(),
    result_time: out.time.toJSON(),
  };
}
