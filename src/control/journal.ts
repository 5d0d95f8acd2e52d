/**
 * The request journal of the sandbox control API: the last N REST calls (a ring of N entries; N = 0:
 * off, and then a call costs one property read), each with its portal time, credential (kind, id and
 * user — never a secret), method, parameters as parsed, HTTP status, error code and duration; a `batch`
 * has one entry and each of its commands another, linked by `batch` (the batch entry's id).
 *
 * Entries hold the parameters as the call parsed them (a shallow copy); secrets are redacted when an
 * entry is read (list, count, the log line), not on the hot path.
 */
import type { Caller } from '../core/call.js';
import { globMatches } from './glob.js';
import { maskUrl } from '../protocol/redact.js';

export interface JournalCredential {
  type: 'webhook' | 'oauth' | 'board';
  /** webhook id, OAuth application id, or the board's signed-in user (the session's secret never) */
  id: number;
  user: number;
}

/** One journal entry as recorded (mutated while its call runs). */
export interface JournalRecord {
  id: number;
  /** portal time of arrival, Unix seconds with fractions */
  time: number;
  /** the authenticated caller (shown as a JournalCredential: kind, id, user); null when not authenticated */
  credential: Caller | null;
  /** the method as called, lower-cased (`batch` for a batch) */
  method: string;
  params: Record<string, unknown>;
  status: number;
  /** the error code of a failed call; null on success */
  error: string | null;
  /** milliseconds */
  duration: number;
  /** for a batch command: the id of its batch entry, and the command's key */
  batch?: number;
  command?: string;
}

/** An entry as the control API shows it: parameters with secrets redacted, the time also as ISO. */
export type JournalEntry = Omit<JournalRecord, 'params' | 'credential'> & { credential: JournalCredential | null; params: unknown; date: string };

const NO_PARAMS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export interface JournalFilter {
  /** glob over the method name (`tasks.api.scrum.*`) */
  method?: string;
  status?: number;
  error?: string;
  /** portal Unix seconds, inclusive */
  since?: number;
  until?: number;
  /** the commands of this batch entry */
  batch?: number;
  /** at most this many (the latest) */
  limit?: number;
}

/** Parameter names whose values are credentials, at any depth. */
const SECRET_KEYS = /^(auth|access_token|refresh_token|client_secret|ap|password|secret|auth_connector|client_id)$/i;

function redact(v: unknown, depth = 0): unknown {
  // a string that carries a query (a batch command `user.current?auth=…`): its credential parameters masked
  if (typeof v === 'string') return v.includes('?') && v.includes('=') ? maskUrl(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth > 32) return '…';
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  const out = Object.create(null) as Record<string, unknown>; // a key `__proto__` stays a key
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEYS.test(k) ? '***' : redact(x, depth + 1);
  return out;
}

export function credentialOf(caller: Caller): JournalCredential {
  return { type: caller.authType, id: caller.credentialId, user: caller.userId };
}

export class Journal {
  private ring: (JournalRecord | undefined)[];
  private next = 0;
  private lastId = 0;

  constructor(
    readonly size: number,
    /** also log one line per call at `info` */
    readonly logCalls = false,
  ) {
    this.ring = new Array<JournalRecord | undefined>(Math.max(0, size));
  }

  /** Recording is on (or the per-call log line is). */
  get active(): boolean {
    return this.size > 0 || this.logCalls;
  }

  /** A new entry for a call that starts now; kept in the ring when the journal is on. */
  begin(time: number, method: string): JournalRecord {
    const r: JournalRecord = { id: ++this.lastId, time, credential: null, method, params: NO_PARAMS, status: 0, error: null, duration: 0 };
    if (this.size > 0) {
      this.ring[this.next] = r;
      this.next = (this.next + 1) % this.size;
    }
    return r;
  }

  clear(): void {
    this.ring = new Array<JournalRecord | undefined>(Math.max(0, this.size));
    this.next = 0;
  }

  /** Oldest first. */
  private all(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (let i = 0; i < this.size; i++) {
      const r = this.ring[(this.next + i) % this.size];
      if (r && r.status !== 0) out.push(r); // a call still running is not shown yet
    }
    return out;
  }

  private matching(f: JournalFilter): JournalRecord[] {
    return this.all().filter(
      (r) =>
        globMatches(f.method, r.method) &&
        (f.status === undefined || r.status === f.status) &&
        (f.error === undefined || (r.error ?? '') === f.error) &&
        (f.since === undefined || r.time >= f.since) &&
        (f.until === undefined || r.time <= f.until) &&
        (f.batch === undefined || r.batch === f.batch),
    );
  }

  list(f: JournalFilter, iso: (s: number) => string): JournalEntry[] {
    let rows = this.matching(f);
    if (f.limit !== undefined && f.limit >= 0) rows = rows.slice(Math.max(0, rows.length - f.limit));
    return rows.map((r) => view(r, iso));
  }

  count(f: JournalFilter): number {
    return this.matching(f).length;
  }
}

/** The shown form of an entry: secrets redacted. */
export function view(r: JournalRecord, iso: (s: number) => string): JournalEntry {
  return { ...r, credential: r.credential ? credentialOf(r.credential) : null, params: redact(r.params), date: iso(r.time) };
}

/** Reads a filter from query/body values (strings or numbers); throws a message on a bad one. */
export function parseFilter(q: Record<string, unknown>): JournalFilter {
  const f: JournalFilter = {};
  const num = (name: string): number | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
    return n;
  };
  if (typeof q.method === 'string' && q.method !== '') f.method = q.method;
  if (typeof q.error === 'string') f.error = q.error;
  const status = num('status');
  if (status !== undefined) f.status = status;
  const since = num('since');
  if (since !== undefined) f.since = since;
  const until = num('until');
  if (until !== undefined) f.until = until;
  const batch = num('batch');
  if (batch !== undefined) f.batch = batch;
  const limit = num('limit');
  if (limit !== undefined) f.limit = limit;
  return f;
}
