/**
 * The list engine of `sprint.list` and `epic.list` (scrum-api.md B8): the reference's ORM filter,
 * select, order and fixed-size pages over a table described by a map of storage field names.
 *
 * Parsing and SQL rendering are separate: `parseListRequest` validates the client's filter/select/order
 * into a condition tree (throwing ListQueryError for anything the reference's query builder rejects),
 * `applyList` adds it to a Kysely select. Every failure of either step — and of running the query —
 * is meant to end as an empty result (B8.6); the caller decides that (and the optional strict mode).
 *
 * The SQL is dialect-neutral: case-insensitive matching through the shared filter helpers
 * (src/domain/filterKeys.ts `containsCi`/`likeCi`: Unicode case folding alike on SQLite and PostgreSQL,
 * values of any length), lists through `inList`/`anyOf` (any length: long ones bound as one JSON
 * parameter), `and`/`or` as balanced trees (thousands of terms stay below SQLite's expression depth),
 * and `(…) is not true` for negations so that rows whose column is NULL are part of the complement
 * (the reference's negated conditions include NULLs).
 */
import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { limitLiteral } from '../../store/prepared.js';
import { and as sqlAnd, anyOf, containsCi, inList, likeCi, or as sqlOr } from '../filterKeys.js';
import type { PortalTime } from '../../core/portalTime.js';
import { isIntegerKey, isPhpArray, toInt, toStr } from '../../core/php.js';
import { LIST_LIMIT } from '../../core/call.js';
import { pageOffset } from '../../core/paging.js';

/**
 * How a storage field compares: `int` numbers (0 also matches NULL), `string` text (LIKE family),
 * `datetime` instants stored as Unix seconds, filtered with date strings.
 */
export type ListFieldKind = 'int' | 'string' | 'datetime';

export interface ListField {
  /** the table column; null for a storage field that this server never fills (always NULL) */
  column: string | null;
  kind: ListFieldKind;
}

/** Storage field names (upper case, as the reference spells them) → columns. */
export type ListFieldMap = Readonly<Record<string, ListField>>;

/** The query the reference would fail to build or run; the list method answers `[]` (B8.6). */
export class ListQueryError extends Error {}

/**
 * A validated filter: a tree of conditions over list fields, rendered to SQL by renderFilterTree (with the
 * SQL-expression helpers of filterKeys.ts: `Cond`, `and`, `or`, imported here as `sqlAnd`/`sqlOr`).
 */
export type FilterTree =
  | { t: 'and' | 'or'; items: FilterTree[] }
  | { t: 'not'; item: FilterTree }
  | { t: 'cmp'; field: ListField; op: '=' | '<' | '<=' | '>' | '>='; value: number | string }
  /** equal to one of the values (numbers, or strings); any number of values */
  | { t: 'in'; field: ListField; values: (number | string)[] }
  | { t: 'null'; field: ListField }
  | { t: 'empty'; field: ListField }
  /** case-insensitive LIKE with one of the patterns (`%`, `_` wildcards, no escape character) */
  | { t: 'like'; field: ListField; patterns: string[] }
  /** case-insensitive "contains" one of the values, matched literally */
  | { t: 'contains'; field: ListField; values: string[] }
  | { t: 'const'; value: boolean };

export interface OrderTerm {
  field: ListField;
  dir: 'asc' | 'desc';
}

export interface ParsedList {
  where: FilterTree;
  /** the selected storage field names; null = every field (select absent, empty, or `*`) */
  selected: ReadonlySet<string> | null;
  order: OrderTerm[];
  offset: number;
}

export interface ListRequest {
  filter: unknown;
  select: unknown;
  order: unknown;
  /** the reserved `start` parameter after intval */
  start: number;
}

export interface ListContext {
  time: PortalTime;
  /** Unix seconds of the request, the base of relative date strings */
  now: number;
}

/** PHP's strtoupper (ASCII only), the reference's case-insensitive field lookup. */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]/g, (c) => c.toUpperCase());
}

function lookupField(fields: ListFieldMap, name: string): ListField {
  const key = asciiUpper(name);
  if (!Object.prototype.hasOwnProperty.call(fields, key)) throw new ListQueryError(`Unknown field definition \`${name}\``);
  return fields[key]!;
}


// ---------------------------------------------------------------------------------------------
// filter

