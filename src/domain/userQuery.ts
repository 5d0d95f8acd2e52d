/**
 * Users as the legacy-user family shows them (platform.md §7.1): field sets by scope, the value
 * rules of `user.get`/`user.current`, and the `user.get` filter, order and exact-offset paging
 * (§7.3, §2.4).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { limitLiteral, rememberedRows } from '../store/prepared.js';
import { DateTime } from 'luxon';
import type { PortalTime } from '../core/portalTime.js';
import { isPhpArray, toInt, toStr, truthy, type PhpMap } from '../core/php.js';
import { LIST_LIMIT } from '../core/call.js';
import { pageOffset } from '../core/paging.js';
import type { Database } from '../store/schema.js';
import {
  FALSE,
  allOf,
  and,
  anyOf,
  containsCi,
  filterEntries,
  inList,
  likeCi,
  not,
  or,
  parseFilterKey,
  startsWithCi,
  valueList,
  type Cond,
} from './filterKeys.js';
import type { UserRow } from './users.js';

export type UserFieldSet = 'user' | 'user_basic' | 'user_brief';

/** The full field set, in output order (only the UF_* fields a local portal defines). */
const FULL_FIELDS = [
  'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER',
  'TIME_ZONE', 'IS_ONLINE', 'TIME_ZONE_OFFSET', 'TIMESTAMP_X', 'LAST_ACTIVITY_DATE', 'PERSONAL_GENDER',
  'PERSONAL_PROFESSION', 'PERSONAL_WWW', 'PERSONAL_BIRTHDAY', 'PERSONAL_PHOTO', 'PERSONAL_ICQ', 'PERSONAL_PHONE',
  'PERSONAL_FAX', 'PERSONAL_MOBILE', 'PERSONAL_PAGER', 'PERSONAL_STREET', 'PERSONAL_CITY', 'PERSONAL_STATE',
  'PERSONAL_ZIP', 'PERSONAL_COUNTRY', 'PERSONAL_MAILBOX', 'PERSONAL_NOTES', 'WORK_PHONE', 'WORK_COMPANY',
  'WORK_POSITION', 'WORK_DEPARTMENT', 'WORK_WWW', 'WORK_FAX', 'WORK_PAGER', 'WORK_STREET', 'WORK_MAILBOX',
  'WORK_CITY', 'WORK_STATE', 'WORK_ZIP', 'WORK_COUNTRY', 'WORK_PROFILE', 'WORK_LOGO', 'WORK_NOTES',
  'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
] as const;

const BASIC_FIELDS = [
  'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'EMAIL', 'PERSONAL_PHONE', 'WORK_PHONE',
  'WORK_POSITION', 'WORK_COMPANY', 'IS_ONLINE', 'TIME_ZONE', 'TIMESTAMP_X', 'TIME_ZONE_OFFSET', 'DATE_REGISTER',
  'LAST_ACTIVITY_DATE', 'PERSONAL_PROFESSION', 'PERSONAL_GENDER', 'PERSONAL_BIRTHDAY', 'PERSONAL_PHOTO',
  'PERSONAL_FAX', 'PERSONAL_MOBILE', 'PERSONAL_PAGER', 'PERSONAL_STREET', 'PERSONAL_MAILBOX', 'PERSONAL_CITY',
  'PERSONAL_STATE', 'PERSONAL_ZIP', 'PERSONAL_COUNTRY', 'PERSONAL_NOTES', 'WORK_DEPARTMENT', 'WORK_WWW', 'WORK_FAX',
  'WORK_PAGER', 'WORK_STREET', 'WORK_MAILBOX', 'WORK_CITY', 'WORK_STATE', 'WORK_ZIP', 'WORK_COUNTRY', 'WORK_PROFILE',
  'WORK_LOGO', 'WORK_NOTES', 'UF_DEPARTMENT', 'UF_EMPLOYMENT_DATE', 'USER_TYPE',
] as const;

