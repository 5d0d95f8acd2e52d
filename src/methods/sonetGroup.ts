/** sonet_group.* (platform.md §5): legacy-sonet family — exact UPPER_CASE parameter names, `"error": ""`. */
import { Errors } from '../core/errors.js';
import { isPhpArray, own, toInt, toStr, type PhpMap } from '../core/php.js';
import { describe, method, type Call, type MethodSpec } from '../protocol/method.js';
import type { GroupFields } from '../domain/groups.js';
import { memberGroupsOf } from '../domain/groups.js';
import { canPerformFeature, isFeatureOperation, isGroupFeature } from '../domain/groupFeatures.js';
import { isLegacyOrderField, type OrderItem } from '../domain/groupQuery.js';
import {
  addMembers,
  createGroupAs,
  deleteGroupAs,
  listLegacyGroups,
  membersOfVisibleGroup,
  removeMembersOf,
  requireMemberManager,
  setOwnerAs,
  setRoles,
  updateGroupAs,
} from '../domain/groupOperations.js';

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
export function readGroupFields(ctx: Call<unknown>, mode: 'create' | 'update'): GroupFields {
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

/** The `sonet_group` scope; legacy methods, listed by `methods`. */
const SONET = { scopes: ['sonet_group'] } as const;

export const sonetGroupMethods: MethodSpec[] = [
  // A failure the method cannot name (a refused statement) is its "Cannot …" error, in both modes.
  method({ name: 'sonet_group.create', ...SONET, transaction: true, onFailure: describe(Errors.group.notCreated), handler: groupCreate }),
  method({ name: 'sonet_group.get', ...SONET, handler: groupGet }),
  method({ name: 'sonet_group.user.get', ...SONET, handler: groupUserGet }),
  method({ name: 'sonet_group.user.update', ...SONET, transaction: true, handler: groupUserUpdate }),
  method({ name: 'sonet_group.user.add', ...SONET, transaction: true, handler: groupUserAdd }),
  method({ name: 'sonet_group.update', ...SONET, transaction: true, onFailure: describe(Errors.group.notUpdated), handler: groupUpdate }),
  method({ name: 'sonet_group.delete', ...SONET, transaction: true, onFailure: describe(Errors.group.notDeleted), handler: groupDelete }),
  method({
    name: 'sonet_group.setowner',
    ...SONET,
    transaction: true,
    onFailure: describe(Errors.group.cannotCompleteOperation),
    handler: groupSetOwner,
  }),
  method({ name: 'sonet_group.user.delete', ...SONET, transaction: true, handler: groupUserDelete }),
  method({ name: 'sonet_group.user.groups', ...SONET, handler: groupUserGroups }),
  method({ name: 'sonet_group.feature.access', ...SONET, handler: groupFeatureAccess }),
];

/** `GROUP_ID` (or another id parameter) as PHP's intval reads it. */
function intParam(call: Call, name: string): number {
  return toInt(own(call.params, name));
}

function groupCreate(call: Call) {
  const fields = readGroupFields(call, 'create');
  return createGroupAs(call.db, call.caller, fields, intParam(call, 'OWNER_ID'), call.now);
}

function groupGet(call: Call) {
  const p = call.params;
  let filter: PhpMap = {};
  const rawFilter = own(p, 'FILTER');
  if (isPhpArray(rawFilter)) filter = { ...rawFilter };
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId > 0) filter.ID = groupId;
  const rawOrder = own(p, 'ORDER');
  const order: OrderItem[] = isPhpArray(rawOrder)
    ? Object.entries(rawOrder)
        .filter(([field]) => isLegacyOrderField(field))
        .map(([field, dir]) => ({ field, dir: toStr(dir).toUpperCase() === 'ASC' ? 'asc' : 'desc' }))
    : [{ field: 'ID', dir: 'desc' }];
  // IS_ADMIN=Y lifts the visibility filter for administrators only (§5.2.1).
  const unrestricted = own(p, 'IS_ADMIN') === 'Y' && call.caller.isAdmin;
  return listLegacyGroups(call.db, call.caller, { filter, order, unrestricted, start: call.start }, call.app.time, call.now);
}

