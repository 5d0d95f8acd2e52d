/**
 * Starting and completing sprints (scrum-api.md A3, C2.3 `sprint.start`, C2.4 `sprint.complete`):
 * the boards they build, the tasks they place and the items they move (A4 ordering).
 */
import type { Kysely } from 'kysely';
import type { PortalTime } from '../../core/portalTime.js';
import { Errors } from '../../core/errors.js';
import { isUniqueViolation } from '../../store/dialectErrors.js';
import type { Caller } from '../../core/call.js';
import type { Database } from '../../store/schema.js';
import { canReadGroup, canStartSprint, getGroup, lockGroup } from '../groups.js';
import {
  DEFAULT_STAGES,
  DEFAULT_STAGE_TITLES,
  STAGE_SORT_STEP,
  boardLinks,
  boardStages,
  insertStage,
  placeTask,
  type StageRow,
} from './board.js';
import { getActiveSprintOfGroup, getBacklogOfGroup, moveItemsToTop, sprintObject, type EntityRow } from './entities.js';
import { historyBeforeEntity, recordSprintEnd, recordSprintStart } from './history.js';
import { loadSprint } from './sprint.js';

/** Status of a completed task (Appendix "Constants"). */
export const TASK_COMPLETED = 5;

/** Length of the fallback sprint of `complete` when the group has no default (the product UI's 2 weeks). */
export const FALLBACK_SPRINT_DURATION = 1_209_600;

/**
 * Why the start procedure stopped (the reference's internal reasons; REST reports "Unable to start
 * sprint"). The effects of the steps before the failure are kept, as in the reference (C2.3).
 */
export type StartFailure =
  | 'You already have a running sprint.'
  | 'Failed to get last completed sprint'
  | 'Cannot run sprint without tasks.'
  | 'Failed to get the default stage';

export type StartOutcome = { ok: true; sprint: ReturnType<typeof sprintObject> } | { ok: false; reason: StartFailure };

/** The group's completed sprint with the latest end date (ties: the newest row); none if no sprint was completed. */
async function lastCompletedSprint(db: Kysely<Database>, groupId: number): Promise<EntityRow | undefined> {
  const rows = await db
    .selectFrom('scrum_entities')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('entity_type', '=', 'sprint')
    .where('status', '=', 'completed')
    .execute();
  // A missing end date sorts lowest (as NULL does in the reference's MySQL).
  const end = (e: EntityRow) => e.date_end ?? Number.NEGATIVE_INFINITY;
  let last: EntityRow | undefined;
  for (const e of rows) if (!last || end(e) > end(last) || (end(e) === end(last) && e.id > last.id)) last = e;
  return last;
}

/** The tasks of the sprint's active items (recycle bin excluded), in the sprint's item order (A4). */
async function sprintTasks(db: Kysely<Database>, sprintId: number) {
  return db
    .selectFrom('scrum_items')
    .innerJoin('tasks', 'tasks.id', 'scrum_items.source_id')
    .select(['scrum_items.id as itemId', 'tasks.id as taskId', 'tasks.status as status'])
    .where('scrum_items.entity_id', '=', sprintId)
    .where('scrum_items.active', '=', 'Y')
    .orderBy('scrum_items.sort_float', 'asc')
    .orderBy('scrum_items.id', 'desc')
    .execute();
}

/** The not-completed direct subtasks of the given tasks that belong to the group (recycle bin excluded), by task id. */
async function openSubtasks(db: Kysely<Database>, parentIds: readonly number[], groupId: number): Promise<number[]> {
  if (parentIds.length === 0) return [];
  const rows = await db
    .selectFrom('tasks')
    .leftJoin('scrum_items', 'scrum_items.source_id', 'tasks.id')
    .select('tasks.id')
    .where('tasks.parent_id', 'in', [...parentIds])
    .where('tasks.group_id', '=', groupId)
    .where('tasks.status', '!=', TASK_COMPLETED)
    .where((eb) => eb.or([eb('scrum_items.active', 'is', null), eb('scrum_items.active', '!=', 'N')]))
    .orderBy('tasks.id', 'asc')
    .execute();
  return rows.map((r) => r.id);
}

