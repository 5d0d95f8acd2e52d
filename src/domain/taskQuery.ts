/**
 * tasks.task.list (platform.md §8.5): the `filter` and `order` of the task list as SQL through
 * Kysely (dialect-neutral: plain comparisons, EXISTS and scalar subqueries, CASE), the read
 * restriction of §4.1, and the paging of §2.4.
 */
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { limitLiteral, rememberedRows } from '../store/prepared.js';
import type { PortalTime } from '../core/portalTime.js';
import { Errors } from '../core/errors.js';
import { isPhpArray, own, phpValues, toInt, toStr } from '../core/php.js';
// and/or/inList/anyOf take lists of any length (long ones bound as one parameter; filterKeys.ts)
import { FALSE, and, anyOf, filterEntries, inList, likeCi, or } from './filterKeys.js';
import { LIST_LIMIT, type Caller } from '../core/call.js';
import { pageOffset } from '../core/paging.js';
import type { Database } from '../store/schema.js';
import { readableBy } from './taskAccess.js';

type Cond = RawBuilder<SqlBool>;
type Expr = RawBuilder<unknown>;

const col = (name: string): Expr => sql.ref(`tasks.${name}`);

/** The meta-status (platform.md §3.7.1): -1 for an overdue open task, else the stored status. */
function metaStatusExpr(now: number): Expr {
  return sql`(case when tasks.deadline is not null and tasks.deadline < ${now} and tasks.status in (1, 2, 3) then -1 else tasks.status end)`;
}

/** The backlog / sprint id of the task's item, 0 when it has none there. */
function entityIdExpr(type: 'sprint' | 'backlog'): Expr {
  return sql`coalesce((select si.entity_id from scrum_items si inner join scrum_entities se on se.id = si.entity_id
    where si.source_id = tasks.id and se.entity_type = ${type}), 0)`;
}

type Kind = 'int' | 'string' | 'like' | 'date';

interface FilterField {
  expr: (now: number) => Expr;
  kind: Kind;
}

const simple = (column: string, kind: Kind): FilterField => ({ expr: () => col(column), kind });
/** Nullable id columns compare as 0 when unset (PARENT_ID 0 = root tasks). */
const nullableInt = (column: string): FilterField => ({ expr: () => sql`coalesce(${col(column)}, 0)`, kind: 'int' });

/** Filterable fields (platform.md §8.5.1) other than the membership ones handled separately. */
const FILTER_FIELDS: Readonly<Record<string, FilterField>> = {
  ID: simple('id', 'int'),
  PARENT_ID: nullableInt('parent_id'),
  GROUP_ID: simple('group_id', 'int'),
  CREATED_BY: simple('created_by', 'int'),
  RESPONSIBLE_ID: simple('responsible_id', 'int'),
  STATUS_CHANGED_BY: nullableInt('status_changed_by'),
  CHANGED_BY: nullableInt('changed_by'),
  CLOSED_BY: nullableInt('closed_by'),
  PRIORITY: simple('priority', 'int'),
  TITLE: simple('title', 'like'),
  REAL_STATUS: simple('status', 'int'),
  STATUS: { expr: metaStatusExpr, kind: 'int' },
  MARK: simple('mark', 'string'),
  SITE_ID: simple('site_id', 'string'),
  XML_ID: simple('xml_id', 'string'),
  GUID: simple('guid', 'string'),
  ADD_IN_REPORT: simple('add_in_report', 'string'),
  TIME_ESTIMATE: simple('time_estimate', 'int'),
  STAGE_ID: simple('stage_id', 'int'),
  DATE_START: simple('date_start', 'date'),
  DEADLINE: simple('deadline', 'date'),
  CREATED_DATE: simple('created_date', 'date'),
  CLOSED_DATE: simple('closed_date', 'date'),
  CHANGED_DATE: simple('changed_date', 'date'),
  ACTIVITY_DATE: simple('activity_date', 'date'),
  START_DATE_PLAN: simple('start_date_plan', 'date'),
  END_DATE_PLAN: simple('end_date_plan', 'date'),
  SPRINT_ID: { expr: () => entityIdExpr('sprint'), kind: 'int' },
  BACKLOG_ID: { expr: () => entityIdExpr('backlog'), kind: 'int' },
  // In the caller's favourites (platform.md §8.5.1): a local server keeps none, so every task is 'N'.
  FAVORITE: { expr: () => sql`'N'`, kind: 'string' },
};

/** Operators tasks.task.list understands; `=` and `!=` are accepted as spellings of equal / not equal. */
const OPERATORS = new Set(['', '=', '!', '!=', '<', '<=', '>', '>=']);

