/**
 * Readers for keys inside `fields`, with the coercions the reference applies (scrum-api.md B6).
 * Keys inside `fields` are never binding errors: a value of the wrong type is ignored.
 */
import { hasKey, isNumeric, own, toInt, toStr } from '../core/php.js';

/** `toInt` if the key is present, else 0. */
export function intIfPresent(fields: unknown, key: string): number {
  return hasKey(fields, key) ? toInt(own(fields, key)) : 0;
}

/** `toInt` when the value is numeric; null when absent or not numeric (not considered). */
export function numericInt(fields: unknown, key: string): number | null {
  const v = own(fields, key);
  return isNumeric(v) ? toInt(v) : null;
}

/** `toStr` if present, else "". */
export function strIfPresent(fields: unknown, key: string): string {
  return hasKey(fields, key) ? toStr(own(fields, key)) : '';
}

/** The value when it is a string; null otherwise (not considered). */
export function stringOnly(fields: unknown, key: string): string | null {
  const v = own(fields, key);
  return typeof v === 'string' ? v : null;
}
