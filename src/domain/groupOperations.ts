/**
 * The `sonet_group.*` operations as the caller may perform them (platform.md §5): who may create,
 * update, delete, re-own a group and manage its members, the legacy list with its paging, and the
 * membership writes. The methods layer reads the parameters and calls these.
 */
import type { Kysely } from 'kysely';
import { Errors } from '../core/errors.js';
import { LIST_LIMIT, Page, type Caller } from '../core/call.js';
import { pageOffset } from '../core/paging.js';
import type { PortalTime } from '../core/portalTime.js';
import type { PhpMap } from '../core/php.js';
import type { Database } from '../store/schema.js';
import { TRUE, and } from './filterKeys.js';
import {
  activeMemberRelations,
  canModifyGroup,
  createGroup,
  deleteGroup,
  getGroup,
  insertMember,
  recountMembers,
  removeMembers,
  setGroupOwner,
  setMemberRoles,
  updateGroup,
  type GroupFields,
} from './groups.js';
import { countGroups, findGroupFor, groupFilterCondition, legacyGroupRecord, selectGroups, visibleTo, type OrderItem } from './groupQuery.js';
import { getUser, userExists } from './users.js';
import { departmentsOf } from './userQuery.js';

/** The right to create groups: administrators and every active employee (§5.1.2, §13.2). */
export async function createGroupAs(db: Kysely<Database>, caller: Caller, fields: GroupFields, requestedOwner: number, now: number): Promise<number> {
  if (!caller.isAdmin) {
    const me = await getUser(db, caller.userId);
    if (!me || me.active !== 'Y' || departmentsOf(me).length === 0) throw Errors.group.noCreatePermission();
  }
  // OWNER_ID is honoured for administrators only; everyone else becomes the owner (§5.1.1).
  const ownerId = caller.isAdmin && requestedOwner > 0 ? requestedOwner : caller.userId;
  return createGroup(db, { ...fields, ownerId }, now);
}

export interface LegacyListQuery {
  filter: PhpMap;
  order: OrderItem[];
  /** IS_ADMIN=Y from an administrator: no visibility filter (§5.2.1) */
  unrestricted: boolean;
  start: number;
}

/**
 * `sonet_group.get`: a page of 50 in legacy records. A negative start is "do not count": the first
 * page, no next, no total (§2.4). The reference's paging helper answers a page beyond the last one
 * with page 1.
 */
export async function listLegacyGroups(db: Kysely<Database>, caller: Caller, q: LegacyListQuery, time: PortalTime, now: number): Promise<Page> {
  const where = and([groupFilterCondition(q.filter, 'legacy', { time, now }), q.unrestricted ? TRUE : visibleTo(caller.userId)]);
  const records = (rows: Awaited<ReturnType<typeof selectGroups>>) => rows.map((g) => legacyGroupRecord(g, time));
  if (q.start < 0) return new Page(records(await selectGroups(db, { where, order: q.order, offset: 0, limit: LIST_LIMIT })));
  const total = await countGroups(db, where);
  let offset = pageOffset(q.start);
  if (offset >= total) offset = 0;
  const rows = await selectGroups(db, { where, order: q.order, offset, limit: LIST_LIMIT });
  return new Page(records(rows), offset + LIST_LIMIT < total ? offset + LIST_LIMIT : undefined, total);
}

/** `sonet_group.user.get`: the active members of a group the caller may see. */
export async function membersOfVisibleGroup(db: Kysely<Database>, caller: Caller, groupId: number) {
  if (!(await findGroupFor(db, caller, groupId))) throw Errors.group.notFound();
  return activeMemberRelations(db, groupId);
}

/**
 * Member management (user.add/update/delete) is for administrators (§5.6–§5.9); each method refuses
 * with its own error, at its own place among the parameter checks.
 */
export function requireMemberManager(caller: Caller, refusal: () => Error): void {
  if (!caller.isAdmin) throw refusal();
}

export async function setRoles(db: Kysely<Database>, groupId: number, ids: readonly number[], role: 'E' | 'K', now: number): Promise<number[]> {
  if (!(await getGroup(db, groupId))) throw Errors.group.notFound();
  return setMemberRoles(db, groupId, [...ids], role, now);
}

/** `sonet_group.user.add`: known users without any relation to the group join it as members (`K`). */
export async function addMembers(db: Kysely<Database>, groupId: number, ids: readonly number[], now: number): Promise<number[]> {
  const group = await getGroup(db, groupId);
  if (!group) throw Errors.group.notFound();
  const existing = await db.selectFrom('users').select('id').where('id', 'in', [...ids]).execute();
  const known = new Set(existing.map((r) => r.id));
  const related = await db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).execute();
  const skip = new Set(related.map((r) => r.user_id));
  const added: number[] = [];
  for (const id of ids) {
    if (!known.has(id) || skip.has(id)) continue;
    await insertMember(db, { groupId, userId: id, role: 'K', initiatedByType: 'G', initiatedBy: group.owner_id }, now);
    added.push(id);
  }
  if (added.length > 0) await recountMembers(db, groupId);
  return added;
}

export async function removeMembersOf(db: Kysely<Database>, groupId: number, ids: readonly number[]): Promise<number[]> {
  const group = await getGroup(db, groupId);
  if (!group) throw Errors.group.notFound();
  return removeMembers(db, group, ids);
}

/** Non-admins look the group up through the visibility filter; a missing group reads as "no permission". */
export async function updateGroupAs(db: Kysely<Database>, caller: Caller, groupId: number, fields: GroupFields, now: number): Promise<void> {
  const group = await findGroupFor(db, caller, groupId);
  if (!group || !(await canModifyGroup(db, caller, group))) throw Errors.group.noUpdatePermission();
  await updateGroup(db, groupId, fields, now);
}

/** Only the user named by OWNER_ID (or an admin): moderators and the Scrum master may not (§5.4). */
export async function deleteGroupAs(db: Kysely<Database>, caller: Caller, groupId: number): Promise<void> {
  const group = await findGroupFor(db, caller, groupId);
  if (!group) throw Errors.group.notFound();
  if (!caller.isAdmin && group.owner_id !== caller.userId) throw Errors.group.noDeletePermission();
  await deleteGroup(db, groupId);
}

/** `sonet_group.setowner` (§5.5): numeric codes. */
export async function setOwnerAs(db: Kysely<Database>, caller: Caller, groupId: number, userId: number, now: number): Promise<void> {
  const group = await findGroupFor(db, caller, groupId);
  if (!group) throw Errors.group.groupNotFoundForOwner();
  if (!(await canModifyGroup(db, caller, group))) throw Errors.group.insufficientPermissions();
  if (!(await userExists(db, userId))) throw Errors.group.cannotCompleteOperation();
  await setGroupOwner(db, group, userId, caller.userId, now);
}