async function groupUserGet(call: Call) {
  const groupId = intParam(call, 'ID');
  if (groupId <= 0) throw Errors.group.wrongSocialnetworkGroupId();
  const members = await membersOfVisibleGroup(call.db, call.caller, groupId);
  return members.map((m) => ({ USER_ID: String(m.userId), ROLE: m.role }));
}

async function groupUserUpdate(call: Call) {
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId <= 0) throw Errors.group.wrongGroupId();
  requireMemberManager(call.caller, Errors.group.noRolePermission);
  const role = own(call.params, 'ROLE');
  if (role !== 'E' && role !== 'K') throw Errors.group.incorrectRole();
  const ids = userIdList(own(call.params, 'USER_ID'));
  if (ids.length === 0) throw Errors.group.wrongUserIds();
  return (await setRoles(call.db, groupId, ids, role, call.now)).map(String);
}

async function groupUserAdd(call: Call) {
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId <= 0) throw Errors.group.wrongGroupId();
  requireMemberManager(call.caller, Errors.group.noAddUsersPermission);
  const ids = userIdList(own(call.params, 'USER_ID'));
  if (ids.length === 0) throw Errors.group.wrongUserIds();
  return (await addMembers(call.db, groupId, ids, call.now)).map(String);
}

async function groupUpdate(call: Call) {
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId <= 0) throw Errors.group.wrongGroupId();
  await updateGroupAs(call.db, call.caller, groupId, readGroupFields(call, 'update'), call.now);
  return groupId;
}

async function groupDelete(call: Call) {
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId <= 0) throw Errors.group.wrongGroupId();
  await deleteGroupAs(call.db, call.caller, groupId);
  return true;
}

async function groupSetOwner(call: Call) {
  // This method reports numeric codes (§5.5).
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId <= 0) throw Errors.group.invalidGroupId();
  const userId = intParam(call, 'USER_ID');
  if (userId <= 0) throw Errors.group.invalidUserId();
  await setOwnerAs(call.db, call.caller, groupId, userId, call.now);
  return true;
}

async function groupUserDelete(call: Call) {
  const groupId = intParam(call, 'GROUP_ID');
  if (groupId <= 0) throw Errors.group.wrongGroupId();
  // (sic) the reference reuses the text of sonet_group.user.update (§5.9).
  requireMemberManager(call.caller, Errors.group.noRolePermission);
  const ids = userIdList(own(call.params, 'USER_ID'));
  if (ids.length === 0) throw Errors.group.wrongUserIds();
  return (await removeMembersOf(call.db, groupId, ids)).map(String);
}

async function groupUserGroups(call: Call) {
  const rows = await memberGroupsOf(call.db, call.caller.userId);
  return rows.map((r) => ({ GROUP_ID: String(r.groupId), GROUP_NAME: r.name, ROLE: r.role, GROUP_IMAGE_ID: null, GROUP_IMAGE: '' }));
}

function groupFeatureAccess(call: Call) {
  const groupId = intParam(call, 'GROUP_ID');
  const feature = toStr(own(call.params, 'FEATURE')).trim();
  const operation = toStr(own(call.params, 'OPERATION')).trim();
  if (groupId <= 0) throw Errors.group.wrongSocialnetworkGroupId();
  if (!isGroupFeature(feature)) throw Errors.group.wrongFeature();
  if (!isFeatureOperation(feature, operation)) throw Errors.group.wrongOperation();
  return canPerformFeature(call.db, call.caller, groupId, feature, operation);
}

/** `USER_ID` as one id or a list: positive ids, deduplicated, ascending. */
export function userIdList(v: unknown): number[] {
  const raw = typeof v === 'object' && v !== null ? Object.values(v) : v === undefined ? [] : [v];
  const ids = raw.map((x) => toInt(x)).filter((n) => n > 0);
  return [...new Set(ids)].sort((a, b) => a - b);
}
