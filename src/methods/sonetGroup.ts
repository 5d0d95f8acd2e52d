/** sonet_group.* (platform.md §5): legacy-sonet family — exact UPPER_CASE parameter names, `"error": ""`. */
import { RestError } from '../core/errors.js';
import { isPhpArray, own, toInt, toStr, type PhpMap } from '../core/php.js';
import { family, type CallContext } from '../protocol/registry.js';
import { LIST_LIMIT, Page } from '../core/call.js';
import {
  GroupValidationError,
  activeMemberRelations,
  canModifyGroup,
  createGroup,
  deleteGroup,
  getGroup,
  insertMember,
  memberGroupsOf,
  recountMembers,
  removeMembers,
  setGroupOwner,
  setMemberRoles,
  updateGroup,
  type GroupFields,
} from '../domain/groups.js';
import { canPerformFeature, isFeatureOperation, isGroupFeature } from '../domain/groupFeatures.js';
import {
  countGroups,
  findGroupFor,
  groupFilterCondition,
  isLegacyOrderField,
  legacyGroupRecord,
  selectGroups,
  visibleTo,
  type OrderItem,
} from '../domain/groupQuery.js';
import { TRUE, and } from '../domain/filterKeys.js';
import { getUser, userExists } from '../domain/users.js';
import { departmentsOf } from '../domain/userQuery.js';
import { inTransaction } from './transaction.js';

/** A method's own failure in this family: `"error": ""`, HTTP 400. */
export function sonetError(description: string): RestError {
  return new RestError('', description, 400);
}

function yn(v: unknown, fallback: 'Y' | 'N'): string {
  return v === 'Y' || v === 'N' ? v : fallback;
}

function optionalInt(p: PhpMap, key: string): number | null | undefined {
  const v = own(p, key);
  if (v === undefined) return undefined;
  const n = toInt(v);
  return n > 0 ? n : null;
}

function optionalStr(p: PhpMap, key: string): string | null | undefined {
  const v = own(p, key);
  if (v === undefined) return undefined;
  return v === null ? null : toStr(v);
}

/** Group fields as top-level parameters; `~`/`=`-prefixed names are never read (platform.md §5.1.1). */
export function readGroupFields(ctx: CallContext, mode: 'create' | 'update'): GroupFields {
  const p = ctx.params;
  const f: GroupFields = {};
  const name = own(p, 'NAME');
  if (name !== undefined) f.name = toStr(name);
  const description = optionalStr(p, 'DESCRIPTION');
  if (description !== undefined) f.description = description;
  const keywords = optionalStr(p, 'KEYWORDS');
  if (keywords !== undefined) f.keywords = keywords;
  if (own(p, 'VISIBLE') !== undefined || mode === 'create') f.visible = yn(own(p, 'VISIBLE'), 'Y');
  if (own(p, 'OPENED') !== undefined || mode === 'create') f.opened = yn(own(p, 'OPENED'), 'N');
  if (own(p, 'CLOSED') !== undefined || mode === 'create') f.closed = yn(own(p, 'CLOSED'), 'N');
  if (own(p, 'PROJECT') !== undefined || mode === 'create') f.project = yn(own(p, 'PROJECT'), 'N');
  if (own(p, 'LANDING') !== undefined) f.landing = yn(own(p, 'LANDING'), 'N');
  const initiate = own(p, 'INITIATE_PERMS');
  if (mode === 'create') f.initiatePerms = initiate === 'A' || initiate === 'E' || initiate === 'K' ? initiate : 'K';
  else if (initiate !== undefined) f.initiatePerms = toStr(initiate);
  const spam = own(p, 'SPAM_PERMS');
  if (mode === 'create') f.spamPerms = typeof spam === 'string' && spam !== '' ? spam : 'A';
  else if (spam !== undefined) f.spamPerms = toStr(spam);
  for (const [key, prop] of [
    ['SCRUM_MASTER_ID', 'scrumMasterId'],
    ['SCRUM_OWNER_ID', 'scrumOwnerId'],
    ['SCRUM_SPRINT_DURATION', 'scrumSprintDuration'],
  ] as const) {
    const v = optionalInt(p, key);
    if (v !== undefined) f[prop] = v;
  }
  const resp = optionalStr(p, 'SCRUM_TASK_RESPONSIBLE');
  if (resp !== undefined) f.scrumTaskResponsible = resp === '' ? null : resp;
  for (const [key, prop] of [
    ['PROJECT_DATE_START', 'projectDateStart'],
    ['PROJECT_DATE_FINISH', 'projectDateFinish'],
  ] as const) {
    const v = own(p, key);
    if (v !== undefined) f[prop] = typeof v === 'string' ? ctx.app.time.parseDateString(v, ctx.now) : null;
  }
  const subject = own(p, 'SUBJECT_ID');
  // Create defaults SUBJECT_ID ≤ 0 to the first subject; update checks whatever was passed (§5.1.3).
  if (subject !== undefined && (mode === 'update' || toInt(subject) > 0)) f.subjectId = toInt(subject);
  if (mode === 'update') {
    const owner = own(p, 'OWNER_ID');
    if (owner !== undefined) f.ownerId = toInt(owner);
    if (own(p, 'ACTIVE') !== undefined) f.active = yn(own(p, 'ACTIVE'), 'Y');
  }
  const site = own(p, 'SITE_ID');
  if (typeof site === 'string' && site !== '') f.siteId = site;
  else if (isPhpArray(site)) {
    // Every entry must be a known site; the first unknown one is reported (ERROR_NO_SITE, §5.1.3).
    const sites = Object.values(site).map((x) => toStr(x));
    if (sites.length > 0) f.siteId = sites.find((x) => x !== 's1') ?? 's1';
  }
  const avatar = own(p, 'AVATAR_TYPE');
  if (typeof avatar === 'string' && AVATAR_TYPES.includes(avatar)) f.avatarType = avatar;
  return f;
}