const BRIEF_FIELDS = [
  'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'IS_ONLINE', 'TIME_ZONE', 'TIME_ZONE_OFFSET',
  'TIMESTAMP_X', 'DATE_REGISTER', 'PERSONAL_PROFESSION', 'PERSONAL_GENDER', 'PERSONAL_BIRTHDAY', 'PERSONAL_PHOTO',
  'PERSONAL_CITY', 'PERSONAL_STATE', 'PERSONAL_COUNTRY', 'WORK_POSITION', 'WORK_CITY', 'WORK_STATE', 'WORK_COUNTRY',
  'LAST_ACTIVITY_DATE', 'UF_EMPLOYMENT_DATE', 'UF_DEPARTMENT', 'USER_TYPE',
] as const;

export const USER_FIELD_SETS: Record<UserFieldSet, readonly string[]> = {
  user: FULL_FIELDS,
  user_basic: BASIC_FIELDS,
  user_brief: BRIEF_FIELDS,
};

/** `user` → full; else `user_basic` → basic; else brief (platform.md §4.3). */
export function fieldSetFor(scopes: readonly string[]): UserFieldSet {
  if (scopes.includes('user')) return 'user';
  if (scopes.includes('user_basic')) return 'user_basic';
  return 'user_brief';
}

/** A call within this window counts as online (platform.md §7.1, recommended 15 minutes). */
export const ONLINE_WINDOW = 15 * 60;

export function departmentsOf(u: Pick<UserRow, 'uf_department'>): number[] {
  try {
    const v: unknown = JSON.parse(u.uf_department);
    return Array.isArray(v) ? v.map((x) => toInt(x)).filter((n) => n > 0) : [];
  } catch {
    return [];
  }
}

export function userType(u: Pick<UserRow, 'uf_department'>): 'employee' | 'extranet' {
  return departmentsOf(u).length > 0 ? 'employee' : 'extranet';
}

/** Stored text columns by field name (`NAME` → `name`). */
function textColumn(field: string): keyof UserRow | undefined {
  if (/^(XML_ID|NAME|LAST_NAME|SECOND_NAME|TITLE|EMAIL|TIME_ZONE|PERSONAL_[A-Z]+|WORK_[A-Z]+)$/.test(field) && field !== 'PERSONAL_PHOTO' && field !== 'PERSONAL_BIRTHDAY') {
    return field.toLowerCase() as keyof UserRow;
  }
  return undefined;
}

/**
 * One user record (platform.md §7.1). `mode` selects the two renderings of TIMESTAMP_X and
 * LAST_ACTIVITY_DATE: `{}` in lists, strings in `user.current`. Null-valued profile fields are omitted.
 */
export function userRecord(u: UserRow, set: UserFieldSet, mode: 'list' | 'current', time: PortalTime, now: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const dateOnly = (v: number | null) => (v === null ? '' : time.isoDate(v));
  for (const field of USER_FIELD_SETS[set]) {
    switch (field) {
      case 'ID':
        out.ID = String(u.id);
        break;
      case 'ACTIVE':
        out.ACTIVE = u.active === 'Y';
        break;
      case 'LAST_LOGIN':
        out.LAST_LOGIN = u.last_login === null ? '' : time.iso(u.last_login);
        break;
      case 'DATE_REGISTER':
        out.DATE_REGISTER = dateOnly(u.date_register);
        break;
      case 'PERSONAL_BIRTHDAY':
        out.PERSONAL_BIRTHDAY = dateOnly(u.personal_birthday);
        break;
      case 'UF_EMPLOYMENT_DATE':
        out.UF_EMPLOYMENT_DATE = dateOnly(u.uf_employment_date);
        break;
      case 'IS_ONLINE':
        out.IS_ONLINE = u.last_activity !== null && now - u.last_activity <= ONLINE_WINDOW ? 'Y' : 'N';
        break;
      case 'TIMESTAMP_X':
        out.TIMESTAMP_X = mode === 'list' ? {} : time.site(u.timestamp_x);
        break;
      case 'LAST_ACTIVITY_DATE':
        if (u.last_activity !== null) out.LAST_ACTIVITY_DATE = mode === 'list' ? {} : time.plain(u.last_activity);
        break;
      case 'UF_DEPARTMENT':
        out.UF_DEPARTMENT = departmentsOf(u);
        break;
      case 'USER_TYPE':
        out.USER_TYPE = userType(u);
        break;
      case 'TIME_ZONE_OFFSET':
      case 'PERSONAL_PHOTO':
        break; // no personal time zones and no photos locally: never set, so never output
      default: {
        const c = textColumn(field);
        const v = c === undefined ? null : u[c];
        if (v !== null && v !== undefined) out[field] = v;
      }
    }
  }
  return out;
}

