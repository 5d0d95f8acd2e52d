/**
 * Group lists and group views: the legacy filter of `sonet_group.get` (platform.md §5.2.1), which
 * `socialnetwork.api.workgroup.list` shares (§6.1), the visibility predicate (§4.2), ordering, and
 * the three output shapes (§5.2.2, §6.1.2, §6.2.2).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { limitLiteral, rememberedRows } from '../store/prepared.js';
import type { PortalTime } from '../core/portalTime.js';
import { isPhpArray, toInt, toStr } from '../core/php.js';
import type { Caller } from '../core/call.js';
import type { Database } from '../store/schema.js';
import {
  FALSE,
  TRUE,
  and,
  containsCi,
  filterEntries,
  inList,
  likeCi,
  not,
  or,
  parseFilterKey,
  valueList,
  type Cond,
} from './filterKeys.js';
import { SUBJECT, type GroupRow, type Role } from './groups.js';
import { formattedName } from './users.js';

type FieldType = 'int' | 'string' | 'date';

interface GroupField {
  type: FieldType;
  expr: RawBuilder<unknown>;
}

const col = (name: string): RawBuilder<unknown> => sql`${sql.ref(`sonet_groups.${name}`)}`;

/** The derived TYPE (platform.md §3.3): scrum, else project, else group. */
const TYPE_EXPR: RawBuilder<unknown> = sql`(case when coalesce(${sql.ref('sonet_groups.scrum_master_id')}, 0) > 0 then 'scrum' when ${sql.ref('sonet_groups.project')} = 'Y' then 'project' else 'group' end)`;

/** Filter fields of `sonet_group.get` (platform.md §5.2.1), IS_EXTRANET aside. */
const LEGACY_FIELDS: Record<string, GroupField> = {
  ID: { type: 'int', expr: col('id') },
  NAME: { type: 'string', expr: col('name') },
  DESCRIPTION: { type: 'string', expr: col('description') },
  OWNER_ID: { type: 'int', expr: col('owner_id') },
  SUBJECT_ID: { type: 'int', expr: col('subject_id') },
  ACTIVE: { type: 'string', expr: col('active') },
  VISIBLE: { type: 'string', expr: col('visible') },
  OPENED: { type: 'string', expr: col('opened') },
  CLOSED: { type: 'string', expr: col('closed') },
  PROJECT: { type: 'string', expr: col('project') },
  KEYWORDS: { type: 'string', expr: col('keywords') },
  DATE_CREATE: { type: 'date', expr: col('date_create') },
  DATE_UPDATE: { type: 'date', expr: col('date_update') },
  DATE_ACTIVITY: { type: 'date', expr: col('date_activity') },
  NUMBER_OF_MEMBERS: { type: 'int', expr: col('number_of_members') },
  SITE_ID: { type: 'string', expr: col('site_id') },
  SCRUM_MASTER_ID: { type: 'int', expr: col('scrum_master_id') },
  SCRUM_OWNER_ID: { type: 'int', expr: col('scrum_owner_id') },
};

/** `workgroup.list` filters over the whole group entity (its selectable fields). */
const WORKGROUP_FIELDS: Record<string, GroupField> = {
  ...LEGACY_FIELDS,
  LANDING: { type: 'string', expr: col('landing') },
  IMAGE_ID: { type: 'int', expr: sql`cast(null as integer)` },
  AVATAR_TYPE: { type: 'string', expr: col('avatar_type') },
  NUMBER_OF_MODERATORS: { type: 'int', expr: col('number_of_moderators') },
  INITIATE_PERMS: { type: 'string', expr: col('initiate_perms') },
  PROJECT_DATE_START: { type: 'date', expr: col('project_date_start') },
  PROJECT_DATE_FINISH: { type: 'date', expr: col('project_date_finish') },
  SCRUM_SPRINT_DURATION: { type: 'int', expr: col('scrum_sprint_duration') },
  SCRUM_TASK_RESPONSIBLE: { type: 'string', expr: col('scrum_task_responsible') },
  TYPE: { type: 'string', expr: TYPE_EXPR },
};