/** The predefined avatar codes a group may name. */
export const AVATAR_TYPES = ['folder', 'checks', 'pie', 'bag', 'members', 'chat', 'calendar', 'briefcase', 'disk', 'landing'];

export function validationToRest(e: unknown): never {
  if (e instanceof GroupValidationError) throw new RestError(e.code, e.message, 400);
  throw e;
}

export const sonetGroupMethods = family(['sonet_group'], {
  'sonet_group.create': async (ctx) => {
    // The right to create groups: administrators and every active employee (§5.1.2, §13.2).
    if (!ctx.caller.isAdmin) {
      const me = await getUser(ctx.app.store.db, ctx.caller.userId);
      if (!me || me.active !== 'Y' || departmentsOf(me).length === 0) throw sonetError('You have no permissions to create a group');
    }
    const fields = readGroupFields(ctx, 'create');
    const requestedOwner = toInt(own(ctx.params, 'OWNER_ID'));
    // OWNER_ID is honoured for administrators only; everyone else becomes the owner (§5.1.1).
    const ownerId = ctx.caller.isAdmin && requestedOwner > 0 ? requestedOwner : ctx.caller.userId;
    try {
      return await inTransaction(ctx, (db) => createGroup(db, { ...fields, ownerId }, ctx.now));
    } catch (e) {
      if (e instanceof GroupValidationError || e instanceof RestError) validationToRest(e);
      ctx.app.log.error({ err: e }, 'sonet_group.create failed');
      throw sonetError('Cannot create group');
    }
  },

  'sonet_group.get': async (ctx) => {
    const p = ctx.params;
    const db = ctx.app.store.db;
    let filter: PhpMap = {};
    const rawFilter = own(p, 'FILTER');
    if (isPhpArray(rawFilter)) filter = { ...rawFilter };
    const groupId = toInt(own(p, 'GROUP_ID'));
    if (groupId > 0) filter.ID = groupId;
    const rawOrder = own(p, 'ORDER');
    const order: OrderItem[] = isPhpArray(rawOrder)
      ? Object.entries(rawOrder)
          .filter(([field]) => isLegacyOrderField(field))
          .map(([field, dir]) => ({ field, dir: toStr(dir).toUpperCase() === 'ASC' ? 'asc' : 'desc' }))
      : [{ field: 'ID', dir: 'desc' }];
    // IS_ADMIN=Y lifts the visibility filter for administrators only (§5.2.1).
    const unrestricted = own(p, 'IS_ADMIN') === 'Y' && ctx.caller.isAdmin;
    const where = and([
      groupFilterCondition(filter, 'legacy', { time: ctx.app.time, now: ctx.now }),
      unrestricted ? TRUE : visibleTo(ctx.caller.userId),
    ]);
    const page = (rows: Awaited<ReturnType<typeof selectGroups>>) => rows.map((g) => legacyGroupRecord(g, ctx.app.time));
    if (ctx.start < 0) {
      // "Do not count": the first page, no next, no total (§2.4).
      return new Page(page(await selectGroups(db, { where, order, offset: 0, limit: LIST_LIMIT })));
    }
    const total = await countGroups(db, where);
    let offset = Math.floor(ctx.start / LIST_LIMIT) * LIST_LIMIT;
    // The reference's paging helper answers a page beyond the last one with page 1.
    if (offset >= total) offset = 0;
    const rows = await selectGroups(db, { where, order, offset, limit: LIST_LIMIT });
    const next = offset + LIST_LIMIT < total ? offset + LIST_LIMIT : undefined;
    return new Page(page(rows), next, total);
  },

  'sonet_group.user.get': async (ctx) => {
    const groupId = toInt(own(ctx.params, 'ID'));
    if (groupId <= 0) throw sonetError('Wrong socialnetwork group ID');
    const db = ctx.app.store.db;
    const group = await findGroupFor(db, ctx.caller, groupId);
    if (!group) throw sonetError('Socialnetwork group not found');
    const members = await activeMemberRelations(db, groupId);
    return members.map((m) => ({ USER_ID: String(m.userId), ROLE: m.role }));
  },

  'sonet_group.user.update': (ctx) => {
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    if (groupId <= 0) throw sonetError('Wrong group ID');
    if (!ctx.caller.isAdmin) throw sonetError('No permissions to update users role');
    const role = own(ctx.params, 'ROLE');
    if (role !== 'E' && role !== 'K') throw sonetError('Incorrect role code');
    const ids = userIdList(own(ctx.params, 'USER_ID'));
    if (ids.length === 0) throw sonetError('Wrong user IDs');
    return inTransaction(ctx, async (db) => {
      if (!(await getGroup(db, groupId))) throw sonetError('Socialnetwork group not found');
      const updated = await setMemberRoles(db, groupId, ids, role, ctx.now);
      return updated.map((id) => String(id));
    });
  },

  'sonet_group.user.add': (ctx) => {
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    if (groupId <= 0) throw sonetError('Wrong group ID');
    if (!ctx.caller.isAdmin) throw sonetError('No permissions to add users');
    const ids = userIdList(own(ctx.params, 'USER_ID'));
    if (ids.length === 0) throw sonetError('Wrong user IDs');
    return inTransaction(ctx, async (db) => {
      const group = await getGroup(db, groupId);
      if (!group) throw sonetError('Socialnetwork group not found');
      const existing = await db.selectFrom('users').select('id').where('id', 'in', ids).execute();
      const known = new Set(existing.map((r) => r.id));
      const related = await db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).execute();
      const skip = new Set(related.map((r) => r.user_id));
      const added: string[] = [];
      for (const id of ids) {
        if (!known.has(id) || skip.has(id)) continue;
        await insertMember(db, { groupId, userId: id, role: 'K', initiatedByType: 'G', initiatedBy: group.owner_id }, ctx.now);
        added.push(String(id));
      }
      if (added.length > 0) await recountMembers(db, groupId);
      return added;
    });
  },

  'sonet_group.update': async (ctx) => {
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    if (groupId <= 0) throw sonetError('Wrong group ID');
    const fields = readGroupFields(ctx, 'update');
    try {
      return await inTransaction(ctx, async (db) => {
        // Non-admins look the group up through the visibility filter; a missing group reads as "no permission".
        const group = await findGroupFor(db, ctx.caller, groupId);
        if (!group || !(await canModifyGroup(db, ctx.caller, group))) throw sonetError('User has no permissions to update group');
        await updateGroup(db, groupId, fields, ctx.now);
        return groupId;
      });
    } catch (e) {
      if (e instanceof GroupValidationError || e instanceof RestError) validationToRest(e);
      ctx.app.log.error({ err: e }, 'sonet_group.update failed');
      throw sonetError('Cannot update group');
    }
  },

  'sonet_group.delete': async (ctx) => {
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    if (groupId <= 0) throw sonetError('Wrong group ID');
    try {
      return await inTransaction(ctx, async (db) => {
        const group = await findGroupFor(db, ctx.caller, groupId);
        if (!group) throw sonetError('Socialnetwork group not found');
        // Only the user named by OWNER_ID (or an admin): moderators and the Scrum master may not (§5.4).
        if (!ctx.caller.isAdmin && group.owner_id !== ctx.caller.userId) throw sonetError('User has no permissions to delete group');
        await deleteGroup(db, groupId);
        return true;
      });
    } catch (e) {
      if (e instanceof RestError) throw e;
      ctx.app.log.error({ err: e }, 'sonet_group.delete failed');
      throw sonetError('Cannot delete group');
    }
  },

  'sonet_group.setowner': async (ctx) => {
    // This method reports numeric codes (§5.5).
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    if (groupId <= 0) throw new RestError('100', 'Invalid workgroup/project ID', 400);
    const userId = toInt(own(ctx.params, 'USER_ID'));
    if (userId <= 0) throw new RestError('100', 'Invalid user ID', 400);
    try {
      return await inTransaction(ctx, async (db) => {
        const group = await findGroupFor(db, ctx.caller, groupId);
        if (!group) throw new RestError('510', 'Invalid workgroup/project ID', 400);
        if (!(await canModifyGroup(db, ctx.caller, group))) {
          throw new RestError('403', 'Insufficient permissions to complete the operation.', 400);
        }
        if (!(await userExists(db, userId))) throw new RestError('100', 'Cannot complete operation.', 400);
        await setGroupOwner(db, group, userId, ctx.caller.userId, ctx.now);
        return true;
      });
    } catch (e) {
      if (e instanceof RestError) throw e;
      ctx.app.log.error({ err: e }, 'sonet_group.setowner failed');
      throw new RestError('100', 'Cannot complete operation.', 400);
    }
  },

  'sonet_group.user.delete': (ctx) => {
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    if (groupId <= 0) throw sonetError('Wrong group ID');
    // (sic) the reference reuses the text of sonet_group.user.update (§5.9).
    if (!ctx.caller.isAdmin) throw sonetError('No permissions to update users role');
    const ids = userIdList(own(ctx.params, 'USER_ID'));
    if (ids.length === 0) throw sonetError('Wrong user IDs');
    return inTransaction(ctx, async (db) => {
      const group = await getGroup(db, groupId);
      if (!group) throw sonetError('Socialnetwork group not found');
      const removed = await removeMembers(db, group, ids);
      return removed.map((id) => String(id));
    });
  },

  'sonet_group.user.groups': async (ctx) => {
    const rows = await memberGroupsOf(ctx.app.store.db, ctx.caller.userId);
    return rows.map((r) => ({ GROUP_ID: String(r.groupId), GROUP_NAME: r.name, ROLE: r.role, GROUP_IMAGE_ID: null, GROUP_IMAGE: '' }));
  },

  'sonet_group.feature.access': async (ctx) => {
    const groupId = toInt(own(ctx.params, 'GROUP_ID'));
    const feature = toStr(own(ctx.params, 'FEATURE')).trim();
    const operation = toStr(own(ctx.params, 'OPERATION')).trim();
    if (groupId <= 0) throw sonetError('Wrong socialnetwork group ID');
    if (!isGroupFeature(feature)) throw sonetError('Wrong feature');
    if (!isFeatureOperation(feature, operation)) throw sonetError('Wrong operation');
    return canPerformFeature(ctx.app.store.db, ctx.caller, groupId, feature, operation);
  },
});

/** `USER_ID` as one id or a list: positive ids, deduplicated, ascending. */
export function userIdList(v: unknown): number[] {
  const raw = typeof v === 'object' && v !== null ? Object.values(v) : v === undefined ? [] : [v];
  const ids = raw.map((x) => toInt(x)).filter((n) => n > 0);
  return [...new Set(ids)].sort((a, b) => a - b);
}
