/**
 * The coupling of ordinary tasks with Scrum (scrum-api.md A6, platform.md §9): the effects that
 * tasks.task.add/update/delete and the status actions have on items, sprint boards and the task's
 * denormalized STAGE_ID.
 *
 * Every effect runs inside the task call's transaction, after the task change is stored, and never
 * fails the task call: each one runs under a savepoint, and an effect that cannot be applied is rolled
 * back to that savepoint and skipped (platform.md §9).
 */
import type { Kysely } from 'kysely';
import type { Log } from '../../app.js';
import type { Database } from '../../store/schema.js';
import { lockParent } from '../../store/rowLocks.js';
import { underSavepoint } from '../../store/savepoint.js';
import { getGroup } from '../groups.js';
import { getActiveSprintOfGroup, getBacklogOfGroup, getEntity, moveItemsToTop, type EntityRow } from './entities.js';
import { raiseTaskEvent } from '../../events/raise.js';

/** Sprint-board stages live in the stage table with this entity type (scrum-api.md A2.5). */
const SPRINT_BOARD = 'A';

/** What the coupling needs to know about a task after the change was stored. */
export interface CoupledTask {
  id: number;
  group_id: number;
  parent_id: number | null;
  created_by: number;
}

export interface CouplingContext {
  db: Kysely<Database>;
  /** the user whose call causes the effect (written as the item's modifier) */
  userId: number;
  log?: Log;
}

/** Runs one effect under a savepoint of the task call's transaction; an effect that fails is rolled back alone, logged and skipped. */
async function bestEffort(ctx: CouplingContext, what: string, fn: () => Promise<void>): Promise<void> {
  const outcome = await underSavepoint(ctx.db, fn);
  if (!outcome.ok) ctx.log?.warn({ err: outcome.error }, `Scrum effect skipped: ${what}`);
}

export async function isScrumGroup(db: Kysely<Database>, groupId: number): Promise<boolean> {
  if (groupId <= 0) return false;
  const g = await getGroup(db, groupId);
  return g !== undefined && (g.scrum_master_id ?? 0) > 0;
}

async function itemOfTask(db: Kysely<Database>, taskId: number) {
  return db.selectFrom('scrum_items').selectAll().where('source_id', '=', taskId).executeTakeFirst();
}

