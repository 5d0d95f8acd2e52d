/**
 * The Scrum attributes of a task (scrum-api.md C5): `task.update` creates or changes the task's item
 * (A2.3), `task.get` reads it, `task.getFields` describes it. Items are addressed by the task id
 * (`SOURCE_ID`).
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { Errors } from '../../core/errors.js';
import type { Caller } from '../../core/call.js';
import type { Database, ScrumItemTable } from '../../store/schema.js';
import { limitLiteral, preparedQuery } from '../../store/prepared.js';
import { lockParent } from '../../store/rowLocks.js';
import { canReadGroup } from '../groups.js';
import { TaskAccess } from '../taskAccess.js';
import { loadTask } from '../tasks.js';
import { userExists } from '../users.js';
import { DEFAULT_SORT, getEntity, smallestSort } from './entities.js';
import { getEpic } from './epic.js';
import { historyBefore } from './history.js';

export type ItemRow = Selectable<ScrumItemTable>;

/** Bounds of the legacy `sort` that task.get reports (A4). */
const LEGACY_SORT_MAX = 255;

/**
 * The task's item, active or in the recycle bin. Should several exist, the one with the lowest
 * SORT_FLOAT (ties: highest id) is used (A2.3); the store keeps at most one per task.
 */
const itemBySource = preparedQuery((db, taskId: number) =>
  db.selectFrom('scrum_items').selectAll().where('source_id', '=', taskId).orderBy('sort_float', 'asc').orderBy('id', 'desc').limit(limitLiteral(1)),
  { remember: true },
);

export async function itemOfTask(db: Kysely<Database>, taskId: number): Promise<ItemRow | undefined> {
  if (!Number.isSafeInteger(taskId) || taskId <= 0) return undefined;
  return itemBySource.first(db, taskId);
}

/** May the caller read this task (creator, responsible person, participant, observer, task rights)? */
async function canReadTask(db: Kysely<Database>, caller: Caller, taskId: number): Promise<{ exists: boolean; readable: boolean; groupId: number }> {
  const task = await loadTask(db, taskId);
  if (!task) return { exists: false, readable: false, groupId: 0 };
  const access = await TaskAccess.load(db, caller, task);
  return { exists: true, readable: access.canRead(), groupId: task.group_id };
}

// ---------------------------------------------------------------------------------------------
// update (C5.1)

export interface ScrumTaskUpdateInput {
  /** portal time of the call (the sprint history's) */
  now: number;
  /** the task id */
  id: number;
  /** toInt if present, else 0 ("not given") */
  entityId: number;
  /** null = not a string */
  storyPoints: string | null;
  /** null = not numeric */
  epicId: number | null;
  /** `sortFloat` if numeric, else `sort` if numeric (toFloat); null = neither */
  sort: number | null;
  /** null = not numeric */
  createdBy: number | null;
  modifiedBy: number | null;
}

/** A sort value as written: 0 becomes the default 1024; negative and fractional values stay (A4). */
function sortValue(v: number): number {
  return v === 0 ? DEFAULT_SORT : v;
}