const LEGACY_OPS = new Set(['', '=', '!', '!=', '<', '<=', '>', '>=', '><', '!><', '%', '!%', '?']);
/** The ORM's LIKE-with-own-wildcards operators, accepted by `workgroup.list` (§6.1.1). */
const LIKE_OPS = new Set(['=%', '%=', '!=%', '!%=']);

export type GroupFilterDialect = 'legacy' | 'workgroup';

export interface FilterContext {
  time: PortalTime;
  now: number;
}

/** A positive condition and whether it matches rows where the field is NULL. */
interface Positive {
  cond: Cond;
  matchesNull: boolean;
}

function isNull(e: RawBuilder<unknown>): Cond {
  return sql`${e} is null`;
}

/** Converts a filter value for the field type; undefined when it cannot be used (an unreadable date). */
function convert(type: FieldType, v: unknown, fc: FilterContext): number | string | undefined {
  if (type === 'int') return toInt(v);
  if (type === 'string') return toStr(v);
  if (typeof v === 'number') return Math.trunc(v);
  const s = toStr(v);
  return fc.time.parseDateString(s, fc.now) ?? undefined;
}

function textOf(f: GroupField): RawBuilder<unknown> {
  return f.type === 'string' ? f.expr : sql`cast(${f.expr} as text)`;
}

/**
 * One legacy comparison, with the reference's empty-value rule: an integer 0 or an empty string
 * compared with an operator containing `=` (none counts as `=`) also matches NULL.
 */
function compare(f: GroupField, op: '=' | '<' | '<=' | '>' | '>=', v: unknown, fc: FilterContext): Positive | null {
  const val = convert(f.type, v, fc);
  const withEq = op.includes('=');
  if (f.type === 'date') {
    if (toStr(v) === '' && op === '=') return { cond: isNull(f.expr), matchesNull: true };
    if (val === undefined) return null;
    return { cond: sql`${f.expr} ${sql.raw(op)} ${val}`, matchesNull: false };
  }
  if (f.type === 'int' && val === 0 && withEq) {
    return { cond: or([isNull(f.expr), sql`${f.expr} ${sql.raw(op)} ${0}`]), matchesNull: true };
  }
  if (f.type === 'string' && val === '' && withEq) {
    return { cond: or([isNull(f.expr), sql`length(${f.expr}) = 0`]), matchesNull: true };
  }
  return { cond: sql`${f.expr} ${sql.raw(op)} ${val}`, matchesNull: false };
}

