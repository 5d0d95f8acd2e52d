/**
 * PHP value semantics that the reference implementation applies to request values.
 * Request values are JSON values (from JSON bodies) or strings (from forms and query strings);
 * PHP arrays arrive here as JS arrays or plain objects.
 */

export type PhpMap = Record<string, unknown>;

/** Keeps converted integers inside the range where JS numbers are exact. */
const MAX_INT = Number.MAX_SAFE_INTEGER;

const NUMERIC_RE = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
const NUMERIC_PREFIX_RE = /^[ \t\n\r\v\f]*([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)/;

/** PHP arrays: JS arrays and plain objects. */
export function isPhpArray(v: unknown): v is PhpMap | unknown[] {
  return typeof v === 'object' && v !== null;
}

export function isPhpEmptyArray(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return isPhpArray(v) && Object.keys(v).length === 0;
}

/** PHP `is_numeric`: finite numbers, and decimal strings with optional sign, fraction, exponent and surrounding whitespace. */
export function isNumeric(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'string') return NUMERIC_RE.test(v);
  return false;
}

function clampInt(n: number): number {
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n);
  if (t > MAX_INT) return MAX_INT;
  if (t < -MAX_INT) return -MAX_INT;
  return t === 0 ? 0 : t; // no -0
}

/** Reads the longest numeric prefix of a string the way PHP's numeric-string cast does. */
function numericPrefix(s: string): number {
  const m = NUMERIC_PREFIX_RE.exec(s);
  return m ? Number(m[1]) : 0;
}

/**
 * PHP `(int)` cast. Values beyond ±2^53 are clamped (they cannot name any stored row),
 * which stands in for PHP's 64-bit saturation.
 */
export function toInt(v: unknown): number {
  if (typeof v === 'number') return clampInt(v);
  if (typeof v === 'string') return clampInt(numericPrefix(v));
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || v === undefined) return 0;
  if (isPhpArray(v)) return isPhpEmptyArray(v) ? 0 : 1;
  return 0;
}

/** PHP `(float)` cast. */
export function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return numericPrefix(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isPhpArray(v)) return isPhpEmptyArray(v) ? 0 : 1;
  return 0;
}

/** PHP float to string: shortest round-trip form, integral values without a fraction. */
export function floatToString(n: number): string {
  if (Number.isNaN(n)) return 'NAN';
  if (n === Infinity) return 'INF';
  if (n === -Infinity) return '-INF';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  // PHP writes large/small exponents as 1.0E+25; JS as 1e+25.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}${m[2]}.${m[3] ?? '0'}E${m[4]}${m[5]}`;
  return s;
}

/** PHP `(string)` cast. */
export function toStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return floatToString(v);
  if (v === true) return '1';
  if (v === false || v === null || v === undefined) return '';
  if (isPhpArray(v)) return 'Array';
  return String(v);
}

/** PHP truthiness. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '' && v !== '0';
  if (isPhpArray(v)) return !isPhpEmptyArray(v);
  return true;
}

/** Canonical decimal integer strings become integer keys in PHP arrays. */
export function isIntegerKey(k: string): boolean {
  return /^(0|-?[1-9]\d*)$/.test(k) && Math.abs(Number(k)) <= MAX_INT;
}

/** Own-property lookup that never reaches the prototype chain. */
export function own(map: unknown, key: string): unknown {
  if (!isPhpArray(map)) return undefined;
  return Object.prototype.hasOwnProperty.call(map, key) ? (map as PhpMap)[key] : undefined;
}

export function hasKey(map: unknown, key: string): boolean {
  return isPhpArray(map) && Object.prototype.hasOwnProperty.call(map, key);
}

/** The values of a PHP array in order (lists and maps alike). */
export function phpValues(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isPhpArray(v)) return Object.values(v);
  return [];
}