// ---- user.get filter -------------------------------------------------------------------------

type FieldKind = 'int' | 'string' | 'datetime' | 'date' | 'none';

const ref = (c: string): RawBuilder<unknown> => sql`${sql.ref(`users.${c}`)}`;

function fieldKind(field: string): { kind: FieldKind; expr: RawBuilder<unknown> } | undefined {
  switch (field) {
    case 'ID':
      return { kind: 'int', expr: ref('id') };
    case 'LAST_LOGIN':
      return { kind: 'datetime', expr: ref('last_login') };
    case 'DATE_REGISTER':
      return { kind: 'datetime', expr: ref('date_register') };
    case 'TIMESTAMP_X':
      return { kind: 'datetime', expr: ref('timestamp_x') };
    case 'LAST_ACTIVITY_DATE':
      return { kind: 'datetime', expr: ref('last_activity') };
    case 'PERSONAL_BIRTHDAY':
      return { kind: 'date', expr: ref('personal_birthday') };
    case 'UF_EMPLOYMENT_DATE':
      return { kind: 'date', expr: ref('uf_employment_date') };
    case 'TIME_ZONE_OFFSET':
      return { kind: 'none', expr: sql`cast(null as integer)` };
    case 'PERSONAL_PHOTO':
      return { kind: 'none', expr: sql`cast(null as text)` };
  }
  const c = textColumn(field);
  return c === undefined ? undefined : { kind: 'string', expr: ref(c as string) };
}

const USER_OPS = new Set(['', '=', '!', '!=', '%', '!%', '>', '>=', '<', '<=', '@', '!@', '><', '!><']);

/** `ACTIVE` filter values: active when truthy and not "N" (so "false" means active, §7.3.2). */
export function normalizeActive(v: unknown): 'Y' | 'N' {
  return truthy(v) && v !== 'N' ? 'Y' : 'N';
}

/** The departments list as text `,1,2,` so one department can be matched with LIKE on any dialect. */
const DEPT_TEXT: RawBuilder<unknown> = sql`replace(replace(replace(${ref('uf_department')}, ' ', ''), '[', ','), ']', ',')`;

function inDepartment(id: number): Cond {
  return sql`${DEPT_TEXT} like ${`%,${id},%`}`;
}

/** Users of any of the departments; a long list (30,000 ids) is bound as one parameter. */
function inAnyDepartment(ids: readonly number[]): Cond {
  const unique = [...new Set(ids)];
  if (unique.length <= 100) return or(unique.map((id) => inDepartment(id)));
  return anyOf(unique, (id) => sql`${DEPT_TEXT} like '%,' || cast(${id} as text) || ',%'`);
}

const HAS_DEPARTMENT: Cond = sql`${DEPT_TEXT} like '%,_%,%'`;

function onlineCond(now: number): Cond {
  return sql`${ref('last_activity')} >= ${now - ONLINE_WINDOW}`;
}

/**
 * Word-prefix search: every whitespace-separated word must start a word of one of the columns,
 * case-insensitively (the recommended matching of platform.md §7.4). Null when there are no words.
 */
export function wordPrefixCondition(columns: readonly string[], text: string): Cond | null {
  const words = [...new Set(text.split(/\s+/).filter((w) => w !== ''))];
  if (words.length === 0) return null;
  // Any number of words (allOf binds a long list as one parameter); Unicode case folding (filterKeys.ts).
  return allOf(words, (w) =>
    or(columns.map((c) => or([startsWithCi(ref(c), w), containsCi(ref(c), sql`' ' || cast(${w} as text)`)]))),
  );
}

/**
 * Name search (platform.md §7.4, recommended rule): every whitespace-separated word must start a word
 * of NAME, LAST_NAME, SECOND_NAME, EMAIL or WORK_POSITION, case-insensitively.
 */
export function nameSearchCondition(text: string): Cond | null {
  return wordPrefixCondition(['name', 'last_name', 'second_name', 'email', 'work_position'], text);
}

/** The departments of a local portal (platform.md §13.2): the root only. */
export const DEPARTMENTS: Readonly<Record<number, string>> = { 1: 'Company' };