/** The positive operator that follows an optional `!` (B8.3). */
type BaseOp = '' | '=' | '%' | '=%' | '>' | '>=' | '<' | '<=' | '><' | '@';

/** Longest prefixes first. `%=` is a synonym of `=%`. */
const BASE_OPS: readonly [string, BaseOp][] = [
  ['><', '><'],
  ['>=', '>='],
  ['<=', '<='],
  ['=%', '=%'],
  ['%=', '=%'],
  ['=', '='],
  ['%', '%'],
  ['>', '>'],
  ['<', '<'],
  ['@', '@'],
];

export function splitFilterKey(key: string): { negate: boolean; op: BaseOp; name: string } {
  let rest = key;
  let negate = false;
  if (rest.startsWith('!')) {
    negate = true;
    rest = rest.slice(1);
  }
  for (const [prefix, op] of BASE_OPS) {
    if (rest.startsWith(prefix)) return { negate, op, name: rest.slice(prefix.length) };
  }
  return { negate, op: '', name: rest };
}

const TREE_TRUE: FilterTree = { t: 'const', value: true };
const TREE_FALSE: FilterTree = { t: 'const', value: false };

function treeOr(items: FilterTree[]): FilterTree {
  if (items.length === 0) return TREE_FALSE;
  return items.length === 1 ? items[0]! : { t: 'or', items };
}

function treeAnd(items: FilterTree[]): FilterTree {
  if (items.length === 0) return TREE_TRUE;
  return items.length === 1 ? items[0]! : { t: 'and', items };
}

function scalar(v: unknown): unknown {
  if (isPhpArray(v)) throw new ListQueryError('An array is not a valid value here');
  return v;
}

function listValues(v: unknown): unknown[] {
  const values = Array.isArray(v) ? v : Object.values(v as object);
  return values.map(scalar);
}

/** A number-like operand: an int, or a date read from a string; null = "empty" (matches NULL). */
function numberOperand(field: ListField, v: unknown, ctx: ListContext): number | null {
  if (field.kind === 'int') return toInt(v);
  // datetime: the display format and ISO-8601 are read in the portal time zone (B8.3)
  if (v === null || v === false || v === '') return null;
  if (typeof v !== 'string') throw new ListQueryError('A date filter value must be a date string');
  const s = ctx.time.parseDateString(v, ctx.now);
  if (s === null) throw new ListQueryError(`Unparsable date ${v}`);
  return s;
}

/** Equality of numbers and dates: 0 (or an empty date) also matches NULL. */
function numberEquals(field: ListField, v: unknown, ctx: ListContext): FilterTree {
  const n = numberOperand(field, v, ctx);
  if (n === null) return { t: 'null', field };
  if (field.kind === 'int' && n === 0) return treeOr([{ t: 'null', field }, { t: 'cmp', field, op: '=', value: 0 }]);
  return { t: 'cmp', field, op: '=', value: n };
}

/**
 * Equality with any of the values: one `in` over every value (any number of them, so a list of
 * 70,000 ids is one bound parameter, not 70,000), plus NULL when an empty date or an int 0 is listed.
 */
function numberIn(field: ListField, values: unknown[], ctx: ListContext): FilterTree {
  if (values.length === 1) return numberEquals(field, values[0], ctx);
  const numbers: number[] = [];
  let matchesNull = false;
  for (const v of values) {
    const n = numberOperand(field, v, ctx);
    if (n === null || (field.kind === 'int' && n === 0)) matchesNull = true;
    if (n !== null) numbers.push(n);
  }
  const items: FilterTree[] = [];
  if (matchesNull) items.push({ t: 'null', field });
  if (numbers.length > 0) items.push({ t: 'in', field, values: numbers });
  return treeOr(items);
}

/**
 * String equality with any of the values: `""` matches empty or NULL, the others one `in`; `digitsOnly`
 * restricts the `in` to all-digit values and makes the rest case-insensitive LIKE patterns (the
 * no-prefix rule: `""` empty-or-NULL, all digits equality, else a case-insensitive LIKE).
 */
function stringMatch(field: ListField, values: unknown[], noPrefix: boolean): FilterTree {
  const equal: string[] = [];
  const patterns: string[] = [];
  let empty = false;
  for (const v of values) {
    const s = toStr(v);
    if (s === '') empty = true;
    else if (!noPrefix || /^\d+$/.test(s)) equal.push(s);
    else patterns.push(s);
  }
  const items: FilterTree[] = [];
  if (empty) items.push({ t: 'empty', field });
  if (equal.length === 1) items.push({ t: 'cmp', field, op: '=', value: equal[0]! });
  else if (equal.length > 1) items.push({ t: 'in', field, values: equal });
  if (patterns.length > 0) items.push({ t: 'like', field, patterns });
  return treeOr(items);
}

