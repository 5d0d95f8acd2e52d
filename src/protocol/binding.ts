/**
 * Binding of declared top-level parameters of controller methods (protocol.md §5.3, scrum-api.md B5).
 * Parameters are bound in declaration order; the first failure is a code-"100" error with HTTP 400.
 */
import { RestError } from '../core/errors.js';
import { floatToString, hasKey, isNumeric, isPhpArray, toInt, toFloat, truthy, type PhpMap } from '../core/php.js';

export type ParamType = 'int' | 'float' | 'array' | 'bool' | 'string';

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Absent required parameters fail with "Could not find value for parameter {name}". */
  required?: boolean;
  default?: unknown;
}

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
  return new RestError('100', `Could not find value for parameter {${name}}`, 400);
}

export function invalidParam(name: string, value: unknown, type: ParamType): RestError {
  return new RestError(
    '100',
    `Invalid value {${renderBindValue(value)}} to match with parameter {${name}}. Should be value of type ${type}.`,
    400,
  );
}

function convert(spec: ParamSpec, v: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (spec.type) {
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

/** Binds the declared parameters; returns their converted values keyed by name. */
export function bindParams(params: PhpMap, specs: readonly ParamSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (!hasKey(params, spec.name)) {
      if (spec.required) throw missingParam(spec.name);
      out[spec.name] = spec.default;
      continue;
    }
    const v = params[spec.name];
    const r = convert(spec, v);
    if (!r.ok) throw invalidParam(spec.name, v, spec.type);
    out[spec.name] = r.value;
  }
  return out;
}