/** Does every word of the text start a word of the name (case-insensitively)? */
function wordsPrefixMatch(name: string, text: string): boolean {
  const words = text.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const parts = name.toLowerCase().split(/\s+/);
  return words.every((w) => parts.some((p) => p.startsWith(w)));
}

/** Users of the departments whose name matches the text (`UF_DEPARTMENT_NAME` of user.search). */
export function departmentNameCondition(text: string): Cond | null {
  if (text.trim() === '') return null;
  const ids = Object.entries(DEPARTMENTS)
    .filter(([, name]) => wordsPrefixMatch(name, text))
    .map(([id]) => Number(id));
  return or(ids.map((id) => inDepartment(id)));
}

/** Fields whose plain values user.search turns into search conditions (platform.md §7.4). */
const SEARCH_FIELDS: Readonly<Record<string, string>> = {
  NAME: 'name',
  LAST_NAME: 'last_name',
  SECOND_NAME: 'second_name',
  WORK_POSITION: 'work_position',
};

/**
 * The filter of `user.search` (platform.md §7.4): `FIND` (or `NAME_SEARCH`) becomes a name search and is
 * removed; without them the plain `NAME`, `LAST_NAME`, `SECOND_NAME`, `WORK_POSITION` and
 * `UF_DEPARTMENT_NAME` values become word-prefix searches. `CONFIRM_CODE` matches users with that
 * pending confirmation code — none locally, since users are created confirmed. The remaining keys
 * are the `user.get` filter.
 */
export function userSearchFilter(filter: PhpMap): { filter: PhpMap; extra: Cond[] } {
  const rest: PhpMap = Object.create(null) as PhpMap;
  for (const [k, v] of Object.entries(filter)) rest[k] = v;
  const extra: Cond[] = [];
  const find = rest.FIND !== undefined ? rest.FIND : rest.NAME_SEARCH;
  if (rest.FIND !== undefined || rest.NAME_SEARCH !== undefined) {
    delete rest.FIND;
    delete rest.NAME_SEARCH;
    const c = nameSearchCondition(toStr(find));
    if (c) extra.push(c);
  } else {
    for (const [field, column] of Object.entries(SEARCH_FIELDS)) {
      if (rest[field] === undefined) continue;
      const c = wordPrefixCondition([column], toStr(rest[field]));
      delete rest[field];
      if (c) extra.push(c);
    }
    if (rest.UF_DEPARTMENT_NAME !== undefined) {
      const c = departmentNameCondition(toStr(rest.UF_DEPARTMENT_NAME));
      delete rest.UF_DEPARTMENT_NAME;
      if (c) extra.push(c);
    }
  }
  if (rest.CONFIRM_CODE !== undefined) {
    if (truthy(rest.CONFIRM_CODE)) extra.push(FALSE);
    delete rest.CONFIRM_CODE;
  }
  return { filter: rest, extra };
}

export interface UserFilterContext {
  set: UserFieldSet;
  time: PortalTime;
  now: number;
}

function scalarValue(kind: FieldKind, v: unknown, fc: UserFilterContext): number | string | null | undefined {
  switch (kind) {
    case 'int':
      return toInt(v);
    case 'string':
      return toStr(v);
    case 'none':
      return null;
    case 'datetime':
    case 'date': {
      if (typeof v === 'number') return Math.trunc(v);
      const s = fc.time.parseDateString(toStr(v), fc.now);
      if (s === null) return undefined;
      return kind === 'date' ? Math.floor(DateTime.fromSeconds(s, { zone: fc.time.zone }).startOf('day').toSeconds()) : s;
    }
  }
}

function isNullCond(e: RawBuilder<unknown>): Cond {
  return sql`${e} is null`;
}