function comparable(field: ListField, v: unknown, ctx: ListContext): number | string {
  if (field.kind === 'string') return toStr(v);
  const n = numberOperand(field, v, ctx);
  if (n === null) throw new ListQueryError('An empty value cannot be compared');
  return n;
}

/** One `<operator><FIELD>: value` condition (B8.3 table), before negation. */
function positiveCondition(field: ListField, op: BaseOp, value: unknown, ctx: ListContext): FilterTree {
  const isList = isPhpArray(value);
  switch (op) {
    case '':
    case '=':
    case '%':
    case '=%': {
      const values = isList ? listValues(value) : [value];
      if (field.kind !== 'string') return numberIn(field, values, ctx);
      if (op === '') return stringMatch(field, values, true);
      if (op === '=') return stringMatch(field, values, false);
      // `%`: substring matched literally; an empty value matches every non-NULL value, as `LIKE '%%'`
      if (op === '%') return values.length === 0 ? TREE_FALSE : { t: 'contains', field, values: values.map(toStr) };
      // `=%`: the value's own wildcards. Case-insensitive like every LIKE of the reference, whose
      // `_ci` collations fold case (B8.3 "per collation"; platform.md §5.2.1) — and like
      // `workgroup.list`'s `=%` here — on both databases (SQLite's LIKE folded ASCII only,
      // PostgreSQL's none).
      return values.length === 0 ? TREE_FALSE : { t: 'like', field, patterns: values.map(toStr) };
    }
    case '@': {
      const values = isList ? listValues(value) : [value];
      if (field.kind !== 'string') return numberIn(field, values, ctx);
      return stringMatch(field, values, false);
    }
    case '><': {
      if (!isList) throw new ListQueryError('Between needs [from, to]');
      const values = listValues(value);
      if (values.length < 2) throw new ListQueryError('Between needs [from, to]');
      return treeAnd([
        { t: 'cmp', field, op: '>=', value: comparable(field, values[0], ctx) },
        { t: 'cmp', field, op: '<=', value: comparable(field, values[1], ctx) },
      ]);
    }
    default:
      return { t: 'cmp', field, op, value: comparable(field, scalar(value), ctx) };
  }
}

/**
 * Parses a filter array: keys `<operator><FIELD>`, combined with AND (or with OR when the array has
 * `"LOGIC": "OR"`); a nested array under an integer key is a sub-filter (B8.3 advanced forms).
 */
export function parseFilter(filter: unknown, fields: ListFieldMap, ctx: ListContext): FilterTree {
  if (filter === undefined || filter === null) return TREE_TRUE;
  if (!isPhpArray(filter)) throw new ListQueryError('The filter is not an array');
  const entries: [string, unknown][] = Array.isArray(filter) ? filter.map((v, i) => [String(i), v]) : Object.entries(filter);
  let logic: 'and' | 'or' = 'and';
  const items: FilterTree[] = [];
  for (const [key, value] of entries) {
    if (key === 'LOGIC') {
      logic = asciiUpper(toStr(value)) === 'OR' ? 'or' : 'and';
      continue;
    }
    if (isIntegerKey(key)) {
      if (!isPhpArray(value)) throw new ListQueryError('A numeric filter key needs a sub-filter');
      items.push(parseFilter(value, fields, ctx));
      continue;
    }
    const { negate, op, name } = splitFilterKey(key);
    const field = lookupField(fields, name);
    const cond = positiveCondition(field, op, value, ctx);
    items.push(negate ? { t: 'not', item: cond } : cond);
  }
  return logic === 'or' ? treeOr(items) : treeAnd(items);
}

// ---------------------------------------------------------------------------------------------
// select and order

/**
 * The selected storage fields (B8.4): absent/empty or containing `*` → all (null). A non-integer key
 * selects its field under that alias, which the object builders do not read (validated, not selected).
 */
