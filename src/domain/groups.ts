/**
 * Workgroups and memberships (platform.md §3.3–3.5) and the access rules built on them
 * (platform.md §4, scrum-api.md A5).
 */
import { raiseGroupEvent } from '../events/raise.js';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Caller } from '../core/call.js';
import { Errors } from '../core/errors.js';
import type { Database, SonetGroupTable } from '../store/schema.js';
import { preparedQuery } from '../store/prepared.js';
import { lockParent } from '../store/rowLocks.js';

export type GroupRow = Selectable<SonetGroupTable>;
export type Role = 'A' | 'E' | 'K' | 'T' | 'Z';

/** Owner, moderator, member: the "members" of the group. */
export const MEMBER_ROLES: readonly Role[] = ['A', 'E', 'K'];

const groupById = preparedQuery((db, id: number) => db.selectFrom('sonet_groups').selectAll().where('id', '=', id), { remember: true });

export async function getGroup(db: Kysely<Database>, id: number): Promise<GroupRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return groupById.first(db, id);
}

const roleByMember = preparedQuery(
  (db, groupId: number, userId: number) => db.selectFrom('group_members').select('role').where('group_id', '=', groupId).where('user_id', '=', userId),
  { remember: true },
);

export async function roleOf(db: Kysely<Database>, groupId: number, userId: number): Promise<Role | null> {
  const r = await roleByMember.first(db, groupId, userId);
  return (r?.role as Role | undefined) ?? null;
}

/** Whether the group exists, and the user's relation to it: one lookup for the checks of every Scrum call. */
const groupAndRole = preparedQuery((db, groupId: number, userId: number) =>
  db
    .selectFrom('sonet_groups')
    .leftJoin('group_members', (j) => j.onRef('group_members.group_id', '=', 'sonet_groups.id').on('group_members.user_id', '=', userId))
    .select(['sonet_groups.id', 'group_members.role'])
    .where('sonet_groups.id', '=', groupId),
  { remember: true },
);

/**
 * Serializes writers of one group: a no-op write takes the group row's lock until the transaction ends,
 * so that on PostgreSQL a concurrent writer of the same group waits and its next statement sees the
 * committed outcome (SQLite runs one write transaction at a time anyway). Sprint start/complete and
 * membership changes take it; the unique indexes stay the last guard against every other writer.
 */
export async function lockGroup(db: Kysely<Database>, groupId: number): Promise<void> {
  if (!Number.isSafeInteger(groupId) || groupId <= 0) return;
  await db
    .updateTable('sonet_groups')
    .set((eb) => ({ date_update: eb.ref('date_update') }))
    .where('id', '=', groupId)
    .execute();
}

/**
 * Recomputes NUMBER_OF_MEMBERS / NUMBER_OF_MODERATORS from the active users' relations, under the
 * group lock so that two transactions adding members at once cannot both write a count missing the other.
 */
export async function recountMembers(db: Kysely<Database>, groupId: number): Promise<void> {
  await lockGroup(db, groupId);
  const counts = await db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select([
      sql<number>`sum(case when group_members.role in ('A','E','K') then 1 else 0 end)`.as('members'),
      sql<number>`sum(case when group_members.role in ('A','E') then 1 else 0 end)`.as('moderators'),
    ])
    .where('group_members.group_id', '=', groupId)
    .where('users.active', '=', 'Y')
    .executeTakeFirst();
  await db
    .updateTable('sonet_groups')
    .set({ number_of_members: Number(counts?.members ?? 0), number_of_moderators: Number(counts?.moderators ?? 0) })
    .where('id', '=', groupId)
    .execute();
  // membership changes recount the members: ONSONETGROUPUPDATE (spec events.md §7.3)
  await raiseGroupEvent(db, 'ONSONETGROUPUPDATE', groupId);
}

export interface MemberInsert {
  groupId: number;
  userId: number;
  role: Role;
  initiatedByType: 'U' | 'G';
  initiatedBy: number;
}

