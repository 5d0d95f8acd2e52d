/**
 * The conversion rules of declared top-level parameters of controller methods (protocol.md §5.3,
 * scrum-api.md B5). method.ts binds a declaration's parameters in order with them; the first failure
 * is a code-"100" error with HTTP 400.
 */
import { Errors, type RestError } from '../core/errors.js';
import { floatToString, isNumeric, isPhpArray, toInt, toFloat, truthy } from '../core/php.js';

export type ParamType = 'int' | 'float' | 'array' | 'bool' | 'string';

/** How the reference renders a value inside "Invalid value {…}". */
export function renderBindValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : floatToString(v);
  if (v === true) return '1';
  if (v === false || v === null || v === undefined) return '';
  if (isPhpArray(v)) return 'Array';
  return String(v);
}

export function missingParam(name: string): RestError {
  return Errors.missingParameter(name);
}

export function invalidParam(name: string, value: unknown, type: ParamType): RestError {
  return Errors.invalidParameter(name, renderBindValue(value), type);
}

/** Converts a present value by the controller rules; `ok: false` is a binding failure. */
export function convertParam(type: ParamType, v: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case 'int':
      return isNumeric(v) ? { ok: true, value: toInt(v) } : { ok: false };
    case 'float':
      return isNumeric(v) ? { ok: true, value: toFloat(v) } : { ok: false };
    case 'array':
      return isPhpArray(v) ? { ok: true, value: v } : { ok: false };
    case 'bool':
      return v !== null && v !== undefined && !isPhpArray(v) ? { ok: true, value: truthy(v) } : { ok: false };
    case 'string':
      return typeof v === 'string' ? { ok: true, value: v } : { ok: false };
  }
}
