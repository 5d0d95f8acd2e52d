/**
 * Sprint-board fixtures written straight into the store: an active sprint with its stages, and a
 * task put on it the way sprint.start would (item in the sprint, link to a column, STAGE_ID).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export interface Board {
  sprintId: number;
  NEW: number;
  WORK: number;
  FINISH: number;
}

/** A sprint of the group in the given status with the three default columns (sort 100/200/300). */
export async function sprintWithBoard(
  db: Kysely<Database>,
  groupId: number,
  status: 'active' | 'planned' | 'completed' = 'active',
  createdBy = 1,
): Promise<Board> {
  const s = await db
    .insertInto('scrum_entities')
    .values({ group_id: groupId, entity_type: 'sprint', name: `Sprint ${status}`, sort: 0, created_by: createdBy, modified_by: createdBy, status, info: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const stage = async (type: string, sort: number) =>
    (
      await db
        .insertInto('kanban_stages')
        .values({ title: '', sort, color: '', system_type: type, entity_id: s.id, entity_type: 'A' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  return { sprintId: s.id, NEW: await stage('NEW', 100), WORK: await stage('WORK', 200), FINISH: await stage('FINISH', 300) };
}

/** Adds one more column to a board. */
export async function addStage(db: Kysely<Database>, sprintId: number, type: string, sort: number): Promise<number> {
  const r = await db
    .insertInto('kanban_stages')
    .values({ title: '', sort, color: '', system_type: type, entity_id: sprintId, entity_type: 'A' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Moves (or creates) the task's item into the sprint and puts the task in a column, with STAGE_ID. */
export async function putOnBoard(db: Kysely<Database>, taskId: number, sprintId: number, stageId: number | null): Promise<void> {
  const item = await db.selectFrom('scrum_items').select('id').where('source_id', '=', taskId).executeTakeFirst();
  if (item) {
    await db.updateTable('scrum_items').set({ entity_id: sprintId }).where('id', '=', item.id).execute();
  } else {
    await db
      .insertInto('scrum_items')
      .values({ entity_id: sprintId, source_id: taskId, epic_id: 0, active: 'Y', sort_float: 1024, story_points: null, created_by: 1, modified_by: 1, info: '{}' })
      .execute();
  }
  if (stageId !== null) {
    await db.insertInto('kanban_task_stages').values({ task_id: taskId, stage_id: stageId }).execute();
    await db.updateTable('tasks').set({ stage_id: stageId }).where('id', '=', taskId).execute();
  }
}

export async function itemOf(db: Kysely<Database>, taskId: number) {
  return db.selectFrom('scrum_items').selectAll().where('source_id', '=', taskId).executeTakeFirst();
}

/** The task's column ids on the sprint boards, ascending. */
export async function stageLinks(db: Kysely<Database>, taskId: number): Promise<number[]> {
  const rows = await db.selectFrom('kanban_task_stages').select('stage_id').where('task_id', '=', taskId).orderBy('stage_id').execute();
  return rows.map((r) => r.stage_id);
}

export async function taskStageId(db: Kysely<Database>, taskId: number): Promise<number | undefined> {
  return (await db.selectFrom('tasks').select('stage_id').where('id', '=', taskId).executeTakeFirst())?.stage_id;
}