export interface FilterContext {
  caller: Caller;
  now: number;
  time: PortalTime;
}

function listOf(v: unknown): unknown[] {
  return isPhpArray(v) ? phpValues(v) : [v];
}

function isEmptyValue(v: unknown): boolean {
  return v === null || v === undefined || v === '' || v === false;
}

/** A date filter value in Unix seconds; null when unreadable. */
function dateValue(v: unknown, fc: FilterContext): number | null {
  if (typeof v !== 'string') return null;
  return fc.time.parseDateString(v, fc.now);
}

/** One `<op><FIELD>` condition on a plain field; undefined when it is not applicable (ignored). */
function fieldCondition(field: FilterField, op: string, value: unknown, fc: FilterContext): Cond | undefined {
  const e = field.expr(fc.now);
  const negate = op === '!' || op === '!=';
  const equal = op === '' || op === '=' || negate;
  if (equal) {
    const values = listOf(value);
    if (values.length === 1 && isEmptyValue(values[0]) && field.kind === 'date') {
      return negate ? sql<SqlBool>`${e} is not null` : sql<SqlBool>`${e} is null`;
    }
    if (values.length === 1 && isEmptyValue(values[0]) && field.kind !== 'int') {
      return negate ? sql<SqlBool>`${e} is not null and ${e} <> ''` : sql<SqlBool>`(${e} is null or ${e} = '')`;
    }
    let cond: Cond | undefined;
    switch (field.kind) {
      case 'int':
        cond = inList(e, values.map(toInt));
        break;
      case 'string':
        cond = inList(e, values.map(toStr));
        break;
      case 'like':
        // SQL-style patterns: `%` and `_` in the value are wildcards; case-insensitive as in the product.
        // Unicode case folding, any pattern length (filterKeys.ts likeCi).
        cond = anyOf(values.map(toStr), (v) => likeCi(e, v));
        break;
      case 'date': {
        const ds = values.map((v) => dateValue(v, fc)).filter((d): d is number => d !== null);
        if (ds.length === 0) return undefined;
        cond = inList(e, ds);
        break;
      }
    }
    return negate ? sql<SqlBool>`not (${cond}) or ${e} is null` : cond;
  }
  // <, <=, >, >= on the first value
  const v = listOf(value)[0];
  let operand: unknown;
  if (field.kind === 'int') operand = toInt(v);
  else if (field.kind === 'date') {
    const d = dateValue(v, fc);
    if (d === null) return undefined;
    operand = d;
  } else operand = toStr(v);
  return sql<SqlBool>`${e} ${sql.raw(op)} ${operand}`;
}

/** ACCOMPLICE / AUDITOR / TAG / MEMBER: conditions on related rows. */
function relationCondition(field: string, op: string, value: unknown): Cond | undefined {
  const negate = op === '!' || op === '!=';
  if (!(op === '' || op === '=' || negate)) return undefined;
  const values = listOf(value);
  let cond: Cond;
  switch (field) {
    case 'ACCOMPLICE':
    case 'AUDITOR': {
      const type = field === 'ACCOMPLICE' ? 'A' : 'U';
      const ids = values.map(toInt);
      cond = sql<SqlBool>`exists (select 1 from task_members tmf where tmf.task_id = tasks.id and tmf.type = ${type} and ${inList(sql.ref('tmf.user_id'), ids)})`;
      break;
    }
    case 'TAG': {
      const names = values.map(toStr);
      cond = sql<SqlBool>`exists (select 1 from task_tags ttf where ttf.task_id = tasks.id and ${inList(sql.ref('ttf.name'), names)})`;
      break;
    }
    case 'MEMBER': {
      const ids = values.map(toInt);
      cond = or([
        inList(col('created_by'), ids),
        inList(col('responsible_id'), ids),
        sql<SqlBool>`exists (select 1 from task_members tmm where tmm.task_id = tasks.id and ${inList(sql.ref('tmm.user_id'), ids)})`,
      ]);
      break;
    }
    default:
      return undefined;
  }
  return negate ? sql<SqlBool>`not (${cond})` : cond;
}

/** "Only root tasks and subtasks whose parent the caller cannot see". */
function onlyRootTasks(caller: Caller): Cond {
  if (caller.isAdmin) return sql<SqlBool>`coalesce(tasks.parent_id, 0) = 0`;
  return sql<SqlBool>`(coalesce(tasks.parent_id, 0) = 0 or not exists (select 1 from tasks ptask where ptask.id = tasks.parent_id and ${readableBy(caller.userId, 'ptask')}))`;
}