function positiveCond(f: GroupField, base: string, v: unknown, fc: FilterContext): Positive | null {
  switch (base) {
    case '':
    case '=': {
      if (isPhpArray(v)) {
        const vals = valueList(v)
          .map((x) => convert(f.type, x, fc))
          .filter((x): x is number | string => x !== undefined);
        return { cond: inList(f.expr, vals), matchesNull: false };
      }
      return compare(f, '=', v, fc);
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return isPhpArray(v) ? null : compare(f, base, v, fc);
    case '><': {
      const vals = valueList(v);
      if (!isPhpArray(v) || vals.length < 2) return null;
      const a = convert(f.type, vals[0], fc);
      const b = convert(f.type, vals[1], fc);
      if (a === undefined || b === undefined) return null;
      return { cond: sql`${f.expr} between ${a} and ${b}`, matchesNull: false };
    }
    case '%':
    case '?':
      if (f.type === 'date' || isPhpArray(v)) return null;
      return { cond: containsCi(textOf(f), toStr(v)), matchesNull: false };
    case '=%':
    case '%=':
      if (f.type === 'date' || isPhpArray(v)) return null;
      return { cond: likeCi(textOf(f), toStr(v)), matchesNull: false };
    default:
      return null;
  }
}

/** The SQL condition of a group filter map; keys with unknown operators or fields are dropped. */
export function groupFilterCondition(filter: unknown, dialect: GroupFilterDialect, fc: FilterContext): Cond {
  const fields = dialect === 'legacy' ? LEGACY_FIELDS : WORKGROUP_FIELDS;
  const conds: Cond[] = [];
  for (const [key, value] of filterEntries(filter)) {
    const { op, field } = parseFilterKey(key);
    if (!LEGACY_OPS.has(op) && !(dialect === 'workgroup' && LIKE_OPS.has(op))) continue;
    if (field === 'IS_EXTRANET') {
      // No extranet locally: "Y" asks for extranet groups only, which matches nothing.
      if ((op === '' || op === '=') && toStr(value) === 'Y') conds.push(FALSE);
      continue;
    }
    const f = Object.prototype.hasOwnProperty.call(fields, field) ? fields[field] : undefined;
    if (!f) continue; // unknown fields, and CHECK_PERMISSIONS, are ignored
    const negative = op.startsWith('!');
    const base = negative ? op.slice(1) : op;
    const p = positiveCond(f, base, value, fc);
    if (!p) continue;
    if (!negative) conds.push(p.cond);
    else conds.push(p.matchesNull ? not(p.cond) : or([isNull(f.expr), not(p.cond)]));
  }
  return and(conds);
}

/** The visibility predicate (platform.md §4.2): visible, or the user is an owner, moderator or member. */
export function visibleTo(userId: number): Cond {
  return sql`(${sql.ref('sonet_groups.visible')} = 'Y' or ${sql.ref('sonet_groups.id')} in (select ${sql.ref('group_members.group_id')} from ${sql.table('group_members')} where ${sql.ref('group_members.user_id')} = ${userId} and ${sql.ref('group_members.role')} in ('A', 'E', 'K')))`;
}

export type Direction = 'asc' | 'desc';
export interface OrderItem {
  field: string;
  dir: Direction;
}

/** Fields `sonet_group.get` can order by; others are ignored. */
export function isLegacyOrderField(field: string): boolean {
  return Object.prototype.hasOwnProperty.call(LEGACY_FIELDS, field);
}

/** Fields `workgroup.list` can order by (its selectable fields). */
export function isWorkgroupOrderField(field: string): boolean {
  return field === 'AVATAR' || Object.prototype.hasOwnProperty.call(WORKGROUP_FIELDS, field);
}

function orderExpr(field: string): RawBuilder<unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(WORKGROUP_FIELDS, field) ? WORKGROUP_FIELDS[field]!.expr : undefined;
}

export interface GroupListQuery {
  where: Cond;
  order: OrderItem[];
  offset: number;
  limit: number;
}

/** One page of groups; the order ends with the id so pages are stable. NULLs sort as MySQL sorts them. */
export async function selectGroups(db: Kysely<Database>, q: GroupListQuery): Promise<GroupRow[]> {
  let query = db.selectFrom('sonet_groups').selectAll().where(q.where);
  let hasId = false;
  for (const o of q.order) {
    const e = orderExpr(o.field);
    if (!e) continue;
    if (o.field === 'ID') hasId = true;
    query = query.orderBy(sql`${e} ${sql.raw(o.dir === 'asc' ? 'asc nulls first' : 'desc nulls last')}`);
  }
  if (!hasId) query = query.orderBy(sql`${sql.ref('sonet_groups.id')} asc`);
  return query.limit(limitLiteral(q.limit)).offset(q.offset).execute();
}

export async function countGroups(db: Kysely<Database>, where: Cond): Promise<number> {
  const [r] = await rememberedRows(db, db.selectFrom('sonet_groups').select(sql<number>`count(*)`.as('n')).where(where));
  return Number(r?.n ?? 0);
}

/** A group the caller may see: admins see every group, others visible groups and their own (§4.1). */
export async function findGroupFor(db: Kysely<Database>, caller: Caller, groupId: number): Promise<GroupRow | undefined> {
  if (!Number.isSafeInteger(groupId) || groupId <= 0) return undefined;
  const where = caller.isAdmin ? TRUE : visibleTo(caller.userId);
  return db
    .selectFrom('sonet_groups')
    .selectAll()
    .where(and([sql`${sql.ref('sonet_groups.id')} = ${groupId}`, where]))
    .executeTakeFirst();
}

export function groupType(g: Pick<GroupRow, 'scrum_master_id' | 'project'>): 'scrum' | 'project' | 'group' {
  if ((g.scrum_master_id ?? 0) > 0) return 'scrum';
  return g.project === 'Y' ? 'project' : 'group';
}

const strOrNull = (v: number | string | null): string | null => (v === null ? null : String(v));

