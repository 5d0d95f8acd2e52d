/**
 * SQL functions the filters use, with one name and one meaning on SQLite and PostgreSQL, so the
 * domain's SQL stays dialect-neutral:
 *
 * - `scrumd_fold(t)` — Unicode case folding (lower-casing for every alphabet, `ς` as `σ`). The real
 *   service's `%` filters are case-insensitive through its MySQL `_ci` collation, Unicode-wide
 *   (platform.md §5.2.1); SQLite's `lower()`/`LIKE` fold ASCII only, and PostgreSQL's `lower()` folds
 *   what the database's `LC_CTYPE` knows — ASCII only under the `C` locale. Accents are not folded
 *   (`é` ≠ `e`): the spec recommends case folding only.
 * - `scrumd_position(haystack, needle)` — where the folded needle starts in the folded haystack: 0 when
 *   absent, 1 when the haystack starts with it, otherwise some larger number. A substring test that
 *   needs no LIKE pattern, so no value is too long (SQLite refuses LIKE patterns over 50,000 bytes).
 * - `scrumd_like(value, pattern)` — case-folded LIKE with the pattern's own wildcards: `%` any run, `_`
 *   one character, no escape character (a backslash is an ordinary character, so no pattern is
 *   malformed). Any length.
 * - `scrumd_int_list(json)` / `scrumd_text_list(json)` — the elements of a JSON array as rows of one
 *   column `value`: a list of any length bound as one parameter (SQLite allows 32,766 parameters,
 *   PostgreSQL 65,535).
 *
 * SQLite: functions registered on the connection (JavaScript; case folding by V8's ICU). PostgreSQL:
 * SQL functions created by migration 004 (004_filter_functions.ts), folding with the ICU root collation where the server has
 * ICU (the same Unicode case mapping V8 uses), else with the database's own `lower()`.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** Unicode case folding: full lower-case mapping, then final sigma as sigma. */
export function fold(s: string): string {
  const lower = s.toLowerCase();
  return lower.includes('ς') ? lower.replaceAll('ς', 'σ') : lower;
}

/** One remembered folding: a filter calls the function once per row with the same needle. */
function lastFolded(): (s: string) => string {
  let key: string | undefined;
  let value = '';
  return (s) => {
    if (s !== key) {
      key = s;
      value = fold(s);
    }
    return value;
  };
}

/** LIKE with `%` and `_` over already folded strings, character by character (code points). */
export function likeMatch(value: string, pattern: string): boolean {
  if (!pattern.includes('_')) return percentMatch(value, pattern);
  const s = Array.from(value);
  const p = Array.from(pattern);
  // Greedy matching with a return to the last `%`: linear in practice, never exponential.
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (j < p.length && (p[j] === '_' || (p[j] !== '%' && p[j] === s[i]))) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '%') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '%') j++;
  return j === p.length;
}

/** A pattern with `%` wildcards only: literal pieces found in order (the leftmost fit is always right). */
function percentMatch(value: string, pattern: string): boolean {
  const pieces = pattern.split('%');
  if (pieces.length === 1) return value === pattern;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let k = 1; k < pieces.length - 1; k++) {
    const piece = pieces[k]!;
    if (piece === '') continue;
    const found = value.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return value.endsWith(last);
}

/** Lone surrogates become U+FFFD, as the PostgreSQL driver sends them. */
const wellFormed = (s: string): string => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/**
 * The JSON text a list is bound as: integers for an integer list, strings otherwise. NUL characters
 * are dropped as from every other parameter (see withoutNul), before they become `\u0000` escapes.
 */
export function listParameter(values: readonly (number | string)[], type: 'int' | 'text'): string {
  if (type === 'int') return JSON.stringify(values.map((v) => Math.trunc(Number(v)) || 0));
  return JSON.stringify(values.map((v) => wellFormed(String(v)).replaceAll('\0', '')));
}

/** Registers the functions on a SQLite connection (once per connection, before any query uses them). */
export function registerSqliteFunctions(db: BetterSqlite3.Database): void {
  db.function('scrumd_fold', { deterministic: true }, (t: unknown) => (typeof t === 'string' ? fold(t) : t === null ? null : fold(String(t))));
  // A filter over a list (anyOf, allOf) calls these with one row's value and every listed needle.
  const haystack = lastFolded();
  const needle = lastFolded();
  db.function('scrumd_position', { deterministic: true }, (h: unknown, n: unknown) => {
    if (h === null || n === null) return null;
    return haystack(String(h)).indexOf(needle(String(n))) + 1;
  });
  const value = lastFolded();
  const pattern = lastFolded();
  db.function('scrumd_like', { deterministic: true }, (v: unknown, p: unknown) => {
    if (v === null || p === null) return null;
    return likeMatch(value(String(v)), pattern(String(p))) ? 1 : 0;
  });
  db.table('scrumd_int_list', {
    columns: ['value'],
    parameters: ['list'],
    *rows(list: unknown) {
      const values: unknown = typeof list === 'string' ? JSON.parse(list) : [];
      if (Array.isArray(values)) for (const v of values) yield [BigInt(Math.trunc(Number(v)) || 0)];
    },
  });
  db.table('scrumd_text_list', {
    columns: ['value'],
    parameters: ['list'],
    *rows(list: unknown) {
      const values: unknown = typeof list === 'string' ? JSON.parse(list) : [];
      if (Array.isArray(values)) for (const v of values) yield [String(v)];
    },
  });
}

/**
 * NUL characters (U+0000) are dropped from every string parameter before it reaches the database,
 * on both dialects: PostgreSQL `text` cannot hold them (the statement fails), SQLite would store
 * them, and both must answer alike. So `a\0b` is stored, and compared, as `ab`. Applied where
 * parameters are bound (the SQLite statements and the PostgreSQL client), so no statement escapes it.
 */
export function withoutNul(parameters: readonly unknown[]): readonly unknown[] {
  for (let i = 0; i < parameters.length; i++) {
    const p = parameters[i];
    if (typeof p === 'string' && p.includes('\0')) {
      return parameters.map((x) => (typeof x === 'string' ? x.replaceAll('\0', '') : x));
    }
  }
  return parameters;
}
