/**
 * Decoding of query strings and urlencoded bodies with the semantics of PHP's `parse_str`
 * (protocol.md §2.2). Generic decoders (including `qs` with its defaults) differ in ways real
 * clients notice: nesting and index limits, sparse-array compaction, duplicate keys becoming
 * arrays, `[]` appending after the largest integer key, and the rewriting of `.` and space in
 * top-level names. `qs` is still what the project uses to *encode* nested forms.
 */
import { isIntegerKey, type PhpMap } from './php.js';

/** PHP's default max_input_nesting_level. Deeper variables are dropped, as PHP drops them. */
export const MAX_NESTING = 64;

type Node = Map<string, Node | string>;

/** Percent-decoding like PHP's urldecode: `+` is a space, malformed escapes stay as they are, bytes are UTF-8. */
export function urlDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  const plus = s.replace(/\+/g, ' ');
  if (!plus.includes('%')) return plus;
  const bytes: number[] = [];
  const src = Buffer.from(plus, 'utf8');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25 && i + 2 < src.length && isHex(src[i + 1]) && isHex(src[i + 2])) {
      bytes.push(parseInt(String.fromCharCode(src[i + 1]!, src[i + 2]!), 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

function nextIndex(node: Node): string {
  let max = -1;
  for (const k of node.keys()) {
    if (isIntegerKey(k)) {
      const n = Number(k);
      if (n > max) max = n;
    }
  }
  return String(max + 1);
}

const NO_PATH: (string | null)[] = [];

/** Splits a raw variable name into its top-level name and bracket indexes (null = `[]`). */
/** A name PHP keeps as it is, without indexes (`id`, `filter`, `auth`). */
function isPlainName(raw: string): boolean {
  return raw !== '' && !/[ .[]/.test(raw);
}

function splitName(raw: string): { name: string; path: (string | null)[] } | null {
  if (isPlainName(raw)) return { name: raw, path: NO_PATH };
  let s = raw.replace(/^[ ]+/, '');
  let name = '';
  let i = 0;
  for (; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '[') break;
    name += ch === ' ' || ch === '.' ? '_' : ch;
  }
  const path: (string | null)[] = [];
  if (i < s.length) {
    // s[i] === '['
    if (s.indexOf(']', i) < 0) {
      // An unclosed bracket is not an index: PHP turns it into '_' and keeps the rest of the name.
      name += '_' + s.slice(i + 1).replace(/[ .]/g, '_');
    } else {
      while (i < s.length && s[i] === '[') {
        const close = s.indexOf(']', i + 1);
        if (close < 0) break; // the rest is ignored
        const idx = s.slice(i + 1, close);
        path.push(idx === '' ? null : idx);
        i = close + 1;
      }
    }
  }
  if (name === '') return null;
  if (path.length + 1 > MAX_NESTING) return null;
  return { name, path };
}

function assign(root: Node, name: string, path: (string | null)[], value: string): void {
  if (path.length === 0) {
    root.set(name, value);
    return;
  }
  let cur = root.get(name);
  if (!(cur instanceof Map)) {
    cur = new Map();
    root.set(name, cur);
  }
  let node: Node = cur;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] ?? nextIndex(node);
    const last = i === path.length - 1;
    if (last) {
      node.set(key, value);
    } else {
      let child = node.get(key);
      if (!(child instanceof Map)) {
        child = new Map();
        node.set(key, child);
      }
      node = child;
    }
  }
}

/**
 * Converts the ordered maps into JS values: a map whose keys are exactly 0..n-1 in order
 * becomes an array (it serializes as a JSON list), any other map a plain object.
 */
function toJs(node: Node): PhpMap | unknown[] {
  let isList = true;
  let i = 0;
  for (const k of node.keys()) {
    if (k !== String(i++)) {
      isList = false;
      break;
    }
  }
  const conv = (v: Node | string): unknown => (v instanceof Map ? toJs(v) : v);
  if (isList) return Array.from(node.values(), conv);
  const out: PhpMap = Object.create(null) as PhpMap;
  for (const [k, v] of node) out[k] = conv(v);
  return out;
}

/** PHP `parse_str`: the decoded variables of a query string or urlencoded body. */
export function parsePhpQuery(input: string): PhpMap {
  const pairs: [string, string][] = [];
  for (const part of input.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push([urlDecode(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : urlDecode(part.slice(eq + 1))]);
  }
  return assemblePhpFields(pairs);
}

/** Only plain names (`id=5&auth=…`): nothing to rewrite or nest; the last value of a name wins. */
function plainFields(pairs: readonly [string, string][]): PhpMap | undefined {
  for (let i = 0; i < pairs.length; i++) if (!isPlainName(pairs[i]![0])) return undefined;
  const out: PhpMap = Object.create(null) as PhpMap;
  for (let i = 0; i < pairs.length; i++) out[pairs[i]![0]] = pairs[i]![1];
  return out;
}

/** Builds PHP variables from decoded name/value pairs (query strings, urlencoded and multipart bodies). */
export function assemblePhpFields(pairs: Iterable<[string, string]>): PhpMap {
  if (Array.isArray(pairs)) {
    const plain = plainFields(pairs);
    if (plain) return plain;
  }
  const root: Node = new Map();
  for (const [rawKey, value] of pairs) {
    const parsed = splitName(rawKey);
    if (parsed) assign(root, parsed.name, parsed.path, value);
  }
  const out: PhpMap = Object.create(null) as PhpMap;
  for (const [k, v] of root) out[k] = v instanceof Map ? toJs(v) : v;
  return out;
}