/** An element of `sonet_group.get` (platform.md §5.2.2): exactly these keys, in this order, strings. */
export function legacyGroupRecord(g: GroupRow, time: PortalTime): Record<string, string | null> {
  return {
    ID: String(g.id),
    SITE_ID: g.site_id,
    NAME: g.name,
    DESCRIPTION: g.description,
    DATE_CREATE: time.iso(g.date_create),
    DATE_UPDATE: time.iso(g.date_update),
    ACTIVE: g.active,
    VISIBLE: g.visible,
    OPENED: g.opened,
    CLOSED: g.closed,
    SUBJECT_ID: String(g.subject_id),
    OWNER_ID: String(g.owner_id),
    KEYWORDS: g.keywords,
    NUMBER_OF_MEMBERS: String(g.number_of_members),
    DATE_ACTIVITY: time.iso(g.date_activity),
    SUBJECT_NAME: SUBJECT.name,
    PROJECT: g.project,
  };
}

/** Fields `workgroup.list` can select (platform.md §6.1.1), in the reference's order. */
export const WORKGROUP_SELECTABLE = [
  'ID', 'ACTIVE', 'SUBJECT_ID', 'NAME', 'DESCRIPTION', 'KEYWORDS', 'CLOSED', 'VISIBLE', 'OPENED', 'PROJECT', 'LANDING',
  'DATE_CREATE', 'DATE_UPDATE', 'DATE_ACTIVITY', 'IMAGE_ID', 'AVATAR_TYPE', 'OWNER_ID', 'NUMBER_OF_MEMBERS',
  'NUMBER_OF_MODERATORS', 'INITIATE_PERMS', 'PROJECT_DATE_START', 'PROJECT_DATE_FINISH', 'SCRUM_OWNER_ID',
  'SCRUM_MASTER_ID', 'SCRUM_SPRINT_DURATION', 'SCRUM_TASK_RESPONSIBLE', 'TYPE', 'AVATAR',
] as const;

/** `SCRUM_MASTER_ID` → `scrumMasterId`. */
export function lowerCamel(upper: string): string {
  return upper
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}

/** A field's value as `workgroup.list` reports it: strings, ISO dates, null when unset. */
function listValue(g: GroupRow, field: string, time: PortalTime): string | null {
  const date = (v: number | null) => (v === null ? null : time.iso(v));
  switch (field) {
    case 'ID': return String(g.id);
    case 'ACTIVE': return g.active;
    case 'SUBJECT_ID': return String(g.subject_id);
    case 'NAME': return g.name;
    case 'DESCRIPTION': return g.description;
    case 'KEYWORDS': return g.keywords;
    case 'CLOSED': return g.closed;
    case 'VISIBLE': return g.visible;
    case 'OPENED': return g.opened;
    case 'PROJECT': return g.project;
    case 'LANDING': return g.landing;
    case 'DATE_CREATE': return date(g.date_create);
    case 'DATE_UPDATE': return date(g.date_update);
    case 'DATE_ACTIVITY': return date(g.date_activity);
    case 'IMAGE_ID': return null;
    case 'AVATAR_TYPE': return g.avatar_type;
    case 'OWNER_ID': return String(g.owner_id);
    case 'NUMBER_OF_MEMBERS': return String(g.number_of_members);
    case 'NUMBER_OF_MODERATORS': return String(g.number_of_moderators);
    case 'INITIATE_PERMS': return g.initiate_perms;
    case 'PROJECT_DATE_START': return date(g.project_date_start);
    case 'PROJECT_DATE_FINISH': return date(g.project_date_finish);
    case 'SCRUM_OWNER_ID': return strOrNull(g.scrum_owner_id);
    case 'SCRUM_MASTER_ID': return strOrNull(g.scrum_master_id);
    case 'SCRUM_SPRINT_DURATION': return strOrNull(g.scrum_sprint_duration);
    case 'SCRUM_TASK_RESPONSIBLE': return g.scrum_task_responsible;
    case 'TYPE': return groupType(g);
    case 'AVATAR': return '';
    default: return null;
  }
}

/** An element of `workgroup.list` (platform.md §6.1.2): the selected fields, lowerCamel keys. */
export function workgroupListRecord(g: GroupRow, select: readonly string[], time: PortalTime): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of select) out[lowerCamel(f)] = listValue(g, f, time);
  return out;
}