export async function insertMember(db: Kysely<Database>, m: MemberInsert, now: number): Promise<void> {
  await db
    .insertInto('group_members')
    .values({
      group_id: m.groupId,
      user_id: m.userId,
      role: m.role,
      initiated_by_type: m.initiatedByType,
      initiated_by_user_id: m.initiatedBy,
      auto_member: 'N',
      date_create: now,
      date_update: now,
    })
    .execute();
}

/**
 * Read access to a group's Scrum (scrum-api.md A5.1 with the default feature permissions):
 * the group exists and the caller is an administrator or an owner, moderator or member.
 */
export async function canReadGroup(db: Kysely<Database>, caller: Caller, groupId: number): Promise<boolean> {
  if (!Number.isSafeInteger(groupId) || groupId <= 0) return false;
  const found = await groupAndRole.first(db, groupId, caller.userId);
  if (!found) return false;
  if (caller.isAdmin) return true;
  const role = (found.role as Role | null) ?? null;
  return role !== null && MEMBER_ROLES.includes(role);
}

/** The sprint start/complete right (A5.2): owner, moderator or administrator. */
export async function canStartSprint(db: Kysely<Database>, caller: Caller, groupId: number): Promise<boolean> {
  if (caller.isAdmin) return (await getGroup(db, groupId)) !== undefined;
  const role = await roleOf(db, groupId, caller.userId);
  return role === 'A' || role === 'E';
}

/** Groups in which the caller has any relation, pending and banned included (A5.3 list visibility). */
export function groupsWithAnyRelation(db: Kysely<Database>, userId: number) {
  return db.selectFrom('group_members').select('group_id').where('user_id', '=', userId);
}

/** The visibility predicate of group lists (platform.md §4.2): visible, or the caller is a member. */
export function visibleGroupIds(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('sonet_groups')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('visible', '=', 'Y'),
        eb(
          'id',
          'in',
          eb.selectFrom('group_members').select('group_id').where('user_id', '=', userId).where('role', 'in', [...MEMBER_ROLES]),
        ),
      ]),
    );
}

export interface GroupFields {
  name?: string;
  description?: string | null;
  visible?: string;
  opened?: string;
  closed?: string;
  keywords?: string | null;
  initiatePerms?: string;
  spamPerms?: string;
  project?: string;
  projectDateStart?: number | null;
  projectDateFinish?: number | null;
  scrumMasterId?: number | null;
  scrumOwnerId?: number | null;
  scrumSprintDuration?: number | null;
  scrumTaskResponsible?: string | null;
  ownerId?: number;
  subjectId?: number;
  siteId?: string;
  avatarType?: string | null;
  landing?: string;
  /** update only (§3.3) */
  active?: string;
}

/** The only group subject of a local portal (platform.md §13.2). */
export const SUBJECT = { id: 1, name: 'Workgroups' };

/** The group invitation rights a group may have (platform.md §3.3). */
export const INITIATE_PERMS = ['A', 'E', 'K'];

/**
 * Field validation shared by create and update (platform.md §5.1.3): only the first failing check is
 * reported, in the order of the table. On update only the fields passed are checked.
 */
export async function validateGroupFields(db: Kysely<Database>, f: GroupFields, mode: 'create' | 'update'): Promise<void> {
  if ((mode === 'create' || f.name !== undefined) && (f.name ?? '').trim() === '') {
    throw Errors.group.emptyName();
  }
  if (mode === 'create' || f.ownerId !== undefined) {
    const ownerId = f.ownerId ?? 0;
    const owner = ownerId > 0 ? await db.selectFrom('users').select('id').where('id', '=', ownerId).executeTakeFirst() : undefined;
    if (!owner) throw Errors.group.ownerNotFound();
  }
  if (mode === 'create' || f.subjectId !== undefined) {
    const subjectId = f.subjectId ?? SUBJECT.id;
    if (subjectId <= 0) throw Errors.group.emptySubject();
    if (subjectId !== SUBJECT.id) throw Errors.group.subjectNotFound();
  }
  if (f.siteId !== undefined && f.siteId !== 's1') throw Errors.group.siteNotFound(f.siteId);
  if (mode === 'update' && f.initiatePerms !== undefined && !INITIATE_PERMS.includes(f.initiatePerms)) {
    throw Errors.group.incorrectInitiatePerms(f.initiatePerms);
  }
}