/** The stages of a sprint's board in column order (sort, then id). */
async function boardStages(db: Kysely<Database>, sprintId: number) {
  return db
    .selectFrom('kanban_stages')
    .select(['id', 'system_type', 'sort'])
    .where('entity_type', '=', SPRINT_BOARD)
    .where('entity_id', '=', sprintId)
    .orderBy('sort', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/**
 * The column of a given system type. When a board has several columns of the type, the first one in
 * column order (smallest sort) is used — for NEW this matches the reference's default-stage lookup;
 * for FINISH the reference generation examined picks the last one, a local server deliberately uses
 * the first (the left-most "done" column), as the project decided.
 */
async function stageOfType(db: Kysely<Database>, sprintId: number, type: 'NEW' | 'FINISH'): Promise<number | undefined> {
  return (await boardStages(db, sprintId)).find((s) => s.system_type === type)?.id;
}

/** The task's links to the stages of one sprint's board. */
async function boardLinks(db: Kysely<Database>, taskId: number, sprintId: number) {
  return db
    .selectFrom('kanban_task_stages')
    .innerJoin('kanban_stages', 'kanban_stages.id', 'kanban_task_stages.stage_id')
    .select(['kanban_task_stages.id as linkId', 'kanban_stages.id as stageId', 'kanban_stages.system_type as type'])
    .where('kanban_task_stages.task_id', '=', taskId)
    .where('kanban_stages.entity_type', '=', SPRINT_BOARD)
    .where('kanban_stages.entity_id', '=', sprintId)
    .execute();
}

/** Removes the task from a sprint's board; a STAGE_ID pointing at that board is reset to 0. */
async function removeFromBoard(db: Kysely<Database>, taskId: number, sprintId: number): Promise<void> {
  const stageIds = (await boardStages(db, sprintId)).map((s) => s.id);
  if (stageIds.length === 0) return;
  await db.deleteFrom('kanban_task_stages').where('task_id', '=', taskId).where('stage_id', 'in', stageIds).execute();
  await db.updateTable('tasks').set({ stage_id: 0 }).where('id', '=', taskId).where('stage_id', 'in', stageIds).execute();
}

/** Puts the task into one column of a sprint's board (leaving its other columns there) and denormalizes STAGE_ID. */
async function placeOnStage(db: Kysely<Database>, taskId: number, sprintId: number, stageId: number): Promise<void> {
  const stageIds = (await boardStages(db, sprintId)).map((s) => s.id);
  await db.deleteFrom('kanban_task_stages').where('task_id', '=', taskId).where('stage_id', 'in', stageIds).execute();
  await db.insertInto('kanban_task_stages').values({ task_id: taskId, stage_id: stageId }).execute();
  await db.updateTable('tasks').set({ stage_id: stageId }).where('id', '=', taskId).execute();
  // the reference rewrites the stage through the task update routine: ONTASKUPDATE (spec events.md §7.2;
  // a subtask added on the board gets it besides its ONTASKADD, an update or status change collapses with its own)
  await raiseTaskEvent(db, 'ONTASKUPDATE', taskId);
}

/** Puts the task into the NEW column of a sprint's board, if the board has one. */
async function placeOnNew(db: Kysely<Database>, taskId: number, sprintId: number): Promise<void> {
  const stageId = await stageOfType(db, sprintId, 'NEW');
  if (stageId !== undefined) await placeOnStage(db, taskId, sprintId, stageId);
}

function isActiveSprint(e: EntityRow | undefined): e is EntityRow {
  return e !== undefined && e.entity_type === 'sprint' && e.status === 'active';
}

/** The parent's item, when the parent task has one in an entity of the given group. */
async function parentItemInGroup(db: Kysely<Database>, parentId: number | null, groupId: number) {
  if (parentId === null || parentId <= 0) return undefined;
  const item = await itemOfTask(db, parentId);
  if (!item) return undefined;
  const entity = await getEntity(db, item.entity_id);
  if (!entity || entity.group_id !== groupId) return undefined;
  return { item, entity };
}

/**
 * Creates the item of a task that entered a Scrum group without one (A6 "task created in a Scrum
 * group"): into the parent's entity when the parent has an item in the same group (sort = number of
 * the parent's subtasks, epic inherited; on the NEW column when that entity is the active sprint),
 * else into the backlog at sort 1, else nowhere. The item's author is the task's creator.
 */
async function createItem(db: Kysely<Database>, task: CoupledTask): Promise<void> {
  if (await itemOfTask(db, task.id)) return;
  const parent = await parentItemInGroup(db, task.parent_id, task.group_id);
  let entity: EntityRow | undefined;
  let sort = 1;
  let epicId = 0;
  if (parent) {
    entity = parent.entity;
    epicId = parent.item.epic_id;
    const subtasks = await db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('parent_id', '=', task.parent_id)
      .executeTakeFirst();
    sort = Math.max(1, Number(subtasks?.n ?? 0));
  } else {
    entity = await getBacklogOfGroup(db, task.group_id);
  }
  if (!entity) return;
  // Never into a backlog or sprint deleted meanwhile; it cannot be deleted until this transaction ends.
  if (!(await lockParent(db, 'scrum_entities', entity.id, 'key share'))) return;
  await db
    .insertInto('scrum_items')
    .values({
      entity_id: entity.id,
      source_id: task.id,
      epic_id: epicId,
      active: 'Y',
      sort_float: sort,
      story_points: null,
      created_by: task.created_by,
      modified_by: task.created_by,
      info: '{}',
    })
    .execute();
  if (isActiveSprint(entity)) await placeOnNew(db, task.id, entity.id);
}

/** tasks.task.add into a Scrum group (platform.md §9.2). */
export async function onTaskAdded(ctx: CouplingContext, task: CoupledTask): Promise<void> {
  if (!(await isScrumGroup(ctx.db, task.group_id))) return;
  await bestEffort(ctx, `item for new task ${task.id}`, () => createItem(ctx.db, task));
}

/**
 * tasks.task.update changing GROUP_ID (platform.md §9.3).
 * Into a Scrum: a task without an item gets one as on add; an existing item is re-attached to the new
 * group's active sprint when the parent task's item is there, else to its backlog — epic cleared,
 * placed at the top. When the new group offers neither, the item is deleted (a local choice, so that
 * no item stays in another group's backlog or sprint; `unverified:` the reference leaves it in place).
 * Out of a Scrum: the item is deleted and the task leaves the old group's active sprint board.
 */
export async function onTaskGroupChanged(ctx: CouplingContext, task: CoupledTask, oldGroupId: number): Promise<void> {
  const { db } = ctx;
  const intoScrum = await isScrumGroup(db, task.group_id);
  const fromScrum = await isScrumGroup(db, oldGroupId);
  if (!intoScrum && !fromScrum) return;
  await bestEffort(ctx, `group change of task ${task.id}`, async () => {
    const item = await itemOfTask(db, task.id);
    const oldEntity = item ? await getEntity(db, item.entity_id) : undefined;
    // Leave the old group's active sprint board (the item's sprint when it was active there).
    const oldActive = oldGroupId > 0 ? await getActiveSprintOfGroup(db, oldGroupId) : undefined;
    if (oldActive) await removeFromBoard(db, task.id, oldActive.id);
    if (isActiveSprint(oldEntity) && oldEntity.id !== oldActive?.id) await removeFromBoard(db, task.id, oldEntity.id);

    if (!intoScrum) {
      if (item) await db.deleteFrom('scrum_items').where('id', '=', item.id).execute();
      return;
    }
    if (!item) {
      await createItem(db, task);
      return;
    }
    const active = await getActiveSprintOfGroup(db, task.group_id);
    const parent = await parentItemInGroup(db, task.parent_id, task.group_id);
    const target = active && parent && parent.entity.id === active.id ? active : await getBacklogOfGroup(db, task.group_id);
    if (!target) {
      await db.deleteFrom('scrum_items').where('id', '=', item.id).execute();
      return;
    }
    await db.updateTable('scrum_items').set({ epic_id: 0, modified_by: ctx.userId }).where('id', '=', item.id).execute();
    await moveItemsToTop(db, [item.id], target.id);
    if (isActiveSprint(target)) await placeOnNew(db, task.id, target.id);
  });
}

/** Working statuses a task returns to when it is renewed (pending, in progress, legacy new). */
const WORKING = [1, 2, 3];

/**
 * Status changes (platform.md §9.4): completion (→ 5) moves a task whose item is in the active sprint
 * to the FINISH column; leaving 5 for a working status undoes it (parent in the active sprint → join
 * it on NEW; in FINISH of the active sprint → back to NEW; item in a completed sprint → backlog, top).
 * Status 4 (awaiting control) does not move anything.
 */
export async function onTaskStatusChanged(ctx: CouplingContext, task: CoupledTask, oldStatus: number, newStatus: number): Promise<void> {
  const { db } = ctx;
  if (oldStatus === newStatus) return;
  const completing = newStatus === 5;
  const renewing = oldStatus === 5 && WORKING.includes(newStatus);
  if (!completing && !renewing) return;
  if (!(await isScrumGroup(db, task.group_id))) return;
  await bestEffort(ctx, `status change of task ${task.id}`, async () => {
    const item = await itemOfTask(db, task.id);
    if (!item) return;
    const entity = await getEntity(db, item.entity_id);
    const active = await getActiveSprintOfGroup(db, task.group_id);
    if (completing) {
      if (!active || !entity || entity.id !== active.id) return;
      const links = await boardLinks(db, task.id, active.id);
      if (links.some((l) => l.type === 'FINISH')) return;
      const finish = await stageOfType(db, active.id, 'FINISH');
      if (finish !== undefined) await placeOnStage(db, task.id, active.id, finish);
      return;
    }
    // renewing
    const parent = await parentItemInGroup(db, task.parent_id, task.group_id);
    if (active && parent && parent.entity.id === active.id) {
      if (item.entity_id !== active.id) {
        await moveItemsToTop(db, [item.id], active.id);
        await placeOnNew(db, task.id, active.id);
        return;
      }
      const links = await boardLinks(db, task.id, active.id);
      if (links.length === 0 || links.some((l) => l.type === 'FINISH')) await placeOnNew(db, task.id, active.id);
      return;
    }
    if (active && entity && entity.id === active.id) {
      const links = await boardLinks(db, task.id, active.id);
      if (links.some((l) => l.type === 'FINISH')) await placeOnNew(db, task.id, active.id);
      return;
    }
    if (entity && entity.entity_type === 'sprint' && entity.status === 'completed') {
      const backlog = await getBacklogOfGroup(db, task.group_id);
      if (backlog) await moveItemsToTop(db, [item.id], backlog.id);
    }
  });
}

/** Permanent deletion (platform.md §8.7, §9.6): the item and every stage link of the task go. */
export async function onTaskDeleted(ctx: CouplingContext, taskId: number): Promise<void> {
  await bestEffort(ctx, `Scrum data of deleted task ${taskId}`, async () => {
    await ctx.db.deleteFrom('scrum_items').where('source_id', '=', taskId).execute();
    await ctx.db.deleteFrom('kanban_task_stages').where('task_id', '=', taskId).execute();
  });
}

/** The backlog / sprint a task's item is in, for the SPRINT_ID / BACKLOG_ID output fields. */
export async function scrumPlacement(db: Kysely<Database>, taskIds: readonly number[]) {
  const out = new Map<number, { entityId: number; type: string }>();
  if (taskIds.length === 0) return out;
  const rows = await db
    .selectFrom('scrum_items')
    .innerJoin('scrum_entities', 'scrum_entities.id', 'scrum_items.entity_id')
    .select(['scrum_items.source_id as taskId', 'scrum_entities.id as entityId', 'scrum_entities.entity_type as type'])
    .where('scrum_items.source_id', 'in', [...taskIds])
    .execute();
  for (const r of rows) out.set(r.taskId, { entityId: r.entityId, type: r.type });
  return out;
}