export async function updateScrumTask(db: Kysely<Database>, caller: Caller, input: ScrumTaskUpdateInput): Promise<true> {
  const { id, entityId, storyPoints, epicId, sort, createdBy, modifiedBy } = input;
  if (id === 0) throw Errors.scrum.taskIdNotFound();
  // the sprint history: the task entering or leaving a sprint, its story points
  const history = await historyBefore(db, [id]);
  // 3–4: the target entity must be readable; its group is G
  let group = 0;
  if (entityId !== 0) {
    // The target cannot be deleted until this transaction ends; one deleted meanwhile is gone (rowLocks.ts).
    await lockParent(db, 'scrum_entities', entityId, 'key share');
    const target = await getEntity(db, entityId);
    if (!target || !(await canReadGroup(db, caller, target.group_id))) throw Errors.scrum.accessDenied();
    group = target.group_id;
  }
  let item = await itemOfTask(db, id);
  if (!item) {
    // 5: the item is created — in the target entity, which must be in the task's own group
    if (entityId === 0) throw Errors.scrum.entityIdNotFound();
    const task = await canReadTask(db, caller, id);
    if (!task.readable) throw Errors.scrum.taskNotReadable();
    if (!(await canReadGroup(db, caller, task.groupId)) || task.groupId !== group) throw Errors.scrum.accessDenied();
    if (createdBy !== null && !(await userExists(db, createdBy))) throw Errors.scrum.createdByNotFound();
    const author = createdBy ?? 0;
    // The storage refuses an item without author (step 5.e).
    if (author <= 0) throw Errors.scrum.itemNotCreated();
    const sortFloat = sort !== null ? sortValue(sort) : (await smallestSort(db)) / 2;
    if (!Number.isFinite(sortFloat)) throw Errors.scrum.itemNotCreated();
    try {
      const r = await db
        .insertInto('scrum_items')
        .values({
          entity_id: entityId,
          source_id: id,
          epic_id: 0,
          active: 'Y',
          sort_float: sortFloat,
          story_points: null,
          created_by: author,
          modified_by: author,
          info: '{}',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      item = (await db.selectFrom('scrum_items').selectAll().where('id', '=', r.id).executeTakeFirst())!;
    } catch {
      // a storage failure, e.g. another request created the task's item first (one item per task)
      throw Errors.scrum.itemNotCreated();
    }
  } else {
    // 6: the item's current entity must be readable; its group is G
    const current = await getEntity(db, item.entity_id);
    if (!current || !(await canReadGroup(db, caller, current.group_id))) throw Errors.scrum.accessDenied();
    group = current.group_id;
  }
  const set: Updateable<ScrumItemTable> = {};
  // 7: move (nothing else moves: no board changes, the task keeps its group)
  if (entityId !== 0) set.entity_id = entityId;
  // 8
  if (storyPoints !== null) set.story_points = storyPoints;
  // 9: an epic of another group is refused; an unknown one unlinks
  if (epicId !== null) {
    const epic = await getEpic(db, epicId);
    if (epic && epic.group_id !== group) throw Errors.scrum.epicNotFound();
    set.epic_id = epic ? epic.id : 0;
  }
  // 10
  if (sort !== null) set.sort_float = sortValue(sort);
  // 11–12
  if (createdBy !== null && !(await userExists(db, createdBy))) throw Errors.scrum.createdByNotFound();
  if (modifiedBy !== null && !(await userExists(db, modifiedBy))) throw Errors.scrum.modifiedByNotFound();
  if (createdBy !== null && createdBy !== 0) set.created_by = createdBy;
  if (modifiedBy !== null && modifiedBy !== 0) set.modified_by = modifiedBy;
  // 13: a value the storage cannot hold (an infinite sort) fails the update
  if (set.sort_float !== undefined && !Number.isFinite(set.sort_float)) throw Errors.scrum.taskNotUpdated();
  if (Object.keys(set).length > 0) {
    try {
      await db.updateTable('scrum_items').set(set).where('id', '=', item.id).execute();
    } catch {
      throw Errors.scrum.taskNotUpdated();
    }
  }
  await history.record(db, input.now);
  // 14 (a "moved to sprint/backlog" entry in the task history) is not kept by this server.
  return true;
}

// ---------------------------------------------------------------------------------------------
// get (C5.2)

export async function getScrumTask(db: Kysely<Database>, caller: Caller, id: number) {
  if (id === 0) throw Errors.scrum.taskIdNotFound();
  const item = await itemOfTask(db, id);
  if (!item) throw Errors.scrum.taskNotFound();
  const entity = await getEntity(db, item.entity_id);
  if (!entity) throw Errors.scrum.accessDenied();
  // The relaxed check of task.get: group read access, or read access to the task itself (A5.1).
  if (!(await canReadGroup(db, caller, entity.group_id)) && !(await canReadTask(db, caller, id)).readable) {
    throw Errors.scrum.accessDenied();
  }
  return scrumTaskObject(item);
}

/** The object of task.get, keys in order (C5.2). */
export function scrumTaskObject(item: ItemRow) {
  const stored = Number(item.sort_float ?? 0);
  const sort = stored === 0 ? 0 : Math.min(LEGACY_SORT_MAX, Math.max(0, phpRound(stored)));
  return {
    entityId: item.entity_id,
    storyPoints: item.story_points ?? '',
    epicId: item.epic_id ?? 0,
    sort,
    sortFloat: stored === 0 ? DEFAULT_SORT : stored,
    createdBy: item.created_by ?? 0,
    modifiedBy: item.modified_by ?? 0,
  };
}

/** PHP round(): half away from zero; never -0. */
function phpRound(n: number): number {
  const r = Math.sign(n) * Math.round(Math.abs(n));
  return r === 0 ? 0 : r;
}

// ---------------------------------------------------------------------------------------------
// getFields (C5.3)

export const SCRUM_TASK_FIELDS = {
  fields: {
    entityId: { type: 'integer' },
    storyPoints: { type: 'string' },
    epicId: { type: 'integer' },
    sort: { type: 'integer' },
    sortFloat: { type: 'float' },
    createdBy: { type: 'integer' },
    modifiedBy: { type: 'integer' },
  },
};