/** Creates a group and its owner relation (platform.md §5.1.2); the caller runs it in a transaction. */
export async function createGroup(db: Kysely<Database>, f: GroupFields & { ownerId: number }, now: number): Promise<number> {
  await validateGroupFields(db, f, 'create');
  const name = f.name ?? '';
  const subjectId = f.subjectId ?? SUBJECT.id;
  const isScrum = (f.scrumMasterId ?? 0) > 0;
  const r = await db
    .insertInto('sonet_groups')
    .values({
      site_id: 's1',
      name,
      description: f.description ?? null,
      active: 'Y',
      visible: f.visible ?? 'Y',
      opened: f.opened ?? 'N',
      closed: f.closed ?? 'N',
      subject_id: subjectId,
      owner_id: f.ownerId,
      keywords: f.keywords ?? null,
      avatar_type: f.avatarType ?? null,
      initiate_perms: f.initiatePerms ?? 'K',
      spam_perms: f.spamPerms ?? 'A',
      number_of_members: 1,
      number_of_moderators: 1,
      date_create: now,
      date_update: now,
      date_activity: now,
      project: isScrum ? 'Y' : (f.project ?? 'N'),
      project_date_start: f.projectDateStart ?? null,
      project_date_finish: f.projectDateFinish ?? null,
      landing: f.landing ?? 'N',
      scrum_master_id: f.scrumMasterId ?? null,
      scrum_owner_id: f.scrumOwnerId ?? null,
      scrum_sprint_duration: f.scrumSprintDuration ?? null,
      scrum_task_responsible: f.scrumTaskResponsible ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await raiseGroupEvent(db, 'ONSONETGROUPADD', r.id);
  await insertMember(db, { groupId: r.id, userId: f.ownerId, role: 'A', initiatedByType: 'U', initiatedBy: f.ownerId }, now);
  await recountMembers(db, r.id);
  return r.id;
}

/** Owners, moderators and members who are active users, in relation order (platform.md §5.6). */
export async function activeMemberRelations(db: Kysely<Database>, groupId: number): Promise<{ userId: number; role: Role }[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select(['group_members.user_id', 'group_members.role'])
    .where('group_members.group_id', '=', groupId)
    .where('group_members.role', 'in', [...MEMBER_ROLES])
    .where('users.active', '=', 'Y')
    .orderBy('group_members.id', 'asc')
    .execute();
  return rows.map((r) => ({ userId: r.user_id, role: r.role as Role }));
}

/**
 * Sets the role of the listed users' relations (platform.md §5.8): the owner and relations already in
 * that role are skipped, pending and banned relations are converted, users without a relation are
 * skipped. Returns the updated user ids in relation order; counters are recomputed when any changed.
 */
export async function setMemberRoles(
  db: Kysely<Database>,
  groupId: number,
  userIds: readonly number[],
  role: 'E' | 'K',
  now: number,
): Promise<number[]> {
  if (userIds.length === 0) return [];
  const relations = await db
    .selectFrom('group_members')
    .select(['id', 'user_id', 'role'])
    .where('group_id', '=', groupId)
    .where('user_id', 'in', [...userIds])
    .orderBy('id', 'asc')
    .execute();
  const updated: number[] = [];
  for (const r of relations) {
    if (r.role === 'A' || r.role === role) continue;
    await db.updateTable('group_members').set({ role, date_update: now }).where('id', '=', r.id).execute();
    updated.push(r.user_id);
  }
  if (updated.length > 0) await recountMembers(db, groupId);
  return updated;
}

/**
 * The right to change a group or hand its ownership on (platform.md §4.1): administrators, the owner
 * (the role-`A` relation), and the Scrum master of a project who has a relation with role ≤ K.
 */
export async function canModifyGroup(db: Kysely<Database>, caller: Caller, group: GroupRow): Promise<boolean> {
  if (caller.isAdmin) return true;
  const role = await roleOf(db, group.id, caller.userId);
  if (role === 'A') return true;
  const isScrumMaster = group.project === 'Y' && (group.scrum_master_id ?? 0) > 0 && group.scrum_master_id === caller.userId;
  return isScrumMaster && role !== null && MEMBER_ROLES.includes(role);
}

/**
 * Stores the passed group fields (platform.md §5.3): validates them first (§5.1.3), sets DATE_UPDATE.
 * `OWNER_ID` writes the column only — relations are not touched, as in the reference.
 */
export async function updateGroup(db: Kysely<Database>, groupId: number, f: GroupFields, now: number): Promise<void> {
  await validateGroupFields(db, f, 'update');
  const set: Partial<Record<keyof GroupRow, unknown>> = { date_update: now };
  const put = <K extends keyof GroupRow>(column: K, v: unknown) => {
    if (v !== undefined) set[column] = v;
  };
  put('name', f.name);
  put('description', f.description);
  put('active', f.active);
  put('visible', f.visible);
  put('opened', f.opened);
  put('closed', f.closed);
  put('keywords', f.keywords);
  put('initiate_perms', f.initiatePerms);
  put('spam_perms', f.spamPerms);
  put('project', f.project);
  put('project_date_start', f.projectDateStart);
  put('project_date_finish', f.projectDateFinish);
  put('landing', f.landing);
  put('scrum_master_id', f.scrumMasterId);
  put('scrum_owner_id', f.scrumOwnerId);
  put('scrum_sprint_duration', f.scrumSprintDuration);
  put('scrum_task_responsible', f.scrumTaskResponsible);
  put('owner_id', f.ownerId);
  put('subject_id', f.subjectId);
  put('site_id', f.siteId);
  put('avatar_type', f.avatarType);
  await db.updateTable('sonet_groups').set(set as never).where('id', '=', groupId).execute();
  await raiseGroupEvent(db, 'ONSONETGROUPUPDATE', groupId);
}

/**
 * Deletes a group (platform.md §5.4, scrum-api.md A6): its relations, and every Scrum entity, item,
 * epic (with its files) and sprint-board stage (with its task links) of the group. Tasks stay, with
 * GROUP_ID 0 and no board stage. The caller runs it in a transaction.
 *
 * The group row is locked first: writers adding children to the group (backlogs, sprints, epics, tasks)
 * hold it in key-share mode, so the delete waits for them and then sees what they added, and writers
 * that come later see the group gone (rowLocks.ts).
 */
export async function deleteGroup(db: Kysely<Database>, groupId: number): Promise<void> {
  await lockParent(db, 'sonet_groups', groupId, 'update');
  await raiseGroupEvent(db, 'ONSONETGROUPDELETE', groupId); // before the deletion (spec events.md §7.3)
  const entityIds = db.selectFrom('scrum_entities').select('id').where('group_id', '=', groupId);
  const sprintIds = db.selectFrom('scrum_entities').select('id').where('group_id', '=', groupId).where('entity_type', '=', 'sprint');
  const stageIds = db.selectFrom('kanban_stages').select('id').where('entity_type', '=', 'A').where('entity_id', 'in', sprintIds);
  await db.deleteFrom('kanban_task_stages').where('stage_id', 'in', stageIds).execute();
  await db.deleteFrom('kanban_stages').where('entity_type', '=', 'A').where('entity_id', 'in', sprintIds).execute();
  await db.deleteFrom('scrum_items').where('entity_id', 'in', entityIds).execute();
  await db.deleteFrom('scrum_entities').where('group_id', '=', groupId).execute();
  const epicIds = db.selectFrom('scrum_epics').select('id').where('group_id', '=', groupId);
  await db.deleteFrom('scrum_epic_files').where('epic_id', 'in', epicIds).execute();
  await db.deleteFrom('scrum_epics').where('group_id', '=', groupId).execute();
  await db.updateTable('tasks').set({ group_id: 0, stage_id: 0 }).where('group_id', '=', groupId).execute();
  await db.deleteFrom('group_members').where('group_id', '=', groupId).execute();
  await db.deleteFrom('sonet_groups').where('id', '=', groupId).execute();
}

/**
 * Hands the group to another user (platform.md §5.5): the old owner's relation becomes `K` — `E` when
 * the old owner is the group's Scrum master —, the new owner's relation becomes `A` (created when
 * missing, converted when pending or banned), `OWNER_ID` follows and the counters are recomputed.
 * Setting the current owner again changes nothing.
 */
export async function setGroupOwner(db: Kysely<Database>, group: GroupRow, newOwnerId: number, initiatedBy: number, now: number): Promise<void> {
  const current = await roleOf(db, group.id, newOwnerId);
  if (current === 'A' && group.owner_id === newOwnerId) return;
  // The owner relation is demoted (normally the user named by OWNER_ID; after sonet_group.update
  // with OWNER_ID it may be another user), so exactly one owner relation remains.
  const owners = await db
    .selectFrom('group_members')
    .select(['id', 'user_id'])
    .where('group_id', '=', group.id)
    .where('role', '=', 'A')
    .execute();
  for (const o of owners) {
    if (o.user_id === newOwnerId) continue;
    const role = (group.scrum_master_id ?? 0) > 0 && o.user_id === group.scrum_master_id ? 'E' : 'K';
    await db.updateTable('group_members').set({ role, date_update: now }).where('id', '=', o.id).execute();
  }
  if (current === null) {
    await db
      .insertInto('group_members')
      .values({
        group_id: group.id,
        user_id: newOwnerId,
        role: 'A',
        initiated_by_type: 'G',
        initiated_by_user_id: initiatedBy,
        auto_member: 'N',
        date_create: now,
        date_update: now,
      })
      .execute();
  } else if (current !== 'A') {
    await db
      .updateTable('group_members')
      .set({ role: 'A', date_update: now })
      .where('group_id', '=', group.id)
      .where('user_id', '=', newOwnerId)
      .execute();
  }
  await db.updateTable('sonet_groups').set({ owner_id: newOwnerId }).where('id', '=', group.id).execute();
  await recountMembers(db, group.id);
}

/**
 * Removes the listed users' relations (platform.md §5.9), whatever their role, except the owner's and
 * the Scrum master's. Returns the removed user ids in relation order; counters are recomputed.
 */
export async function removeMembers(db: Kysely<Database>, group: GroupRow, userIds: readonly number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const relations = await db
    .selectFrom('group_members')
    .select(['id', 'user_id', 'role'])
    .where('group_id', '=', group.id)
    .where('user_id', 'in', [...userIds])
    .orderBy('id', 'asc')
    .execute();
  const removed: number[] = [];
  for (const r of relations) {
    if (r.role === 'A' || r.user_id === group.owner_id) continue;
    if ((group.scrum_master_id ?? 0) > 0 && r.user_id === group.scrum_master_id) continue;
    await db.deleteFrom('group_members').where('id', '=', r.id).execute();
    removed.push(r.user_id);
  }
  if (removed.length > 0) await recountMembers(db, group.id);
  return removed;
}

/** The user's relations with role ≤ K and their groups, in relation order (platform.md §5.10). */
export async function memberGroupsOf(db: Kysely<Database>, userId: number): Promise<{ groupId: number; name: string; role: Role }[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('sonet_groups', 'sonet_groups.id', 'group_members.group_id')
    .select(['group_members.group_id', 'sonet_groups.name', 'group_members.role'])
    .where('group_members.user_id', '=', userId)
    .where('group_members.role', 'in', [...MEMBER_ROLES])
    .orderBy('group_members.id', 'asc')
    .execute();
  return rows.map((r) => ({ groupId: r.group_id, name: r.name, role: r.role as Role }));
}

/** Recomputes the counters of every group the user has a relation with (activation changes, §7.7). */
export async function recountGroupsOfUser(db: Kysely<Database>, userId: number): Promise<void> {
  const rows = await db.selectFrom('group_members').select('group_id').where('user_id', '=', userId).execute();
  for (const r of rows) await recountMembers(db, r.group_id);
}
