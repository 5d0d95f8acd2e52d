/**
 * The response envelope (protocol.md §4): the success body with its `time` block, the error body,
 * and the XML rendering selected by the `.xml` suffix.
 */
import type { PortalTime } from '../core/portalTime.js';
import { isPhpArray } from '../core/php.js';

/** Wall-clock seconds with microsecond resolution. */
export function preciseNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

export interface TimeBlock {
  start: number;
  finish: number;
  duration: number;
  processing: number;
  date_start: string;
  date_finish: string;
  operating_reset_at: number;
  operating: number;
}

/**
 * The `time` object. Without an operating-time account, `operating` is 0 and `operating_reset_at`
 * the request start + 600 s, which is what the reference computes when no bucket exists yet.
 */
export function timeBlock(time: PortalTime, start: number, finish: number, processing: number, operating = 0, resetAt?: number): TimeBlock {
  const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
  const s = round6(start);
  const f = round6(finish);
  return {
    start: s,
    finish: f,
    duration: f - s,
    processing: Math.min(processing, f - s),
    date_start: time.iso(s),
    date_finish: time.iso(f),
    operating_reset_at: resetAt ?? Math.floor(start + 600),
    operating,
  };
}

export function successBody(result: unknown, time: TimeBlock, next?: number, total?: number): Record<string, unknown> {
  const body: Record<string, unknown> = { result };
  if (next !== undefined && next !== null) body.next = Math.trunc(next);
  if (total !== undefined) body.total = Math.trunc(total ?? 0);
  body.time = time;
  return body;
}

const XML_ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;', '\r': '&#13;' };

/**
 * Text content that is always well-formed XML 1.0: markup characters escaped, a carriage return kept as
 * a reference (a parser would turn a literal one into a line feed), and the characters XML 1.0 cannot
 * carry at all, not even as references — controls other than tab, line feed and carriage return,
 * U+FFFE, U+FFFF and unpaired surrogates — replaced by U+FFFD. (unverified: the reference escapes
 * markup only and so emits such characters as they are, which makes the whole answer unparsable; a
 * client is better served by a readable answer with a replacement character.)
 */
function xmlEscape(s: string): string {
  // with the u flag, [\uD800-\uDFFF] matches unpaired surrogates only: a pair is one code point
  return s
    .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/gu, '\uFFFD')
    .replace(/[<>&'"\r]/g, (c) => XML_ESCAPES[c]!);
}

function xmlName(key: string): string {
  if (/^\d+$/.test(key)) return 'item';
  const cleaned = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

function xmlValue(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v === true) return '1';
  if (isPhpArray(v)) {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    return entries.map(([k, x]) => `<${xmlName(k)}>${xmlValue(x)}</${xmlName(k)}>`).join('');
  }
  return xmlEscape(String(v));
}

/** `<response>…</response>`, no XML declaration (protocol.md §4.5). */
export function toXml(body: Record<string, unknown>): string {
  return `<response>${xmlValue(body)}</response>`;
}