/**
 * Sub-filters nest at most this deep (`unverified:` the reference has no such limit; a bound keeps a
 * hostile filter from building SQL deeper than the databases' expression limits).
 */
const MAX_SUBFILTER_DEPTH = 16;

/** Keys holding a nested filter (platform.md §8.5.1): `::SUBFILTER-<anything>` and numeric keys. */
function isSubfilterKey(key: string): boolean {
  return key.startsWith('::SUBFILTER-') || /^\d+$/.test(key);
}

/**
 * The condition of one filter map (platform.md §8.5.1): its `<op><FIELD>` conditions and sub-filters
 * combined by its `::LOGIC` (`AND`, the default, or `OR`; case-insensitive). Keys are `<op><FIELD>`
 * (the operator is the leading run of non-letter characters); unknown fields and operators are
 * ignored. A sub-filter that is not a map, or another `::LOGIC`, fails the call with `"0"`
 * (`unverified:` code and texts). A map without any condition restricts nothing, whatever its logic.
 */
function filterMapCondition(filter: unknown, fc: FilterContext, depth: number): Cond | undefined {
  const conds: Cond[] = [];
  let logic: 'AND' | 'OR' = 'AND';
  for (const [key, value] of filterEntries(filter)) {
    if (key === '::LOGIC') {
      const l = typeof value === 'string' ? value.toUpperCase() : '';
      if (l !== 'AND' && l !== 'OR') throw Errors.task.unknownLogic();
      logic = l;
      continue;
    }
    if (isSubfilterKey(key)) {
      if (!isPhpArray(value)) throw Errors.task.invalidSubFilter();
      if (depth >= MAX_SUBFILTER_DEPTH) throw Errors.task.invalidSubFilter();
      const c = filterMapCondition(value, fc, depth + 1);
      if (c) conds.push(c);
      continue;
    }
    const m = /^[^A-Za-z]*/.exec(key);
    const op = m ? m[0] : '';
    const field = key.slice(op.length);
    if (!OPERATORS.has(op)) continue;
    if (field === 'ONLY_ROOT_TASKS') {
      if (value === 'Y') conds.push(onlyRootTasks(fc.caller));
      continue;
    }
    // own fields only: a key like `constructor` or `toString` names no field (not Object.prototype's)
    const def = Object.prototype.hasOwnProperty.call(FILTER_FIELDS, field) ? FILTER_FIELDS[field] : undefined;
    const c = def ? fieldCondition(def, op, value, fc) : relationCondition(field, op, value);
    if (c) conds.push(c);
  }
  if (conds.length === 0) return undefined;
  return logic === 'OR' ? or(conds) : and(conds);
}

/** The conditions of a `filter` (AND-ed by the caller); no conditions when it is not a map. */
export function filterConditions(filter: unknown, fc: FilterContext): Cond[] {
  if (!isPhpArray(filter)) return [];
  const c = filterMapCondition(filter, fc, 0);
  return c ? [c] : [];
}

/** Order keys tasks.task.list accepts (platform.md §8.5.1); null = accepted but constant locally. */
const ORDER_FIELDS: Readonly<Record<string, ((now: number) => Expr) | null>> = {
  ID: () => col('id'),
  TITLE: () => col('title'),
  TIME_SPENT_IN_LOGS: null,
  DATE_START: () => col('date_start'),
  CREATED_DATE: () => col('created_date'),
  CHANGED_DATE: () => col('changed_date'),
  CLOSED_DATE: () => col('closed_date'),
  ACTIVITY_DATE: () => col('activity_date'),
  START_DATE_PLAN: () => col('start_date_plan'),
  END_DATE_PLAN: () => col('end_date_plan'),
  DEADLINE: () => col('deadline'),
  REAL_STATUS: () => col('status'),
  STATUS_COMPLETE: () => sql`(case when tasks.status in (4, 5) then 2 else 1 end)`,
  PRIORITY: () => col('priority'),
  MARK: () => col('mark'),
  CREATED_BY_LAST_NAME: () => sql`(select u.last_name from users u where u.id = tasks.created_by)`,
  RESPONSIBLE_LAST_NAME: () => sql`(select u.last_name from users u where u.id = tasks.responsible_id)`,
  GROUP_ID: () => col('group_id'),
  TIME_ESTIMATE: () => col('time_estimate'),
  ALLOW_CHANGE_DEADLINE: () => col('allow_change_deadline'),
  ALLOW_TIME_TRACKING: () => col('allow_time_tracking'),
  MATCH_WORK_TIME: () => col('match_work_time'),
  FAVORITE: null,
  SORTING: null,
  IS_PINNED: null,
  IS_PINNED_IN_GROUP: null,
};

