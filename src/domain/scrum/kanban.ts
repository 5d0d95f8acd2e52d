/**
 * The sprint-board methods of scrum-api.md C3 in the reference's check order.
 *
 * `updateStage`, `deleteStage`, `addTask` and `deleteTask` throw their business errors like every
 * other method (code "0" with the message the reference records); the method layer turns them into
 * HTTP 200 `false` unless strict mode is on (B9).
 */
import { raiseTaskEvent } from '../../events/raise.js';
import type { Kysely, Updateable } from 'kysely';
import { Errors } from '../../core/errors.js';
import { hasKey, isNumeric, own, toInt, toStr } from '../../core/php.js';
import type { Caller } from '../../core/call.js';
import type { Database, KanbanStageTable } from '../../store/schema.js';
import { limitLiteral, preparedQuery } from '../../store/prepared.js';
import { canReadGroup } from '../groups.js';
import {
  DEFAULT_STAGE_TITLES,
  EMPTY_STAGE_COLOR,
  SPRINT_BOARD,
  STAGE_TYPES,
  boardStages,
  getStage,
  insertStage,
  linkTask,
  unlinkFromBoard,
  type StageRow,
  type StageType,
} from './board.js';
import { getEntity, type EntityRow } from './entities.js';

/** A `type` input: only the exact, case-sensitive names count. */
function stageType(v: unknown): StageType | null {
  return typeof v === 'string' && STAGE_TYPES.includes(v) ? (v as StageType) : null;
}

/** The stage object of getStages (C3): raw storage values, so ids and sorts are strings. */
export function stageObject(s: StageRow) {
  const type = s.system_type;
  const titleType: StageType = type !== null && STAGE_TYPES.includes(type) ? (type as StageType) : 'NEW';
  return {
    id: String(s.id),
    name: s.title !== '' ? s.title : DEFAULT_STAGE_TITLES[titleType],
    sort: String(s.sort),
    type,
    sprintId: String(s.entity_id),
    color: s.color !== '' ? s.color : EMPTY_STAGE_COLOR,
  };
}

/** The entity (sprint or backlog) a stage or call points at, when the caller may read its group. */
async function readableEntity(db: Kysely<Database>, caller: Caller, id: number): Promise<EntityRow | undefined> {
  const entity = await getEntity(db, id);
  if (!entity || !(await canReadGroup(db, caller, entity.group_id))) return undefined;
  return entity;
}

/** A task of the entity's group, checked without task permissions (C3.5 step 8, C3.6 step 6). */
const taskInGroup = preparedQuery(
  (db, taskId: number, groupId: number) => db.selectFrom('tasks').select('id').where('id', '=', taskId).where('group_id', '=', groupId),
  { remember: true },
);

async function taskOfGroup(db: Kysely<Database>, taskId: number, groupId: number): Promise<boolean> {
  if (!Number.isSafeInteger(taskId) || taskId <= 0) return false;
  return (await taskInGroup.first(db, taskId, groupId)) !== undefined;
}

/** The stage and the entity its sprint id points at (update/delete, steps 2–4). */
async function loadStage(db: Kysely<Database>, caller: Caller, stageId: number): Promise<StageRow> {
  if (stageId === 0) throw Errors.scrum.stageIdNotFound();
  const stage = await getStage(db, stageId);
  if (!stage) throw Errors.scrum.stageNotFound();
  if (!(await readableEntity(db, caller, stage.entity_id))) throw Errors.scrum.accessDenied();
  return stage;
}

// ---------------------------------------------------------------------------------------------
// addStage (C3.1)

export async function addStage(db: Kysely<Database>, caller: Caller, fields: unknown): Promise<number> {
  const sprintId = hasKey(fields, 'sprintId') ? toInt(own(fields, 'sprintId')) : 0;
  if (sprintId === 0) throw Errors.scrum.sprintIdNotFound();
  const entity = await getEntity(db, sprintId); // a backlog id is accepted as well
  if (!entity) throw Errors.scrum.sprintNotFound();
  if (!(await canReadGroup(db, caller, entity.group_id))) throw Errors.scrum.accessDenied();
  const name = own(fields, 'name');
  if (typeof name !== 'string') throw Errors.scrum.incorrectStageName();
  const sortInput = own(fields, 'sort');
  try {
    return await insertStage(db, {
      sprintId,
      title: name,
      type: stageType(own(fields, 'type')) ?? 'WORK',
      sort: isNumeric(sortInput) ? toInt(sortInput) : 100,
      color: hasKey(fields, 'color') ? toStr(own(fields, 'color')) : '00C4FB',
    });
  } catch {
    throw Errors.scrum.systemError();
  }
}

// ---------------------------------------------------------------------------------------------
// updateStage (C3.2)

