/**
 * Decoding of query strings and urlencoded bodies with the semantics of PHP's `parse_str`
 * (protocol.md §2.2). Generic decoders (including `qs` with its defaults) differ in ways real
 * clients notice: nesting and index limits, sparse-array compaction, duplicate keys becoming
 * arrays, `[]` appending after the largest integer key, and the rewriting of `.` and space in
 * top-level names. `qs` is still what the project uses to *encode* nested forms.
 *
 * The work is linear in the size of the input for every shape of name: each variable costs the
 * length of its text plus one map operation per bracket, never a scan of the keys already decoded
 * (`[]` appends use the next free index each map keeps, as PHP's hash tables do). PHP's own input
 * limits bound it further (see {@link INPUT_LIMITS}); test/php-differential.test.ts compares this
 * decoder with the real `php` binary.
 */
import type { PhpMap } from '../core/php.js';

/**
 * The input limits, PHP's `max_input_vars` and `max_input_nesting_level`, and what happens over
 * them (the same as in PHP, whose warnings go to the log):
 * - variables after the first `maxVars` are dropped (PHP's default is 1000; Bitrix's server
 *   requirements ask for at least 10,000, which is what scrumd accepts — unverified: the value the
 *   cloud portals run with is not published; 10,000 is the documented minimum a portal must accept);
 * - a variable whose name has more than `maxNesting` bracket levels is dropped, and with it every
 *   variable of the same top-level name decoded so far (PHP deletes the top-level name).
 * These apply to a query string, an urlencoded or multipart body, and each `batch` sub-query.
 */
export interface InputLimits {
  maxVars: number;
  maxNesting: number;
}

export const INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({ maxVars: 10_000, maxNesting: 64 });

/** PHP's default max_input_nesting_level. Deeper variables are dropped, as PHP drops them. */
export const MAX_NESTING = INPUT_LIMITS.maxNesting;

/** Percent-decoding like PHP's urldecode: `+` is a space, malformed escapes stay as they are, bytes are UTF-8. */
export function urlDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  // one pass over the bytes (a regular expression replace costs far more per match on long inputs)
  const buf = Buffer.from(s, 'utf8');
  let w = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x2b) {
      buf[w++] = 0x20;
    } else if (c === 0x25 && i + 2 < buf.length) {
      const h = hexValue(buf[i + 1]!);
      const l = hexValue(buf[i + 2]!);
      if (h >= 0 && l >= 0) {
        buf[w++] = (h << 4) | l;
        i += 2;
      } else {
        buf[w++] = c;
      }
    } else {
      buf[w++] = c;
    }
  }
  return buf.toString('utf8', 0, w);
}

/**
 * PHP's rewriting of a variable name: ` ` and `.` (and `[` with `brackets`) become `_`. Bytes, not a
 * regular expression, for long names: these are ASCII bytes, never part of a multi-byte UTF-8 character.
 */
function underscored(s: string, brackets: boolean): string {
  if (s.length < 128) return s.replace(brackets ? /[ .[]/g : /[ .]/g, '_');
  const buf = Buffer.from(s, 'utf8');
  let changed = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x2e || (brackets && c === 0x5b)) {
      buf[i] = 0x5f;
      changed = true;
    }
  }
  return changed ? buf.toString('utf8') : s;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// PHP arrays while decoding: an ordered map plus the next free integer key (nNextFreeElement).

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

/** An integer key: a small one as a number, one beyond 15 digits as a bigint (PHP's zend_long). */
type IntKey = number | bigint;

class PhpArray {
  readonly map = new Map<string, PhpArray | string>();
  /** The key `[]` appends at; null while the array has no integer key (PHP starts at 0 then). */
  next: IntKey | null = null;

  /** Sets a key, keeping its position if it exists, and moves the next free key past it. */
  set(key: string, value: PhpArray | string): void {
    this.map.set(key, value);
    const n = integerKey(key);
    if (n !== undefined && (this.next === null || n >= this.next)) this.next = following(n);
  }

  /**
   * `[]`: stores the value at the next free key and returns that key, or undefined when PHP refuses
   * the append (the key is taken: after PHP_INT_MAX). No scan of the keys: nNextFreeElement.
   */
  append(value: PhpArray | string): string | undefined {
    const n = this.next ?? 0;
    const key = String(n);
    if (this.map.has(key)) return undefined;
    this.map.set(key, value);
    this.next = following(n);
    return key;
  }
}

function following(n: IntKey): IntKey {
  if (typeof n === 'number') return n + 1;
  return n < LONG_MAX ? n + 1n : LONG_MAX; // PHP keeps nNextFreeElement at PHP_INT_MAX
}

