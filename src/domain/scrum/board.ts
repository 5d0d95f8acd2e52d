/**
 * Sprint boards (scrum-api.md A2.5): the stages of a sprint's Kanban and the task–stage links,
 * shared by the kanban methods (C3) and by sprint.start / sprint.complete (C2.3, C2.4).
 */
import { raiseTaskEvent } from '../../events/raise.js';
import type { Kysely, Selectable } from 'kysely';
import type { Database, KanbanStageTable } from '../../store/schema.js';
import { preparedQuery } from '../../store/prepared.js';

/** Sprint-board stages live in the stage table with this entity type. */
export const SPRINT_BOARD = 'A';

export type StageType = 'NEW' | 'WORK' | 'FINISH';
export const STAGE_TYPES: readonly string[] = ['NEW', 'WORK', 'FINISH'];

/** Default stage titles of an English portal (Appendix "Default strings"). */
export const DEFAULT_STAGE_TITLES: Readonly<Record<StageType, string>> = {
  NEW: 'New',
  WORK: 'In progress',
  FINISH: 'Finished',
};

/** The three stages a sprint gets at start when there is no completed sprint to copy (C2.3 step 4). */
export const DEFAULT_STAGES: readonly { sort: number; type: StageType; color: string }[] = [
  { sort: 100, type: 'NEW', color: '00C4FB' },
  { sort: 200, type: 'WORK', color: '47D1E2' },
  { sort: 300, type: 'FINISH', color: '75D900' },
];

/** How an empty color is displayed (A2.5). */
export const EMPTY_STAGE_COLOR = '47D1E2';

/** Stage sort step of copied boards (A4). */
export const STAGE_SORT_STEP = 100;

export type StageRow = Selectable<KanbanStageTable>;

/** A stage by id, whatever board it belongs to (the reference's lookups do not check the board). */
const stageById = preparedQuery((db, id: number) => db.selectFrom('kanban_stages').selectAll().where('id', '=', id), { remember: true });

export async function getStage(db: Kysely<Database>, id: number): Promise<StageRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return stageById.first(db, id);
}

const stagesOfBoard = preparedQuery((db, sprintId: number) =>
  db
    .selectFrom('kanban_stages')
    .selectAll()
    .where('entity_type', '=', SPRINT_BOARD)
    .where('entity_id', '=', sprintId)
    .orderBy('sort', 'asc')
    .orderBy('id', 'asc'),
  { remember: true },
);

/** The stages of a sprint's board in column order: sort ascending, then storage (id) order. */
export async function boardStages(db: Kysely<Database>, sprintId: number): Promise<readonly StageRow[]> {
  return stagesOfBoard.all(db, sprintId);
}

export async function insertStage(
  db: Kysely<Database>,
  s: { sprintId: number; title: string; sort: number; color: string; type: string | null },
): Promise<number> {
  const r = await db
    .insertInto('kanban_stages')
    .values({ title: s.title, sort: s.sort, color: s.color, system_type: s.type, entity_id: s.sprintId, entity_type: SPRINT_BOARD })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Insert-or-merge of the (task, stage) link: an existing link is kept as it is. */
export async function linkTask(db: Kysely<Database>, taskId: number, stageId: number): Promise<void> {
  await db
    .insertInto('kanban_task_stages')
    .values({ task_id: taskId, stage_id: stageId })
    .onConflict((oc) => oc.columns(['task_id', 'stage_id']).doNothing())
    .execute();
}

/** Removes every link of the task to a stage of the sprint's board; returns how many were removed. */
export async function unlinkFromBoard(db: Kysely<Database>, taskId: number, sprintId: number): Promise<number> {
  const r = await db
    .deleteFrom('kanban_task_stages')
    .where('task_id', '=', taskId)
    .where('stage_id', 'in', (eb) =>
      eb.selectFrom('kanban_stages').select('id').where('entity_type', '=', SPRINT_BOARD).where('entity_id', '=', sprintId),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Moves a task to one stage of a sprint's board: its other links on that board go, STAGE_ID follows. */
export async function placeTask(db: Kysely<Database>, taskId: number, sprintId: number, stageId: number): Promise<void> {
  await unlinkFromBoard(db, taskId, sprintId);
  await linkTask(db, taskId, stageId);
  await db.updateTable('tasks').set({ stage_id: stageId }).where('id', '=', taskId).execute();
  // the reference rewrites the stage through the task update routine: ONTASKUPDATE (spec events.md §7.2)
  await raiseTaskEvent(db, 'ONTASKUPDATE', taskId);
}

/**
 * The task–stage links of a sprint's board, for tasks that exist and are not in the recycle bin
 * (their item, if any, is active), in column order then link order.
 */
export async function boardLinks(db: Kysely<Database>, sprintId: number) {
  return db
    .selectFrom('kanban_task_stages')
    .innerJoin('kanban_stages', 'kanban_stages.id', 'kanban_task_stages.stage_id')
    .innerJoin('tasks', 'tasks.id', 'kanban_task_stages.task_id')
    .leftJoin('scrum_items', 'scrum_items.source_id', 'kanban_task_stages.task_id')
    .select([
      'kanban_task_stages.task_id as taskId',
      'kanban_stages.id as stageId',
      'kanban_stages.system_type as type',
      'tasks.status as status',
    ])
    .where('kanban_stages.entity_type', '=', SPRINT_BOARD)
    .where('kanban_stages.entity_id', '=', sprintId)
    .where((eb) => eb.or([eb('scrum_items.active', 'is', null), eb('scrum_items.active', '!=', 'N')]))
    .orderBy('kanban_stages.sort', 'asc')
    .orderBy('kanban_stages.id', 'asc')
    .orderBy('kanban_task_stages.id', 'asc')
    .execute();
}
