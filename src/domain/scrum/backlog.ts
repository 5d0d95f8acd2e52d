/** The backlog rules of scrum-api.md C1, in the reference's check order. */
import type { Kysely } from 'kysely';
import { Errors } from '../../core/errors.js';
import { isUniqueViolation } from '../../store/dialectErrors.js';
import type { Caller } from '../../core/call.js';
import type { Database } from '../../store/schema.js';
import { canReadGroup } from '../groups.js';
import { userExists } from '../users.js';
import { lockParent } from '../../store/rowLocks.js';
import { backlogObject, entityHasItems, getBacklogOfGroup, getEntity } from './entities.js';

/** A user id field: null when the input was not numeric (then it is not considered). */
export type UserIdInput = number | null;

async function checkUsers(db: Kysely<Database>, createdBy: UserIdInput, modifiedBy: UserIdInput): Promise<void> {
  if (createdBy !== null && !(await userExists(db, createdBy))) throw Errors.scrum.createdByNotFound();
  if (modifiedBy !== null && !(await userExists(db, modifiedBy))) throw Errors.scrum.modifiedByNotFound();
}

export async function addBacklog(
  db: Kysely<Database>,
  caller: Caller,
  input: { groupId: number; createdBy: UserIdInput; modifiedBy: UserIdInput },
) {
  const { groupId, createdBy, modifiedBy } = input;
  if (groupId === 0) throw Errors.scrum.groupIdNotFound();
  // The group cannot be deleted until this transaction ends; one deleted meanwhile is gone (rowLocks.ts).
  await lockParent(db, 'sonet_groups', groupId, 'key share');
  if (!(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  if (await getBacklogOfGroup(db, groupId)) throw Errors.scrum.backlogAlreadyAdded();
  await checkUsers(db, createdBy, modifiedBy);
  const creator = createdBy ?? 0;
  // The reference's insert fails without an author (CREATED_BY is required non-zero).
  if (creator <= 0) throw Errors.scrum.backlogNotAdded();
  let id: number;
  try {
    const r = await db
      .insertInto('scrum_entities')
      .values({ group_id: groupId, entity_type: 'backlog', name: '', sort: 0, created_by: creator, modified_by: creator, info: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = r.id;
  } catch (e) {
    // Another request added the group's backlog first: the database holds one backlog per group.
    if (isUniqueViolation(e)) throw Errors.scrum.backlogAlreadyAdded();
    throw Errors.scrum.backlogNotAdded();
  }
  // modifiedBy echoes the validated input, not the stored value (C1.1).
  return { id, groupId, createdBy: creator, modifiedBy: modifiedBy ?? 0 };
}

export async function updateBacklog(
  db: Kysely<Database>,
  caller: Caller,
  input: { id: number; groupId: number | null; createdBy: UserIdInput; modifiedBy: UserIdInput },
) {
  const { id, groupId, createdBy, modifiedBy } = input;
  if (id === 0) throw Errors.scrum.backlogIdNotFound();
  const backlog = await getEntity(db, id);
  if (!backlog || backlog.entity_type !== 'backlog') throw Errors.scrum.backlogNotFound();
  if (!(await canReadGroup(db, caller, backlog.group_id))) throw Errors.scrum.accessDenied();
  let newGroup = backlog.group_id;
  if (groupId !== null) {
    if (groupId !== backlog.group_id) {
      if (await entityHasItems(db, id)) throw Errors.scrum.backlogMoveWithItems();
      if (await getBacklogOfGroup(db, groupId)) throw Errors.scrum.targetGroupHasBacklog();
    }
    newGroup = groupId; // no access check on the target group (B-4)
    if (newGroup !== backlog.group_id) await lockParent(db, 'sonet_groups', newGroup, 'key share');
  }
  await checkUsers(db, createdBy, modifiedBy);
  const set: { group_id?: number; modified_by?: number } = {};
  if (newGroup !== 0) set.group_id = newGroup;
  if (modifiedBy !== null && modifiedBy !== 0) set.modified_by = modifiedBy;
  if (Object.keys(set).length > 0) {
    try {
      await db.updateTable('scrum_entities').set(set).where('id', '=', id).execute();
    } catch {
      // e.g. another request gave the target group a backlog meanwhile
      throw Errors.scrum.backlogNotUpdated();
    }
  }
  // Built from the in-memory state, not re-read (C1.2).
  return {
    id,
    groupId: newGroup,
    createdBy: createdBy ?? backlog.created_by,
    modifiedBy: modifiedBy ?? 0,
  };
}

export async function getBacklog(db: Kysely<Database>, caller: Caller, groupId: number) {
  if (groupId === 0) throw Errors.scrum.groupIdNotFound();
  const backlog = await getBacklogOfGroup(db, groupId);
  if (!backlog) throw Errors.scrum.backlogNotFound();
  if (!(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  return backlogObject(backlog);
}

export async function deleteBacklog(db: Kysely<Database>, caller: Caller, id: number): Promise<unknown[]> {
  if (id === 0) throw Errors.scrum.backlogIdNotFound();
  const backlog = await getEntity(db, id);
  if (!backlog || backlog.entity_type !== 'backlog') throw Errors.scrum.backlogNotFound();
  if (!(await canReadGroup(db, caller, backlog.group_id))) throw Errors.scrum.accessDenied();
  // Writers adding items (tasks.task.add, moves) hold the backlog in key-share mode: wait for them, then
  // see their items; later ones see the backlog gone (rowLocks.ts).
  if (!(await lockParent(db, 'scrum_entities', id, 'update'))) throw Errors.scrum.backlogNotFound();
  if (await entityHasItems(db, id)) throw Errors.scrum.backlogRemoveWithItems();
  await db.deleteFrom('scrum_entities').where('id', '=', id).execute();
  return [];
}

export const BACKLOG_FIELDS = {
  fields: { groupId: { type: 'integer' }, createdBy: { type: 'integer' }, modifiedBy: { type: 'integer' } },
};