export interface Relation {
  role: Role;
  initiatedByType: string;
  autoMember: string;
}

export async function relationOf(db: Kysely<Database>, groupId: number, userId: number): Promise<Relation | null> {
  const r = await db
    .selectFrom('group_members')
    .select(['role', 'initiated_by_type', 'auto_member'])
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r ? { role: r.role as Role, initiatedByType: r.initiated_by_type, autoMember: r.auto_member } : null;
}

/** Relations of one caller with many groups (for `additionalData` of a list page). */
export async function relationsOf(db: Kysely<Database>, groupIds: readonly number[], userId: number): Promise<Map<number, Relation>> {
  const out = new Map<number, Relation>();
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('group_members')
    .select(['group_id', 'role', 'initiated_by_type', 'auto_member'])
    .where('group_id', 'in', [...groupIds])
    .where('user_id', '=', userId)
    .execute();
  for (const r of rows) out.set(r.group_id, { role: r.role as Role, initiatedByType: r.initiated_by_type, autoMember: r.auto_member });
  return out;
}

const isMemberRole = (r: Relation | null): boolean => r !== null && (r.role === 'A' || r.role === 'E' || r.role === 'K');

/** English plural form index (`Loc::getPluralForm` for `en`): 0 for one, 1 otherwise. */
export function pluralForm(n: number): number {
  return n === 1 ? 0 : 1;
}

