/**
 * socialnetwork.api.workgroup.list / .get (platform.md §6): controller family — exact lowerCamel
 * top-level names bound by the controller rules, code-string errors, HTTP 400.
 */
import { sql } from 'kysely';
import { bindParams } from '../protocol/binding.js';
import { RestError, methodError } from '../core/errors.js';
import { isPhpArray, own, phpValues, toInt, toStr, type PhpMap } from '../core/php.js';
import { family } from '../protocol/registry.js';
import { LIST_LIMIT, Page } from '../core/call.js';
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
    if (!isWorkgroupOrderField(field)) throw methodError(`Unknown field definition {${field}}`);
    return { field, dir: toStr(dir).toUpperCase() === 'DESC' ? 'desc' : 'asc' };
  });
}

export const workgroupMethods = family(['socialnetwork'], {
  'socialnetwork.api.workgroup.list': async (ctx) => {
    const b = bindParams(ctx.params, [
      { name: 'filter', type: 'array', default: {} },
      { name: 'select', type: 'array', default: [] },
      { name: 'order', type: 'array', default: {} },
      { name: 'params', type: 'array', default: {} },
    ]);
    const params = b.params as PhpMap;
    const select = workgroupSelect(b.select);
    const order = workgroupOrder(b.order);
    const db = ctx.app.store.db;
    const unrestricted = own(params, 'IS_ADMIN') === 'Y' && ctx.caller.isAdmin;
    const siteId = own(params, 'siteId') === undefined ? 's1' : toStr(own(params, 'siteId'));
    const where = and([
      groupFilterCondition(b.filter, 'workgroup', { time: ctx.app.time, now: ctx.now }),
      unrestricted ? TRUE : visibleTo(ctx.caller.userId),
      sql`${sql.ref('sonet_groups.site_id')} = ${siteId}`,
    ]);
    const counting = ctx.start !== -1;
    const offset = counting && ctx.start > 0 ? Math.floor(ctx.start / LIST_LIMIT) * LIST_LIMIT : 0;
    const rows = await selectGroups(db, { where, order, offset, limit: LIST_LIMIT });
    const mobile = own(params, 'mode') === 'mobile';
    const dialog = own(params, 'shouldSelectDialogId') === 'Y';
    const relations = mobile ? await relationsOf(db, rows.map((g) => g.id), ctx.caller.userId) : undefined;
    const workgroups = rows.map((g) => {
      const item = workgroupListRecord(g, select, ctx.app.time);
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
  },

  'socialnetwork.api.workgroup.get': async (ctx) => {
    // The reference declares `array $params = []`: an absent `params` reaches the groupId check.
    const b = bindParams(ctx.params, [{ name: 'params', type: 'array', default: {} }]);
    const params = b.params as PhpMap;
    const groupId = toInt(own(params, 'groupId'));
    if (groupId <= 0) throw new RestError('SONET_CONTROLLER_WORKGROUP_EMPTY', 'Workgroup ID not passed.', 400);
    const db = ctx.app.store.db;
    const group = await findGroupFor(db, ctx.caller, groupId);
    if (!group) throw new RestError('SONET_CONTROLLER_WORKGROUP_NOT_FOUND', 'Workgroup was not found.', 400);
    const select = phpValues(own(params, 'select'));
    return workgroupRecord(db, group, ctx.caller, { select, mobile: own(params, 'mode') === 'mobile' }, ctx.app.time);
  },
});