export function parseSelect(select: unknown, fields: ListFieldMap): ReadonlySet<string> | null {
  if (select === undefined || select === null) return null;
  if (!isPhpArray(select)) throw new ListQueryError('The select is not an array');
  const entries: [string, unknown][] = Array.isArray(select) ? select.map((v, i) => [String(i), v]) : Object.entries(select);
  if (entries.length === 0) return null;
  const selected = new Set<string>();
  let all = false;
  for (const [key, value] of entries) {
    const name = toStr(scalar(value));
    if (name === '*') {
      all = true;
      continue;
    }
    lookupField(fields, name);
    if (isIntegerKey(key)) selected.add(asciiUpper(name));
  }
  return all ? null : selected;
}

/**
 * Order terms (B8.5): `{FIELD: "asc"|"desc"}` in key order, direction case-insensitive; an entry
 * under an integer key names a field sorted ascending, and a non-array order is that one field.
 */
export function parseOrder(order: unknown, fields: ListFieldMap): OrderTerm[] {
  if (order === undefined) return [];
  const entries: [string, unknown][] = !isPhpArray(order)
    ? [['0', order]]
    : Array.isArray(order)
      ? order.map((v, i) => [String(i), v])
      : Object.entries(order);
  const terms: OrderTerm[] = [];
  for (const [key, value] of entries) {
    if (isIntegerKey(key)) {
      terms.push({ field: lookupField(fields, toStr(scalar(value))), dir: 'asc' });
      continue;
    }
    const field = lookupField(fields, key);
    const dir = asciiUpper(toStr(scalar(value)));
    if (dir !== 'ASC' && dir !== 'DESC') throw new ListQueryError(`Invalid order direction ${dir}`);
    terms.push({ field, dir: dir === 'ASC' ? 'asc' : 'desc' });
  }
  return terms;
}

/** Validates filter, select, order and start together; throws ListQueryError on the first problem. */
export function parseListRequest(req: ListRequest, fields: ListFieldMap, ctx: ListContext): ParsedList {
  return {
    where: parseFilter(req.filter, fields, ctx),
    selected: parseSelect(req.select, fields),
    order: parseOrder(req.order, fields),
    offset: pageOffset(req.start),
  };
}

// ---------------------------------------------------------------------------------------------
// SQL

function col(field: ListField): RawBuilder<unknown> {
  return field.column === null ? sql`null` : sql.ref(field.column);
}

/** Renders a condition as a dialect-neutral SQL boolean expression. */
export function renderFilterTree(c: FilterTree): RawBuilder<SqlBool> {
  switch (c.t) {
    case 'const':
      return c.value ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
    case 'and':
      return sqlAnd(c.items.map(renderFilterTree));
    case 'or':
      return sqlOr(c.items.map(renderFilterTree));
    case 'not':
      return sql<SqlBool>`(${renderFilterTree(c.item)}) is not true`;
    case 'cmp':
      return sql<SqlBool>`${col(c.field)} ${sql.raw(c.op)} ${c.value}`;
    case 'null':
      return sql<SqlBool>`${col(c.field)} is null`;
    case 'empty':
      return sql<SqlBool>`(${col(c.field)} is null or ${col(c.field)} = '')`;
    case 'in':
      return inList(col(c.field), c.values);
    case 'like': {
      const e = col(c.field);
      return anyOf(c.patterns, (p) => likeCi(e, p));
    }
    case 'contains': {
      const e = col(c.field);
      return anyOf(c.values, (v) => containsCi(e, v));
    }
  }
}

/**
 * Adds the parsed filter, the order (default ascending id; id breaks ties so pages are stable)
 * and the page window to a select that already carries the method's fixed restrictions.
 */
export function applyList<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  parsed: ParsedList,
  idColumn: string,
): SelectQueryBuilder<DB, TB, O> {
  let q = qb.where(renderFilterTree(parsed.where) as Expression<SqlBool>);
  for (const term of parsed.order) {
    if (term.field.column === null) continue; // a column that is always NULL orders nothing
    // Text sorts case-insensitively, as under the reference's usual case-insensitive collations, with
    // the filters' Unicode case folding (scrumd_fold, src/store/sqlFunctions.ts) on both databases.
    const key = term.field.kind === 'string' ? sql`scrumd_fold(${sql.ref(term.field.column)})` : sql.ref(term.field.column);
    q = q.orderBy(key, term.dir);
  }
  q = q.orderBy(sql.ref(idColumn), 'asc');
  return q.limit(limitLiteral(LIST_LIMIT)).offset(parsed.offset);
}