export async function updateStage(db: Kysely<Database>, caller: Caller, stageId: number, fields: unknown): Promise<true> {
  await loadStage(db, caller, stageId);
  const set: Updateable<KanbanStageTable> = {};
  const name = own(fields, 'name');
  if (typeof name === 'string') set.title = name;
  const sprintId = own(fields, 'sprintId');
  if (isNumeric(sprintId)) {
    const target = toInt(sprintId);
    if (!(await readableEntity(db, caller, target))) throw Errors.scrum.incorrectSprintId();
    set.entity_id = target; // the stage's task links go with it untouched
  }
  const color = own(fields, 'color');
  if (typeof color === 'string') set.color = color;
  const sort = own(fields, 'sort');
  if (isNumeric(sort)) set.sort = toInt(sort);
  const type = stageType(own(fields, 'type'));
  if (type !== null) set.system_type = type;
  if (Object.keys(set).length > 0) {
    try {
      await db.updateTable('kanban_stages').set(set).where('id', '=', stageId).execute();
    } catch {
      throw Errors.scrum.systemError();
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// getStages (C3.3)

export async function getStages(db: Kysely<Database>, caller: Caller, sprintId: number) {
  if (sprintId === 0) throw Errors.scrum.sprintIdNotFound();
  const entity = await getEntity(db, sprintId);
  if (!entity || entity.entity_type !== 'sprint') throw Errors.scrum.sprintNotFound();
  if (!(await canReadGroup(db, caller, entity.group_id))) throw Errors.scrum.accessDenied();
  return (await boardStages(db, sprintId)).map(stageObject);
}

// ---------------------------------------------------------------------------------------------
// deleteStage (C3.4)

export async function deleteStage(db: Kysely<Database>, caller: Caller, stageId: number): Promise<true> {
  const stage = await loadStage(db, caller, stageId);
  // Any link counts, tasks in the recycle bin included.
  const link = await db.selectFrom('kanban_task_stages').select('id').where('stage_id', '=', stageId).limit(limitLiteral(1)).executeTakeFirst();
  if (link) throw Errors.scrum.stageHasTasks();
  try {
    // The reference clears the entry column's type before deleting it.
    if (stage.system_type === 'NEW') await db.updateTable('kanban_stages').set({ system_type: '' }).where('id', '=', stageId).execute();
    const r = await db
      .deleteFrom('kanban_stages')
      .where('id', '=', stageId)
      .where('entity_type', '=', SPRINT_BOARD)
      .where('entity_id', '=', stage.entity_id)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw new Error('stage not deleted');
  } catch {
    throw Errors.scrum.systemError();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// addTask (C3.5)

export async function addTaskToStage(
  db: Kysely<Database>,
  caller: Caller,
  input: { sprintId: number; taskId: number; stageId: number },
): Promise<true> {
  const { sprintId, taskId, stageId } = input;
  if (sprintId === 0) throw Errors.scrum.sprintIdNotFound();
  if (taskId === 0) throw Errors.scrum.taskIdNotFound();
  if (stageId === 0) throw Errors.scrum.stageIdNotFound();
  const entity = await getEntity(db, sprintId); // sprint or backlog
  if (!entity) throw Errors.scrum.sprintNotFound();
  if (!(await canReadGroup(db, caller, entity.group_id))) throw Errors.scrum.accessDenied();
  // Any stage: it need not belong to this sprint's board (K-7).
  if (!(await getStage(db, stageId))) throw Errors.scrum.stageNotFound();
  if (!(await taskOfGroup(db, taskId, entity.group_id))) throw Errors.scrum.taskNotInGroup();
  try {
    // Other links of the task stay, and the task's STAGE_ID is not updated (C3.5). Linking a task to a
    // stage it already is on keeps the link and answers true (`unverified:` the reference may say false).
    await linkTask(db, taskId, stageId);
  } catch {
    throw Errors.scrum.systemError();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// deleteTask (C3.6)

export async function deleteTaskFromBoard(db: Kysely<Database>, caller: Caller, input: { sprintId: number; taskId: number }): Promise<true> {
  const { sprintId, taskId } = input;
  if (sprintId === 0) throw Errors.scrum.sprintIdNotFound();
  if (taskId === 0) throw Errors.scrum.taskIdNotFound();
  const entity = await getEntity(db, sprintId);
  if (!entity) throw Errors.scrum.sprintNotFound();
  if (!(await canReadGroup(db, caller, entity.group_id))) throw Errors.scrum.accessDenied();
  if (!(await taskOfGroup(db, taskId, entity.group_id))) throw Errors.scrum.taskNotInGroup();
  try {
    if ((await unlinkFromBoard(db, taskId, sprintId)) > 0) {
      await db.updateTable('tasks').set({ stage_id: 0 }).where('id', '=', taskId).execute();
      await raiseTaskEvent(db, 'ONTASKUPDATE', taskId); // spec events.md §7.2
    }
  } catch {
    // The reference records no message here; strict mode reports this one.
    throw Errors.scrum.systemError();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// getFields (C3.7)

export const KANBAN_FIELDS = {
  fields: {
    name: { type: 'string' },
    sort: { type: 'integer' },
    type: { type: 'string' },
    sprintId: { type: 'integer' },
    color: { type: 'string' },
  },
};
