/**
 * Workgroups and memberships (platform.md §3.3–3.5) and the access rules built on them
 * (platform.md §4, scrum-api.md A5).
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Caller } from '../protocol/registry.js';
import type { Database, SonetGroupTable } from '../store/schema.js';

export type GroupRow = Selectable<SonetGroupTable>;
export type Role = 'A' | 'E' | 'K' | 'T' | 'Z';

/** Owner, moderator, member: the "members" of the group. */
export const MEMBER_ROLES: readonly Role[] = ['A', 'E', 'K'];

export async function getGroup(db: Kysely<Database>, id: number): Promise<GroupRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return db.selectFrom('sonet_groups').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function roleOf(db: Kysely<Database>, groupId: number, userId: number): Promise<Role | null> {
  const r = await db
    .selectFrom('group_members')
    .select('role')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (r?.role as Role | undefined) ?? null;
}

/** Recomputes NUMBER_OF_MEMBERS / NUMBER_OF_MODERATORS from the active users' relations. */
export async function recountMembers(db: Kysely<Database>, groupId: number): Promise<void> {
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
  const group = await getGroup(db, groupId);
  if (!group) return false;
  if (caller.isAdmin) return true;
  const role = await roleOf(db, groupId, caller.userId);
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

/** A validation failure reported with its own code (platform.md §2.2, §5.1.3). */
export class GroupValidationError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
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
}

/** The only group subject of a local portal (platform.md §13.2). */
export const SUBJECT = { id: 1, name: 'Workgroups' };

/** Creates a group and its owner relation (platform.md §5.1.2); the caller runs it in a transaction. */
export async function createGroup(db: Kysely<Database>, f: GroupFields & { ownerId: number }, now: number): Promise<number> {
  const name = f.name ?? '';
  if (name.trim() === '') throw new GroupValidationError('EMPTY_NAME', 'The title is not specified.');
  const owner = await db.selectFrom('users').select('id').where('id', '=', f.ownerId).executeTakeFirst();
  if (!owner) throw new GroupValidationError('ERROR_NO_OWNER_ID', 'The group owner is not found.');
  const subjectId = f.subjectId ?? SUBJECT.id;
  if (subjectId <= 0) throw new GroupValidationError('EMPTY_SUBJECT_ID', 'The group subject is not specified.');
  if (subjectId !== SUBJECT.id) throw new GroupValidationError('ERROR_NO_SUBJECT_ID', 'The group subject is not found.');
  const siteId = f.siteId ?? 's1';
  if (siteId !== 's1') throw new GroupValidationError('ERROR_NO_SITE', `Site ${siteId} is not found.`);
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
