/**
 * Filter keys of legacy list methods: `<operator><FIELD>`, where the operator is the leading run
 * of non-letter characters (protocol.md §6, platform.md §5.2.1 and §7.3.2). `>=DATE_CREATE` is
 * operator `>=` on `DATE_CREATE`; `ID` has the empty operator.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { isPhpArray, phpValues } from '../protocol/php.js';

export interface FilterKey {
  op: string;
  field: string;
}

export function parseFilterKey(key: string): FilterKey {
  const m = /^[^A-Za-z]*/.exec(key);
  const op = m ? m[0] : '';
  return { op, field: key.slice(op.length) };
}

/** The entries of a filter map in order; anything that is not a map is no filter at all. */
export function filterEntries(filter: unknown): [string, unknown][] {
  if (!isPhpArray(filter)) return [];
  if (Array.isArray(filter)) return filter.map((v, i) => [String(i), v]);
  return Object.entries(filter);
}

/** A filter value as a list: arrays and maps give their values, a scalar a one-element list. */
export function valueList(v: unknown): unknown[] {
  return isPhpArray(v) ? phpValues(v) : [v];
}

export type Cond = RawBuilder<SqlBool>;

export const TRUE: Cond = sql<SqlBool>`1 = 1`;
export const FALSE: Cond = sql<SqlBool>`1 = 0`;

/** AND of conditions (TRUE when there are none). */
export function and(conds: readonly Cond[]): Cond {
  if (conds.length === 0) return TRUE;
  if (conds.length === 1) return conds[0]!;
  return sql<SqlBool>`(${sql.join(conds.map((c) => sql`(${c})`), sql` and `)})`;
}

/** OR of conditions (FALSE when there are none). */
export function or(conds: readonly Cond[]): Cond {
  if (conds.length === 0) return FALSE;
  if (conds.length === 1) return conds[0]!;
  return sql<SqlBool>`(${sql.join(conds.map((c) => sql`(${c})`), sql` or `)})`;
}

export function not(c: Cond): Cond {
  return sql<SqlBool>`not (${c})`;
}

/** `expr in (…)`; an empty list matches nothing. */
export function inList(expr: RawBuilder<unknown>, values: readonly unknown[]): Cond {
  if (values.length === 0) return FALSE;
  return sql<SqlBool>`${expr} in (${sql.join(values.map((v) => sql`${v}`))})`;
}

/** Escapes `%`, `_` and the escape character itself for a LIKE pattern used with `escape '\'`. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Case-insensitive `expr LIKE pattern` where the pattern's own `%`/`_` are wildcards. */
export function likeCi(expr: RawBuilder<unknown>, pattern: string): Cond {
  return sql<SqlBool>`lower(${expr}) like lower(${pattern})`;
}

/** Case-insensitive "contains": the value is matched literally. */
export function containsCi(expr: RawBuilder<unknown>, value: string): Cond {
  return sql<SqlBool>`lower(${expr}) like lower(${'%' + escapeLike(value) + '%'}) escape '\\'`;
}