/** The sprint's items of the given tasks, in the sprint's item order. */
async function itemsOfTasks(db: Kysely<Database>, sprintId: number, taskIds: ReadonlySet<number>): Promise<number[]> {
  if (taskIds.size === 0) return [];
  const rows = await db
    .selectFrom('scrum_items')
    .select(['id', 'source_id'])
    .where('entity_id', '=', sprintId)
    .where('source_id', 'in', [...taskIds])
    .orderBy('sort_float', 'asc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Step 4: the board of a sprint that has none — a copy of the last completed sprint's board (same
 * titles, colors and types, sorts 100, 200, … in its column order) or the three default stages.
 * Returns false when the last completed sprint has no board to copy.
 */
async function createBoard(db: Kysely<Database>, sprintId: number, last: EntityRow | undefined): Promise<boolean> {
  if (last) {
    const source = await boardStages(db, last.id);
    if (source.length === 0) return false;
    let sort = 0;
    for (const s of source) {
      sort += STAGE_SORT_STEP;
      await insertStage(db, { sprintId, title: s.title, sort, color: s.color, type: s.system_type });
    }
    return true;
  }
  for (const d of DEFAULT_STAGES) {
    await insertStage(db, { sprintId, title: DEFAULT_STAGE_TITLES[d.type], sort: d.sort, color: d.color, type: d.type });
  }
  return true;
}

/**
 * Step 9's stage mapping: when the last completed sprint's board has as many stages as this one,
 * each of its stages maps to the first stage of this board with the identical title and type.
 */
function stageMapping(lastStages: readonly StageRow[], stages: readonly StageRow[]): Map<number, number> {
  const map = new Map<number, number>();
  if (lastStages.length !== stages.length) return map;
  for (const ls of lastStages) {
    const match = stages.find((s) => s.title === ls.title && s.system_type === ls.system_type);
    if (match) map.set(ls.id, match.id);
  }
  return map;
}

/**
 * `sprint.start` (C2.3) after the lookups: checks 5–7, then the start procedure. A procedure failure
 * is returned (not thrown) so that the caller can keep the effects of the steps already done, as the
 * reference does, and report "Unable to start sprint" afterwards.
 */
export async function startSprint(db: Kysely<Database>, caller: Caller, time: PortalTime, now: number, id: number): Promise<StartOutcome> {
  // the sprint history: the completed tasks that leave for the backlog, then the start and its baseline
  // (the snapshot under the group lock the steps take as well)
  await lockGroup(db, (await loadSprint(db, id, Errors.scrum.sprintIdNotFound)).group_id);
  const history = await historyBeforeEntity(db, id);
  const outcome = await startSprintSteps(db, caller, time, now, id);
  await history.record(db, now);
  if (outcome.ok) await recordSprintStart(db, Number(outcome.sprint.groupId), id, now);
  return outcome;
}

async function startSprintSteps(db: Kysely<Database>, caller: Caller, time: PortalTime, now: number, id: number): Promise<StartOutcome> {
  await lockGroup(db, (await loadSprint(db, id, Errors.scrum.sprintIdNotFound)).group_id);
  // read again under the lock: a concurrent start may have just committed
  const sprint = await loadSprint(db, id, Errors.scrum.sprintIdNotFound);
  if (sprint.status !== 'planned') throw Errors.scrum.sprintMustBePlanned();
  if (!(await canStartSprint(db, caller, sprint.group_id))) throw Errors.scrum.accessDenied();
  if (!(await canReadGroup(db, caller, sprint.group_id))) throw Errors.scrum.accessDenied();
  const groupId = sprint.group_id;

  // 2. one active sprint per group (the unique index below holds it under concurrency as well)
  if (await getActiveSprintOfGroup(db, groupId)) return { ok: false, reason: 'You already have a running sprint.' };

  // 3–4. the board: kept when the sprint already has stages, else copied or created
  const last = await lastCompletedSprint(db, groupId);
  let stages = await boardStages(db, sprint.id);
  if (stages.length === 0) {
    if (!(await createBoard(db, sprint.id, last))) return { ok: false, reason: 'Failed to get last completed sprint' };
    stages = await boardStages(db, sprint.id);
  }

  // 5. the tasks of the active items, completed and open
  const tasks = await sprintTasks(db, sprint.id);
  const completed = tasks.filter((t) => t.status === TASK_COMPLETED).map((t) => t.taskId);

  // 6. completed tasks and their open subtasks of the group leave the sprint for the top of the backlog
  const leaving = new Set([...completed, ...(await openSubtasks(db, completed, groupId))]);
  const backlog = await getBacklogOfGroup(db, groupId);
  if (backlog) {
    await moveItemsToTop(db, await itemsOfTasks(db, sprint.id, leaving), backlog.id);
  } else {
    // The reference moves them to entity id 0, orphaning the items; N8 allows the safe behaviour
    // instead: without a backlog they stay in the sprint (and, being completed, off the board).
    leaving.clear();
  }

  // 7. open tasks (a task whose item just left for the backlog is not put on the board) and their open subtasks
  const open = tasks.filter((t) => t.status !== TASK_COMPLETED && !leaving.has(t.taskId)).map((t) => t.taskId);

  // 8. nothing to work on
  if (open.length === 0) return { ok: false, reason: 'Cannot run sprint without tasks.' };
  const onBoard = [...new Set([...open, ...(await openSubtasks(db, open, groupId))])];

  // 9. the board: the NEW column, or the column the task had on the last sprint's board when it maps
  const entry = stages.find((s) => s.system_type === 'NEW');
  if (!entry) return { ok: false, reason: 'Failed to get the default stage' };
  const lastStages = last ? await boardStages(db, last.id) : [];
  const mapping = stageMapping(lastStages, stages);
  const lastColumn = new Map<number, number>();
  if (mapping.size > 0) {
    // a task on several columns of the last board goes by the first of them (in column order) that maps
    for (const l of await boardLinks(db, last!.id)) {
      if (!lastColumn.has(l.taskId) && mapping.has(l.stageId)) lastColumn.set(l.taskId, mapping.get(l.stageId)!);
    }
  }
  for (const taskId of onBoard) await placeTask(db, taskId, sprint.id, lastColumn.get(taskId) ?? entry.id);

  // 10. automation rules are not part of scrumd.
  // 11. persist: status and sort only; the dates stay as they are
  try {
    await db.updateTable('scrum_entities').set({ status: 'active', sort: 0 }).where('id', '=', sprint.id).execute();
  } catch (e) {
    // Another writer (sprint.add/update do not take the group lock) activated a sprint of the group
    // meanwhile: the database holds one active sprint per group. Thrown, so the whole call is rolled back.
    if (isUniqueViolation(e)) throw Errors.scrum.sprintNotStarted();
    throw e;
  }
  return { ok: true, sprint: sprintObject({ ...sprint, status: 'active', sort: 0 }, time, now) };
}

// ---------------------------------------------------------------------------------------------
// complete (C2.4)

/** The checks of `sprint.complete` (steps 2–5); returns the group's active sprint. */
export async function sprintToComplete(db: Kysely<Database>, caller: Caller, groupId: number): Promise<EntityRow> {
  if (groupId === 0) throw Errors.scrum.groupIdNotFound();
  await lockGroup(db, groupId);
  const sprint = Number.isSafeInteger(groupId) ? await getActiveSprintOfGroup(db, groupId) : undefined;
  if (!sprint) throw Errors.scrum.sprintNotFound();
  if (!(await canStartSprint(db, caller, groupId))) throw Errors.scrum.accessDenied();
  if (!(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  return sprint;
}

/** The planned sprint `complete` creates for the open tasks of a group without a backlog (step 5). */
async function createNextSprint(db: Kysely<Database>, caller: Caller, groupId: number, now: number): Promise<number> {
  const count = await db
    .selectFrom('scrum_entities')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('group_id', '=', groupId)
    .where('entity_type', '=', 'sprint')
    .executeTakeFirst();
  const group = await getGroup(db, groupId);
  // `unverified:` a group without a default sprint length gets the product UI's default.
  const duration = group?.scrum_sprint_duration || FALLBACK_SPRINT_DURATION;
  const r = await db
    .insertInto('scrum_entities')
    .values({
      group_id: groupId,
      entity_type: 'sprint',
      name: `Sprint ${Number(count?.n ?? 0) + 1}`,
      sort: 0,
      created_by: caller.userId,
      modified_by: caller.userId,
      date_start: now,
      date_end: now + duration,
      status: 'planned',
      info: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** A failure inside the completion procedure, as opposed to the checks before it. */
export class CompletionFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('sprint completion failed');
  }
}

/**
 * The completion procedure of `sprint.complete` (C2.4 steps 1–8). Any failure is thrown; the method
 * rolls the call back and answers `null` (B9).
 */
export async function completeSprint(
  db: Kysely<Database>,
  caller: Caller,
  time: PortalTime,
  now: number,
  sprint: EntityRow,
) {
  // the sprint history: the end marker closes the sprint's state before the open tasks leave it
  const history = await historyBeforeEntity(db, sprint.id);
  await recordSprintEnd(db, sprint.group_id, sprint.id, now);
  const result = await completeSprintSteps(db, caller, time, now, sprint);
  await history.record(db, now);
  return result;
}

async function completeSprintSteps(db: Kysely<Database>, caller: Caller, time: PortalTime, now: number, sprint: EntityRow) {
  // 2. finished = on a FINISH column, unfinished = on any other column (recycle bin excluded)
  const links = await boardLinks(db, sprint.id);
  const finished = new Set<number>();
  const unfinished: number[] = [];
  const status = new Map<number, number>();
  for (const l of links) {
    status.set(l.taskId, l.status);
    if (l.type === 'FINISH') finished.add(l.taskId);
    else if (!unfinished.includes(l.taskId)) unfinished.push(l.taskId);
  }

  // 3. Finished tasks that are not completed would be completed if "may complete this task" passed; the
  // reference evaluates it for user 0 on the REST path, which grants nothing, so they stay not completed
  // and remain in the completed sprint (`unverified:` in the reference; the spec's reading).

  // 4. completed tasks off the FINISH column go to the last FINISH column (if any) and stay in the sprint
  const stages = await boardStages(db, sprint.id);
  const finishColumns = stages.filter((s) => s.system_type === 'FINISH');
  const lastFinish = finishColumns[finishColumns.length - 1];
  const moving: number[] = [];
  for (const taskId of unfinished) {
    if (status.get(taskId) === TASK_COMPLETED) {
      if (lastFinish) await placeTask(db, taskId, sprint.id, lastFinish.id);
    } else {
      moving.push(taskId);
    }
  }

  // 5. the target: the backlog, or a new planned sprint when the group has none
  const backlog = await getBacklogOfGroup(db, sprint.group_id);
  const target = backlog ? backlog.id : await createNextSprint(db, caller, sprint.group_id, now);

  // 6–7. the sprint's items of the unfinished tasks go to the top of the target, in their order
  await moveItemsToTop(db, await itemsOfTasks(db, sprint.id, new Set(moving)), target);

  // 8. persist; the board and its links stay (statistics), dateStart is unchanged
  await db.updateTable('scrum_entities').set({ date_end: now, status: 'completed', sort: 0 }).where('id', '=', sprint.id).execute();
  return sprintObject({ ...sprint, date_end: now, status: 'completed', sort: 0 }, time, now);
}
