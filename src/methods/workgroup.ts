/**
 * socialnetwork.api.workgroup.list / .get (platform.md §6): controller family — exact lowerCamel
 * top-level names bound by the controller rules, code-string errors, HTTP 400.
 */
import { sql } from 'kysely';
import { Errors } from '../core/errors.js';
import { isPhpArray, own, phpValues, toInt, toStr, type PhpMap } from '../core/php.js';
import { method, param, type Call, type MethodSpec } from '../protocol/method.js';
import { LIST_LIMIT, Page } from '../core/call.js';
import { pageOffset } from '../core/paging.js';
import { TRUE, and } from '../domain/filterKeys.js';
import {
  WORKGROUP_SELECTABLE,
  countGroups,
  findGroupFor,
  groupFilterCondition,
  isWorkgroupOrderField,
  relationsOf,
  selectGroups,
  visibleTo,
  workgroupListRecord,
  workgroupRecord,
  type OrderItem,
} from '../domain/groupQuery.js';

const SELECTABLE = new Set<string>(WORKGROUP_SELECTABLE);

/**
 * `select` (platform.md §6.1.1, §6.1.2): default `["ID"]`; unknown names dropped; the listed fields
 * but `AVATAR` in their order, then `ID` when missing (as the reference appends it); `AVATAR` is no
 * column — the query reads `IMAGE_ID` and `AVATAR_TYPE` in its place — so with it come `IMAGE_ID` and
 * `AVATAR_TYPE` (unless listed already), then `AVATAR`.
 */
export function workgroupSelect(select: unknown): string[] {
  const names = phpValues(select).filter((v): v is string => typeof v === 'string' && SELECTABLE.has(v));
  const list = [...new Set(names.length === 0 ? ['ID'] : names)];
  const avatar = list.includes('AVATAR');
  const out = list.filter((n) => n !== 'AVATAR');
  if (!out.includes('ID')) out.push('ID');
  if (avatar) {
    for (const n of ['IMAGE_ID', 'AVATAR_TYPE']) if (!out.includes(n)) out.push(n);
    out.push('AVATAR');
  }
  return out;
}

/** `order`: `{FIELD: "ASC"|"DESC"}`; an unknown field is the ORM's error (platform.md §6.1.1). */
export function workgroupOrder(order: unknown): OrderItem[] {
  const entries = isPhpArray(order) ? Object.entries(order) : [];
  if (entries.length === 0) return [{ field: 'ID', dir: 'asc' }];
  return entries.map(([field, dir]) => {
    if (!isWorkgroupOrderField(field)) throw Errors.workgroup.unknownField(field);
    return { field, dir: toStr(dir).toUpperCase() === 'DESC' ? 'desc' : 'asc' };
  });
}

/** The `socialnetwork` scope; controller methods, so `methods` does not list them. */
const WORKGROUP = { scopes: ['socialnetwork'], listed: false } as const;

export const workgroupMethods: MethodSpec[] = [
  method({
    name: 'socialnetwork.api.workgroup.list',
    ...WORKGROUP,
    params: {
      filter: param.array({ default: {} }),
      select: param.array({ default: [] }),
      order: param.array({ default: {} }),
      params: param.array({ default: {} }),
    },
    handler: workgroupList,
  }),
  // The reference declares `array $params = []`: an absent `params` reaches the groupId check.
  method({ name: 'socialnetwork.api.workgroup.get', ...WORKGROUP, params: { params: param.array({ default: {} }) }, handler: workgroupGet }),
];

type ListArgs = { filter: PhpMap | unknown[]; select: PhpMap | unknown[]; order: PhpMap | unknown[]; params: PhpMap | unknown[] };

async function workgroupList(call: Call<ListArgs>) {
  const { params } = call.args;
  const select = workgroupSelect(call.args.select);
  const order = workgroupOrder(call.args.order);
  const db = call.db;
  const unrestricted = own(params, 'IS_ADMIN') === 'Y' && call.caller.isAdmin;
  const siteId = own(params, 'siteId') === undefined ? 's1' : toStr(own(params, 'siteId'));
  const where = and([
    groupFilterCondition(call.args.filter, 'workgroup', { time: call.app.time, now: call.now }),
    unrestricted ? TRUE : visibleTo(call.caller.userId),
    sql`${sql.ref('sonet_groups.site_id')} = ${siteId}`,
  ]);
  const counting = call.start !== -1;
  const offset = pageOffset(call.start);
  const rows = await selectGroups(db, { where, order, offset, limit: LIST_LIMIT });
  const mobile = own(params, 'mode') === 'mobile';
  const dialog = own(params, 'shouldSelectDialogId') === 'Y';
  const relations = mobile ? await relationsOf(db, rows.map((g) => g.id), call.caller.userId) : undefined;
  const workgroups = rows.map((g) => {
    const item = workgroupListRecord(g, select, call.app.time);
    if (relations) {
      const rel = relations.get(g.id);
      item.additionalData = { role: rel?.role ?? '', initiatedByType: rel?.initiatedByType ?? '' };
    }
    if (dialog) item.dialogId = '';
    return item;
  });
  if (!counting) return new Page({ workgroups });
  const total = await countGroups(db, where);
  return new Page({ workgroups }, offset + LIST_LIMIT < total ? offset + LIST_LIMIT : undefined, total);
}

async function workgroupGet(call: Call<{ params: PhpMap | unknown[] }>) {
  const { params } = call.args;
  const groupId = toInt(own(params, 'groupId'));
  if (groupId <= 0) throw Errors.workgroup.idMissing();
  const group = await findGroupFor(call.db, call.caller, groupId);
  if (!group) throw Errors.workgroup.notFound();
  const select = phpValues(own(params, 'select'));
  return workgroupRecord(call.db, group, call.caller, { select, mobile: own(params, 'mode') === 'mobile' }, call.app.time);
}