/** Order keys whose value is never NULL (NOT NULL columns, CASE expressions): no NULL ordering term needed. */
const NEVER_NULL: ReadonlySet<string> = new Set([
  'ID', 'TITLE', 'CREATED_DATE', 'CHANGED_DATE', 'ACTIVITY_DATE', 'REAL_STATUS', 'STATUS_COMPLETE', 'PRIORITY', 'GROUP_ID',
  'TIME_ESTIMATE', 'ALLOW_CHANGE_DEADLINE', 'ALLOW_TIME_TRACKING', 'MATCH_WORK_TIME',
]);

export interface OrderTerm {
  expr: Expr;
  dir: 'asc' | 'desc';
  /** the value is never NULL, so it orders alone (and an index can give the order) */
  notNull?: boolean;
}

/**
 * The `order` map: keys compared upper-cased (as the reference's key check does), directions
 * `asc`/`desc` case-insensitively (anything else is descending). Any other key → `"0"` `Invalid
 * sorting key`. Default: ID descending.
 */
export function orderTerms(order: unknown, now: number): OrderTerm[] {
  const terms: OrderTerm[] = [];
  const entries = isPhpArray(order) && !Array.isArray(order) ? Object.entries(order) : [];
  for (const [key] of entries) {
    if (!Object.prototype.hasOwnProperty.call(ORDER_FIELDS, key.toUpperCase())) throw Errors.task.invalidSortingKey();
  }
  let hasId = false;
  for (const [key, dirValue] of entries) {
    const name = key.toUpperCase();
    const f = ORDER_FIELDS[name];
    if (!f) continue;
    const dir = toStr(dirValue).toLowerCase() === 'asc' ? 'asc' : 'desc';
    if (name === 'ID') hasId = true;
    terms.push({ expr: f(now), dir, notNull: NEVER_NULL.has(name) });
  }
  if (!hasId) terms.push({ expr: col('id'), dir: entries.length === 0 ? 'desc' : 'asc', notNull: true });
  return terms;
}

export interface ListRequest {
  filter: unknown;
  order: unknown;
  params: unknown;
  /** the reserved `start` parameter */
  start: number;
}

export interface ListPage {
  ids: number[];
  next?: number;
  total?: number;
}

/**
 * The ids of one page of readable, matching tasks (platform.md §2.4): `start` is rounded down to a
 * page; `start = -1` reads the first page without counting (no `total`, no `next`);
 * `params.GET_PLUS_ONE = "Y"` suppresses `total` (`unverified:` semantics) but still reports `next`.
 */
export async function listTaskIds(db: Kysely<Database>, fc: FilterContext, req: ListRequest): Promise<ListPage> {
  const terms = orderTerms(req.order, fc.now);
  const conds = filterConditions(req.filter, fc);
  if (!fc.caller.isAdmin) conds.push(readableBy(fc.caller.userId) as Cond);
  // No condition, no WHERE: SQLite counts a whole table from its smallest index only without one.
  const where: Expression<SqlBool> | undefined = conds.length > 0 ? and(conds) : undefined;

  let q = db.selectFrom('tasks').select('tasks.id').$if(where !== undefined, (qb) => qb.where(where!));
  for (const t of terms) {
    // NULLs sort first ascending and last descending on every dialect (the MySQL order the product has).
    if (!t.notNull) q = q.orderBy(sql`(case when ${t.expr} is null then 0 else 1 end)`, t.dir);
    q = q.orderBy(t.expr, t.dir);
  }

  const noCount = req.start === -1;
  const plusOne = own(req.params, 'GET_PLUS_ONE') === 'Y';
  const offset = pageOffset(req.start); // 0 for the "do not count" -1
  const rows = await q.limit(limitLiteral(LIST_LIMIT + 1)).offset(offset).execute();
  const ids = rows.slice(0, LIST_LIMIT).map((r) => r.id);
  if (noCount) return { ids };
  const more = rows.length > LIST_LIMIT;
  const next = more ? offset + LIST_LIMIT : undefined;
  if (plusOne) return { ids, next };
  // the total is remembered until the tasks (or a table the filter reads) change: lists are re-read often
  const [c] = await rememberedRows(
    db,
    db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .$if(where !== undefined, (qb) => qb.where(where!)),
  );
  return { ids, next, total: Number(c?.n ?? 0) };
}
