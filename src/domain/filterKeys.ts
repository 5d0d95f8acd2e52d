/**
 * Filter keys of legacy list methods: `<operator><FIELD>`, where the operator is the leading run
 * of non-letter characters (protocol.md §6, platform.md §5.2.1 and §7.3.2). `>=DATE_CREATE` is
 * operator `>=` on `DATE_CREATE`; `ID` has the empty operator.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { isPhpArray, phpValues } from '../core/php.js';
import { listParameter } from '../store/sqlFunctions.js';

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

/** A SQL boolean expression. (The parsed filter of the Scrum lists is a different thing: `FilterTree` in scrum/listQuery.ts.) */
export type Cond = RawBuilder<SqlBool>;

export const TRUE: Cond = sql<SqlBool>`1 = 1`;
export const FALSE: Cond = sql<SqlBool>`1 = 0`;

/**
 * Conditions joined by `and`/`or`: a flat chain up to 64, beyond that a balanced tree of chains, so a
 * filter with thousands of terms stays far below SQLite's expression depth limit (1,000) and its parser
 * stack (a chain of 30,000 `or`s was "Expression tree is too large").
 */
function joined(conds: readonly Cond[], op: 'and' | 'or'): Cond {
  if (conds.length === 1) return conds[0]!;
  if (conds.length <= 64) return sql<SqlBool>`(${sql.join(conds.map((c) => sql`(${c})`), sql.raw(` ${op} `))})`;
  const size = Math.ceil(conds.length / 64);
  const parts: Cond[] = [];
  for (let i = 0; i < conds.length; i += size) parts.push(joined(conds.slice(i, i + size), op));
  return joined(parts, op);
}

/** AND of conditions (TRUE when there are none). */
export function and(conds: readonly Cond[]): Cond {
  return conds.length === 0 ? TRUE : joined(conds, 'and');
}

/** OR of conditions (FALSE when there are none). */
export function or(conds: readonly Cond[]): Cond {
  return conds.length === 0 ? FALSE : joined(conds, 'or');
}

export function not(c: Cond): Cond {
  return sql<SqlBool>`not (${c})`;
}

/**
 * Lists longer than this are bound as one JSON parameter and read back as rows (scrumd_int_list /
 * scrumd_text_list, src/store/sqlFunctions.ts): SQLite takes at most 32,766 parameters per statement,
 * PostgreSQL 65,535, and a client may send far longer lists (`{"@ID": [ …70,000 ids ]}`). Short lists
 * stay literal `in (…)` lists, which every planner turns into index lookups.
 */
const INLINE_LIST_MAX = 100;

type ListValue = number | string;

/** The rows of a long list: `(select value from scrumd_…_list(?))`, integers when every value is a number. */
function boundList(values: readonly ListValue[]): RawBuilder<unknown> {
  const ints = values.every((v) => typeof v === 'number');
  const fn = ints ? 'scrumd_int_list' : 'scrumd_text_list';
  return sql`${sql.raw(fn)}(${listParameter(values, ints ? 'int' : 'text')})`;
}

/** `expr in (…)`; an empty list matches nothing. Any length. */
export function inList(expr: RawBuilder<unknown>, values: readonly ListValue[]): Cond {
  if (values.length === 0) return FALSE;
  if (values.length <= INLINE_LIST_MAX) return sql<SqlBool>`${expr} in (${sql.join(values.map((v) => sql`${v}`))})`;
  return sql<SqlBool>`${expr} in (select value from ${boundList(values)})`;
}

/** Some value satisfies `each` (FALSE for none). `each` gets the value as an SQL expression. Any length. */
export function anyOf(values: readonly ListValue[], each: (v: RawBuilder<unknown>) => Cond): Cond {
  if (values.length <= INLINE_LIST_MAX) return or(values.map((v) => each(sql`${v}`)));
  return sql<SqlBool>`exists (select 1 from ${boundList(values)} as scrumd_list where ${each(sql.ref('scrumd_list.value'))})`;
}

/** Every value satisfies `each` (TRUE for none; a NULL outcome counts as not satisfied). Any length. */
export function allOf(values: readonly ListValue[], each: (v: RawBuilder<unknown>) => Cond): Cond {
  if (values.length <= INLINE_LIST_MAX) return and(values.map((v) => each(sql`${v}`)));
  const failing = each(sql.ref('scrumd_list.value'));
  return sql<SqlBool>`not exists (select 1 from ${boundList(values)} as scrumd_list where (case when ${failing} then 1 else 0 end) = 0)`;
}

/** Escapes `%`, `_` and the escape character itself for a LIKE pattern used with `escape '\'`. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Case-insensitive matching folds Unicode case alike on SQLite and PostgreSQL (scrumd_fold and the
// functions built on it, src/store/sqlFunctions.ts): the real service's `_ci` collations fold every
// alphabet (platform.md §5.2.1), and `lower()` folds ASCII only on SQLite. None of them uses a LIKE
// pattern of SQLite's own, so no value is too long (SQLite refuses patterns over 50,000 bytes; the
// real service answers them normally).

/** Case-insensitive `expr LIKE pattern` where the pattern's own `%`/`_` are wildcards (no escape character). */
export function likeCi(expr: RawBuilder<unknown>, pattern: RawBuilder<unknown> | string): Cond {
  return sql<SqlBool>`scrumd_like(${expr}, ${pattern})`;
}

/** Case-insensitive "contains": the value is matched literally. */
export function containsCi(expr: RawBuilder<unknown>, value: RawBuilder<unknown> | string): Cond {
  return sql<SqlBool>`scrumd_position(${expr}, ${value}) > 0`;
}

/** Case-insensitive "starts with": the value is matched literally. */
export function startsWithCi(expr: RawBuilder<unknown>, value: RawBuilder<unknown> | string): Cond {
  return sql<SqlBool>`scrumd_position(${expr}, ${value}) = 1`;
}