/** One condition on a stored field; null drops the key. Negations also match NULL. */
function fieldCondition(kind: FieldKind, e: RawBuilder<unknown>, op: string, value: unknown, fc: UserFilterContext): Cond | null {
  const negative = op.startsWith('!');
  const base = negative ? op.slice(1) : op;
  const neg = (c: Cond): Cond => (negative ? or([isNullCond(e), not(c)]) : c);
  const list = (v: unknown) =>
    valueList(v)
      .map((x) => scalarValue(kind, x, fc))
      .filter((x): x is number | string => x !== undefined && x !== null);
  switch (base) {
    case '':
    case '=':
    case '@': {
      if (isPhpArray(value) || base === '@') return neg(inList(e, list(value)));
      const v = scalarValue(kind, value, fc);
      if (v === undefined) return null;
      if (v === null) return neg(FALSE);
      // Without an operator strings compare like SQL LIKE, case-insensitively (recommended, §7.3.2).
      if (base === '' && kind === 'string') return neg(likeCi(e, v as string));
      return neg(sql`${e} = ${v}`);
    }
    case '>':
    case '>=':
    case '<':
    case '<=': {
      if (negative || isPhpArray(value)) return null;
      const v = scalarValue(kind, value, fc);
      if (v === undefined) return null;
      if (v === null) return FALSE;
      return sql`${e} ${sql.raw(base)} ${v}`;
    }
    case '%': {
      if (isPhpArray(value) || kind !== 'string') return null;
      return neg(containsCi(e, toStr(value)));
    }
    case '><': {
      const vals = list(value);
      if (!isPhpArray(value) || vals.length < 2) return null;
      return neg(sql`${e} between ${vals[0]} and ${vals[1]}`);
    }
    default:
      return null;
  }
}

/**
 * The SQL condition of a `user.get` filter (platform.md §7.3.2). Keys are already upper-cased;
 * a key whose field is not in the caller's field set (and is not a special key) is dropped.
 */
export function userFilterCondition(filter: PhpMap, fc: UserFilterContext): Cond {
  const allowed = new Set(USER_FIELD_SETS[fc.set]);
  const conds: Cond[] = [];
  for (const [key, value] of filterEntries(filter)) {
    const { op, field } = parseFilterKey(key);
    if (!USER_OPS.has(op)) continue;
    const negative = op.startsWith('!');
    const base = negative ? op.slice(1) : op;
    if (field === 'HAS_DEPARTAMENT') {
      if (op === '' && value === 'Y') conds.push(HAS_DEPARTMENT);
      continue;
    }
    if (field === 'NAME_SEARCH') {
      const c = op === '' ? nameSearchCondition(toStr(value)) : null;
      if (c) conds.push(c);
      continue;
    }
    if (!allowed.has(field)) continue;
    switch (field) {
      case 'ACTIVE': {
        if (base !== '' && base !== '=') continue;
        const c: Cond = sql`${ref('active')} = ${normalizeActive(value)}`;
        conds.push(negative ? not(c) : c);
        continue;
      }
      case 'IS_ONLINE': {
        const v = toStr(value);
        if ((base !== '' && base !== '=') || (v !== 'Y' && v !== 'N')) continue;
        const online = onlineCond(fc.now);
        conds.push(v === 'Y' !== negative ? online : or([isNullCond(ref('last_activity')), not(online)]));
        continue;
      }
      case 'USER_TYPE': {
        if (base !== '' && base !== '=' && base !== '@') continue;
        const types = [...new Set(valueList(value).map((x) => toStr(x)))];
        const c = or(
          types.flatMap((t) => (t === 'employee' ? [HAS_DEPARTMENT] : t === 'extranet' ? [not(HAS_DEPARTMENT)] : [])),
        );
        conds.push(negative ? not(c) : c);
        continue;
      }
      case 'UF_DEPARTMENT': {
        if (base !== '' && base !== '=' && base !== '@') continue;
        const c = inAnyDepartment(valueList(value).map((x) => toInt(x)));
        conds.push(negative ? not(c) : c);
        continue;
      }
    }
    const f = fieldKind(field);
    if (!f) continue;
    const c = fieldCondition(f.kind, f.expr, op, value, fc);
    if (c) conds.push(c);
  }
  return and(conds);
}

/** Sortable fields: the stored fields of the caller's field set. */
function sortExpr(field: string, set: UserFieldSet): RawBuilder<unknown> | undefined {
  if (!USER_FIELD_SETS[set].includes(field)) return undefined;
  if (field === 'ACTIVE') return ref('active');
  const f = fieldKind(field);
  return f && f.kind !== 'none' ? f.expr : undefined;
}

export interface UserListQuery {
  filter: PhpMap;
  sort: unknown;
  order: unknown;
  /** the reserved `start`: an exact offset; negative = do not count */
  start: number;
  set: UserFieldSet;
  /** further conditions (user.search) */
  extra?: readonly Cond[];
}