/**
 * The integer a key stands for when PHP makes it an integer key: canonical decimal (`0`, `17`,
 * `-3`; not `01`, `-0`, `+1`) within the 64-bit range. Other keys are string keys.
 */
function integerKey(k: string): IntKey | undefined {
  const len = k.length;
  if (len === 0 || len > 20) return undefined;
  let i = k.charCodeAt(0) === 0x2d ? 1 : 0;
  if (i === len) return undefined;
  const first = k.charCodeAt(i);
  if (first < 0x30 || first > 0x39 || (first === 0x30 && len > 1)) return undefined;
  for (i++; i < len; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  if (len <= 15) return Number(k);
  const big = BigInt(k);
  return big > LONG_MAX || big < LONG_MIN ? undefined : big;
}

// ---------------------------------------------------------------------------------------------
// Names.

const NO_PATH: readonly (string | null)[] = [];

/** A name PHP keeps as it is, without indexes (`id`, `filter`, `auth`). */
function isPlainName(raw: string): boolean {
  return raw !== '' && !/[ .[\0]/.test(raw);
}

interface ParsedName {
  name: string;
  /** bracket indexes in order; null is `[]` (append) */
  path: readonly (string | null)[];
  /** more bracket levels than the limit: PHP drops the variable and deletes its top-level name */
  tooDeep: boolean;
}

/**
 * Splits a decoded variable name the way PHP's php_register_variable_ex does: the name ends at a
 * NUL byte (names are C strings there); leading spaces go; ` ` and `.` in the top-level name become
 * `_`; `[x]` groups are indexes, `[]` and `[ ]` append; text after a `]` that is not followed by `[`
 * is ignored; an unclosed `[` at the top level is not an index (it becomes `_`, and so do ` `, `.`
 * and `[` after it), deeper it ends the name.
 */
function splitName(raw: string, maxNesting: number): ParsedName | null {
  const nul = raw.indexOf('\0');
  let s = nul >= 0 ? raw.slice(0, nul) : raw;
  if (isPlainName(s)) return { name: s, path: NO_PATH, tooDeep: false };
  let start = 0;
  while (start < s.length && s.charCodeAt(start) === 0x20) start++;
  if (start > 0) s = s.slice(start);
  let open = s.indexOf('[');
  if (open < 0) open = s.length;
  let name = underscored(s.slice(0, open), false);
  if (name === '') return null;
  const path: (string | null)[] = [];
  let i = open; // at '[' or the end
  let level = 0;
  while (i < s.length) {
    if (++level > maxNesting) return { name, path, tooDeep: true };
    let j = i + 1;
    if (s.charCodeAt(j) === 0x20) j++;
    if (s.charCodeAt(j) === 0x5d) {
      path.push(null);
    } else {
      const close = s.indexOf(']', j);
      if (close < 0) {
        // not an index
        if (level === 1) name += '_' + underscored(s.slice(i + 1), true);
        break;
      }
      path.push(s.slice(i + 1, close));
      j = close;
    }
    i = j + 1;
    if (s.charCodeAt(i) !== 0x5b) break; // anything after the last `]` is ignored
  }
  return { name, path, tooDeep: false };
}

// ---------------------------------------------------------------------------------------------
// Assembling variables.

class Assembler {
  private readonly root = new PhpArray();
  private count = 0;
  /** true once variables were dropped because of the variable limit */
  truncated = false;

  constructor(private readonly limits: InputLimits) {}

  /** Counts one variable; false once the limit is reached (the variable and all after it are dropped). */
  take(): boolean {
    if (this.count >= this.limits.maxVars) {
      this.truncated = true;
      return false;
    }
    this.count++;
    return true;
  }

  add(rawName: string, value: string): void {
    const root = this.root;
    if (isPlainName(rawName)) {
      root.map.set(rawName, value);
      return;
    }
    const parsed = splitName(rawName, this.limits.maxNesting);
    if (!parsed) return;
    const { name, path } = parsed;
    if (parsed.tooDeep) {
      root.map.delete(name);
      return;
    }
    if (path.length === 0) {
      root.map.set(name, value);
      return;
    }
    let node = root.map.get(name);
    if (!(node instanceof PhpArray)) {
      node = new PhpArray();
      root.map.set(name, node);
    }
    const last = path.length - 1;
    for (let i = 0; i < last; i++) {
      const key = path[i];
      if (key === null) {
        const child = new PhpArray();
        if (node.append(child) === undefined) return;
        node = child;
        continue;
      }
      let child = node.map.get(key);
      if (!(child instanceof PhpArray)) {
        child = new PhpArray();
        node.set(key, child);
      }
      node = child;
    }
    const key = path[last];
    if (key === null) node.append(value);
    else node.set(key, value);
  }

  result(): PhpMap {
    const out: PhpMap = Object.create(null) as PhpMap;
    for (const [k, v] of this.root.map) out[k] = v instanceof PhpArray ? toJs(v) : v;
    return out;
  }
}

/**
 * Converts the decoded arrays into JS values: an array whose keys are exactly 0..n-1 in order
 * becomes a JS array (it serializes as a JSON list), any other one an object without prototype.
 * Recursion is bounded by the nesting limit.
 */
function toJs(node: PhpArray): PhpMap | unknown[] {
  let isList = true;
  let i = 0;
  for (const k of node.map.keys()) {
    if (k !== String(i++)) {
      isList = false;
      break;
    }
  }
  const conv = (v: PhpArray | string): unknown => (v instanceof PhpArray ? toJs(v) : v);
  if (isList) return Array.from(node.map.values(), conv);
  const out: PhpMap = Object.create(null) as PhpMap;
  for (const [k, v] of node.map) out[k] = conv(v);
  return out;
}

/** The decoded variables, and whether some were dropped by the variable limit (PHP warns in its log then). */
export interface Decoded {
  params: PhpMap;
  truncated: boolean;
}

/** Splits a query string into variables and feeds them to an assembler, a slice of the input at a time. */
class QueryScanner {
  readonly asm: Assembler;
  private pos = 0;
  // the next `=` at or after pos, searched again only once passed: one scan of the input in all,
  // however many pieces have no `=`
  private eq = -1;

  constructor(private readonly input: string, limits: InputLimits) {
    this.asm = new Assembler(limits);
  }

  /** Decodes the variables that start in the next `chars` characters; false once the input is done. */
  step(chars: number): boolean {
    const { input, asm } = this;
    const end = input.length;
    const stop = Math.min(end, this.pos + chars);
    let pos = this.pos;
    while (pos < stop) {
      let amp = input.indexOf('&', pos);
      if (amp < 0) amp = end;
      if (amp > pos) {
        // empty pieces (`&&`) are not variables
        if (!asm.take()) {
          pos = end;
          break;
        }
        if (this.eq < pos) {
          this.eq = input.indexOf('=', pos);
          if (this.eq < 0) this.eq = end;
        }
        const eq = this.eq;
        if (eq >= amp) asm.add(urlDecode(input.slice(pos, amp)), '');
        else asm.add(urlDecode(input.slice(pos, eq)), urlDecode(input.slice(eq + 1, amp)));
      }
      pos = amp + 1;
    }
    this.pos = pos;
    return pos < end;
  }

  decoded(): Decoded {
    return { params: this.asm.result(), truncated: this.asm.truncated };
  }
}

/** PHP `parse_str` with its input limits: the decoded variables of a query string or urlencoded body. */
export function decodePhpQuery(input: string, limits: InputLimits = INPUT_LIMITS): Decoded {
  const scanner = new QueryScanner(input, limits);
  scanner.step(Number.POSITIVE_INFINITY);
  return scanner.decoded();
}

/** Characters of a body decoded between two turns of the event loop. */
const SLICE = 64 * 1024;

/**
 * {@link decodePhpQuery} for request bodies: a large body is decoded a slice at a time, letting the
 * server answer other requests in between (an 8 MB body is 128 slices).
 */
export async function decodePhpQueryYielding(input: string, limits: InputLimits = INPUT_LIMITS): Promise<Decoded> {
  const scanner = new QueryScanner(input, limits);
  while (scanner.step(SLICE)) await turn();
  return scanner.decoded();
}

/** Lets the event loop run pending I/O before going on. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** PHP `parse_str`: the decoded variables of a query string or urlencoded body (see {@link decodePhpQuery}). */
export function parsePhpQuery(input: string, limits: InputLimits = INPUT_LIMITS): PhpMap {
  return decodePhpQuery(input, limits).params;
}

/** Builds PHP variables from decoded name/value pairs (multipart bodies), with the same limits. */
export function assemblePhpFields(pairs: Iterable<readonly [string, string]>, limits: InputLimits = INPUT_LIMITS): PhpMap {
  const asm = new Assembler(limits);
  for (const [name, value] of pairs) {
    if (!asm.take()) break;
    asm.add(name, value);
  }
  return asm.result();
}