/** The comma-separated entries of KEYWORDS, trimmed, empty ones dropped. */
function keywordList(keywords: string | null): string[] {
  return (keywords ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/**
 * The group's tags (platform.md §6.2.2): the tag table `sonet_group.create`/`update` rebuild from
 * KEYWORDS whenever it is passed — its entries lower-cased, without repetitions — read in the table
 * key's order: ascending by name (`unverified:` the database collation's order; here code points).
 * The stored KEYWORDS is what the table was last rebuilt from, so the tags are derived from it.
 */
export function groupTags(keywords: string | null): string[] {
  const set = new Set(keywordList(keywords).map((t) => t.toLowerCase()));
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** ROT13 over A–Z/a–z, everything else unchanged (PHP's str_rot13). */
function rot13(s: string): string {
  return s.replace(/[A-Za-z]/g, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/**
 * SEARCH_INDEX (platform.md §6.2.2): NAME; DESCRIPTION if non-empty; `<kw> #<kw>` for each keyword;
 * the owner's formatted name — joined by spaces, ROT13-encoded (the form the reference stores). The
 * reference writes it on create, update and setowner; it is computed here from the same fields when
 * read (`unverified:` difference: renaming the owner shows here at once, in the reference only after
 * the group's next update).
 */
export function searchIndex(g: Pick<GroupRow, 'name' | 'description' | 'keywords'>, ownerName: string): string {
  const parts = [g.name];
  if (g.description) parts.push(g.description);
  const kws = keywordList(g.keywords);
  if (kws.length > 0) parts.push(kws.map((k) => `${k} #${k}`).join(' '));
  if (ownerName !== '') parts.push(ownerName);
  return rot13(parts.join(' '));
}

export interface WorkgroupView {
  select: readonly unknown[];
  mobile: boolean;
}

/**
 * The object of `socialnetwork.api.workgroup.get` (platform.md §6.2.2): UPPER_CASE keys, integers for
 * ids and counters, `DATE_*` in site format, the member lists, then the selected blocks.
 */
export async function workgroupRecord(
  db: Kysely<Database>,
  g: GroupRow,
  caller: Caller,
  view: WorkgroupView,
  time: PortalTime,
): Promise<Record<string, unknown>> {
  const siteDate = (v: number | null) => (v === null ? null : time.site(v));
  // Every relation counts, deactivated users included (the reference's group registry, §6.2.2).
  const members = await db
    .selectFrom('group_members')
    .select(['group_members.user_id', 'group_members.role'])
    .where('group_members.group_id', '=', g.id)
    .orderBy('group_members.id', 'asc')
    .execute();
  const owner = await db.selectFrom('users').select(['name', 'last_name', 'email']).where('id', '=', g.owner_id).executeTakeFirst();
  const out: Record<string, unknown> = {
    ID: g.id,
    ACTIVE: g.active,
    SITE_ID: g.site_id,
    SUBJECT_ID: g.subject_id,
    NAME: g.name,
    DESCRIPTION: g.description,
    KEYWORDS: g.keywords,
    CLOSED: g.closed,
    VISIBLE: g.visible,
    OPENED: g.opened,
    DATE_CREATE: siteDate(g.date_create),
    DATE_UPDATE: siteDate(g.date_update),
    DATE_ACTIVITY: siteDate(g.date_activity),
    IMAGE_ID: null,
    AVATAR_TYPE: g.avatar_type,
    OWNER_ID: g.owner_id,
    INITIATE_PERMS: g.initiate_perms,
    NUMBER_OF_MEMBERS: g.number_of_members,
    NUMBER_OF_MODERATORS: g.number_of_moderators,
    PROJECT: g.project,
    PROJECT_DATE_START: siteDate(g.project_date_start),
    PROJECT_DATE_FINISH: siteDate(g.project_date_finish),
    SEARCH_INDEX: searchIndex(g, owner ? formattedName(owner) : ''),
    LANDING: g.landing,
    SCRUM_OWNER_ID: g.scrum_owner_id,
    SCRUM_MASTER_ID: g.scrum_master_id,
    SCRUM_SPRINT_DURATION: g.scrum_sprint_duration,
    SCRUM_TASK_RESPONSIBLE: g.scrum_task_responsible,
    TYPE: groupType(g),
    MEMBERS: members.filter((m) => m.role === 'A' || m.role === 'E' || m.role === 'K').map((m) => m.user_id),
    ORDINARY_MEMBERS: members.filter((m) => m.role === 'K').map((m) => m.user_id),
    MODERATOR_MEMBERS: members.filter((m) => m.role === 'E').map((m) => m.user_id),
    // every pending relation: invitations and requests alike
    INVITED_MEMBERS: members.filter((m) => m.role === 'Z').map((m) => m.user_id),
    SITE_IDS: [g.site_id],
  };

  const selected = (block: string) => view.select.includes(block);
  const needsRelation = selected('ACTIONS') || selected('USER_DATA') || view.mobile;
  const rel = needsRelation ? await relationOf(db, g.id, caller.userId) : null;
  if (selected('AVATAR')) out.AVATAR = '';
  if (selected('OWNER_DATA')) {
    out.OWNER_DATA = { ID: g.owner_id, PHOTO: null, FORMATTED_NAME: owner ? formattedName(owner) : '' };
  }
  if (selected('SUBJECT_DATA')) out.SUBJECT_DATA = { ID: g.subject_id, NAME: SUBJECT.name };
  if (selected('TAGS')) out.TAGS = groupTags(g.keywords);
  if (selected('ACTIONS')) {
    const member = isMemberRole(rel);
    const isScrumMaster = (g.scrum_master_id ?? 0) > 0 && g.scrum_master_id === caller.userId;
    const canModify = caller.isAdmin || rel?.role === 'A' || (g.project === 'Y' && isScrumMaster && member);
    const roleRank = (r: string) => ['A', 'E', 'K'].indexOf(r);
    const canInitiate = caller.isAdmin || (member && roleRank(rel!.role) <= roleRank(g.initiate_perms));
    out.ACTIONS = {
      EDIT: canModify,
      DELETE: canModify,
      INVITE: canInitiate,
      JOIN: !member && rel === null,
      LEAVE: member && rel!.autoMember !== 'Y' && rel!.role !== 'A' && !isScrumMaster,
    };
  }
  if (selected('USER_DATA')) {
    out.USER_DATA = { ROLE: rel?.role ?? null, INITIATED_BY_TYPE: rel?.initiatedByType ?? null };
  }
  if (selected('DEPARTMENTS')) out.DEPARTMENTS = [];
  if (g.number_of_members !== 0) out.NUMBER_OF_MEMBERS_PLURAL = pluralForm(g.number_of_members);
  if (view.mobile) out.ADDITIONAL_DATA = { ROLE: rel?.role ?? '', INITIATED_BY_TYPE: rel?.initiatedByType ?? '' };
  return out;
}