export interface UserListResult {
  rows: UserRow[];
  total?: number;
  next?: number;
}

/**
 * `user.get` paging (platform.md §2.4): exact offset; `total` only when the page is non-empty,
 * `next` while offset + items < total; a negative start returns the first 50 without counting.
 */
export async function listUsers(db: Kysely<Database>, q: UserListQuery, time: PortalTime, now: number): Promise<UserListResult> {
  const where = and([userFilterCondition(q.filter, { set: q.set, time, now }), ...(q.extra ?? [])]);
  let query = db.selectFrom('users').selectAll().where(where);
  const sortField = toStr(q.sort).toUpperCase();
  const sortExp = truthy(q.sort) && truthy(q.order) ? sortExpr(sortField, q.set) : undefined;
  if (sortExp) {
    const desc = toStr(q.order).toUpperCase() === 'DESC';
    query = query.orderBy(sql`${sortExp} ${sql.raw(desc ? 'desc nulls last' : 'asc nulls first')}`);
  }
  query = query.orderBy(sql`${ref('id')} asc`);
  const counting = q.start >= 0;
  const offset = pageOffset(q.start, { exact: true });
  const rows = await query.limit(limitLiteral(LIST_LIMIT)).offset(offset).execute();
  if (!counting || rows.length === 0) return { rows };
  const [r] = await rememberedRows(db, db.selectFrom('users').select(sql<number>`count(*)`.as('n')).where(where));
  const total = Number(r?.n ?? 0);
  const next = offset + rows.length < total ? offset + rows.length : undefined;
  return { rows, total, next };
}

// ---- user.fields ------------------------------------------------------------------------------

/**
 * English field labels as the docs page "user.fields" shows them (platform.md §7.5: the exact labels
 * come from the product's language files); a field without a label maps to its own name.
 */
const USER_FIELD_LABELS: Readonly<Record<string, string>> = {
  ID: 'ID',
  XML_ID: 'External code',
  ACTIVE: 'Activity',
  NAME: 'First Name',
  LAST_NAME: 'Last Name',
  SECOND_NAME: 'Middle Name',
  TITLE: 'User List',
  EMAIL: 'E-Mail',
  LAST_LOGIN: 'Last Authorization',
  DATE_REGISTER: 'Registration Date',
  PERSONAL_GENDER: 'Gender',
  PERSONAL_PROFESSION: 'Profession',
  PERSONAL_WWW: 'Homepage',
  PERSONAL_BIRTHDAY: 'Date of Birth',
  PERSONAL_PHOTO: 'Photo',
  PERSONAL_ICQ: 'ICQ',
  PERSONAL_PHONE: 'Personal Phone',
  PERSONAL_FAX: 'Fax',
  PERSONAL_MOBILE: 'Personal Mobile',
  PERSONAL_PAGER: 'Pager',
  PERSONAL_STREET: 'Residential Street',
  PERSONAL_CITY: 'Residential City',
  PERSONAL_STATE: 'State / Region',
  PERSONAL_ZIP: 'Zip Code',
  PERSONAL_COUNTRY: 'Country',
  PERSONAL_MAILBOX: 'P.O. Box',
  PERSONAL_NOTES: 'Additional Notes',
  WORK_PHONE: 'Company Phone',
  WORK_COMPANY: 'Company',
  WORK_POSITION: 'Job Title',
  WORK_DEPARTMENT: 'Department',
  WORK_WWW: 'Company Website',
  WORK_CITY: 'Work City',
  UF_EMPLOYMENT_DATE: 'Hire Date',
  UF_DEPARTMENT: 'Units',
};

/**
 * The `user.fields` map (platform.md §7.5): every field of the caller's field set in output order.
 * `TIME_ZONE_OFFSET` is not listed — the docs page's full map leaves it out (it is added to records,
 * not described).
 */
export function userFieldLabels(set: UserFieldSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of USER_FIELD_SETS[set]) {
    if (f === 'TIME_ZONE_OFFSET') continue;
    out[f] = Object.prototype.hasOwnProperty.call(USER_FIELD_LABELS, f) ? USER_FIELD_LABELS[f]! : f;
  }
  return out;
}
