/**
 * The sprint history (migration 008): every change of a task's standing in a sprint — entering or
 * leaving it, its story points, completed or reopened — recorded in the transaction of the change with
 * the portal time of the call, so that burndown and velocity (history*.ts) are exact.
 *
 * Recording is by difference: a domain function takes a snapshot of the tasks it may touch before it
 * changes anything (`historyBefore`, `historyBeforeEntity`) and records what changed afterwards
 * (`record`). Whatever path made the change (REST method, batch, board), the same rows result.
 *
 * What counts as "in a sprint" is the task's Scrum item being in the sprint entity. A kanban link
 * (tasks.api.scrum.kanban.addTask/deleteTask) does not move the item, so it records nothing; group
 * deletion is not recorded either (the sprint goes with the group).
 *
 * Story points are text in the Scrum API; the history keeps their numeric value (a number such as
 * "5" or "1.5"; anything else, "?" or "XL", counts 0). `unverified:` the real service's burndown also
 * sums numeric story points only.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

/** A row of sprint_history (see the migration). */
export interface HistoryRow {
  id: number;
  group_id: number;
  sprint_id: number;
  task_id: number;
  kind: HistoryKind;
  in_sprint: number;
  points: number;
  done: number;
  at: number;
}

export type HistoryKind = 'start' | 'end' | 'baseline' | 'added' | 'removed' | 'points' | 'completed' | 'reopened';

interface HistoryTables {
  sprint_history: Omit<HistoryRow, 'id'> & { id: import('kysely').Generated<number> };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const historyDb = (db: Kysely<any>) => db as unknown as Kysely<HistoryTables>;

/** A completed task: status 5 (tasks.task.complete). */
const COMPLETED = 5;

/** A task's standing: the sprint its item is in (null: none), the group, numeric points, completed. */
interface Standing {
  sprintId: number | null;
  groupId: number;
  points: number;
  done: boolean;
}

/** The numeric value of a story-points text (0 when it is not a plain decimal number). */
export function numericPoints(sp: string | null | undefined): number {
  if (sp === null || sp === undefined) return 0;
  const s = sp.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return 0;
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
}

async function standings(db: Kysely<Database>, taskIds: readonly number[]): Promise<Map<number, Standing>> {
  const out = new Map<number, Standing>();
  const ids = [...new Set(taskIds)].filter((id) => Number.isSafeInteger(id) && id > 0);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('scrum_items')
      .innerJoin('scrum_entities', 'scrum_entities.id', 'scrum_items.entity_id')
      .innerJoin('tasks', 'tasks.id', 'scrum_items.source_id')
      .select([
        'scrum_items.source_id as taskId',
        'scrum_entities.id as entityId',
        'scrum_entities.entity_type as type',
        'scrum_entities.group_id as groupId',
        'scrum_items.story_points as sp',
        'tasks.status as status',
      ])
      .where('scrum_items.source_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      out.set(Number(r.taskId), {
        sprintId: r.type === 'sprint' ? Number(r.entityId) : null,
        groupId: Number(r.groupId),
        points: numericPoints(r.sp),
        done: Number(r.status) === COMPLETED,
      });
    }
  }
  return out;
}

async function tasksOfEntity(db: Kysely<Database>, entityId: number): Promise<number[]> {
  const rows = await db.selectFrom('scrum_items').select('source_id').where('entity_id', '=', entityId).orderBy('source_id').execute();
  return rows.map((r) => Number(r.source_id));
}

/** A snapshot taken before a change; `record` writes the rows of what changed since. */
export interface HistorySnapshot {
  readonly taskIds: readonly number[];
  /** Records the differences (plus, for tasks added later by the change, their entry). */
  record(db: Kysely<Database>, now: number, moreTaskIds?: readonly number[]): Promise<void>;
}

/** Snapshots the standing of the given tasks. */
export async function historyBefore(db: Kysely<Database>, taskIds: readonly number[]): Promise<HistorySnapshot> {
  const before = await standings(db, taskIds);
  return {
    taskIds,
    async record(db2, now, more = []) {
      const ids = [...new Set([...taskIds, ...more])];
      const after = await standings(db2, ids);
      const rows: Omit<HistoryRow, 'id'>[] = [];
      for (const id of ids) diff(rows, id, before.get(id), after.get(id), now);
      await writeRows(db2, rows);
    },
  };
}

/** Snapshots every task whose item is in the entity (a sprint being started, completed or deleted). */
export async function historyBeforeEntity(db: Kysely<Database>, entityId: number): Promise<HistorySnapshot> {
  return historyBefore(db, await tasksOfEntity(db, entityId));
}

function row(s: Standing, sprintId: number, taskId: number, kind: HistoryKind, inSprint: boolean, now: number): Omit<HistoryRow, 'id'> {
  return { group_id: s.groupId, sprint_id: sprintId, task_id: taskId, kind, in_sprint: inSprint ? 1 : 0, points: s.points, done: s.done ? 1 : 0, at: now };
}

function diff(rows: Omit<HistoryRow, 'id'>[], taskId: number, b: Standing | undefined, a: Standing | undefined, now: number): void {
  const from = b?.sprintId ?? null;
  const to = a?.sprintId ?? null;
  if (from !== to) {
    // leaving: the row keeps the points and state the task had when it left
    if (from !== null) rows.push(row(b!, from, taskId, 'removed', false, now));
    if (to !== null) rows.push(row(a!, to, taskId, 'added', true, now));
    return;
  }
  if (to === null || !a || !b) return;
  if (a.points !== b.points) rows.push(row({ ...a, done: b.done }, to, taskId, 'points', true, now));
  if (a.done !== b.done) rows.push(row(a, to, taskId, a.done ? 'completed' : 'reopened', true, now));
}

async function writeRows(db: Kysely<Database>, rows: Omit<HistoryRow, 'id'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await historyDb(db).insertInto('sprint_history').values(rows.slice(i, i + 200)).execute();
}

/**
 * Marks a sprint's start: the marker row, then a baseline row per task in the sprint (its points and
 * state at the start), so that the burndown does not depend on rows written while it was planned.
 */
export async function recordSprintStart(db: Kysely<Database>, groupId: number, sprintId: number, now: number): Promise<void> {
  await marker(db, groupId, sprintId, 'start', now);
  const ids = await tasksOfEntity(db, sprintId);
  const now_ = await standings(db, ids);
  const rows: Omit<HistoryRow, 'id'>[] = [];
  for (const id of ids) {
    const s = now_.get(id);
    if (s && s.sprintId === sprintId) rows.push(row(s, sprintId, id, 'baseline', true, now));
  }
  await writeRows(db, rows);
}

/** Marks a sprint's completion (written before the open tasks leave it, so it closes the sprint's state). */
export async function recordSprintEnd(db: Kysely<Database>, groupId: number, sprintId: number, now: number): Promise<void> {
  await marker(db, groupId, sprintId, 'end', now);
}

async function marker(db: Kysely<Database>, groupId: number, sprintId: number, kind: 'start' | 'end', now: number): Promise<void> {
  await historyDb(db)
    .insertInto('sprint_history')
    .values({ group_id: groupId, sprint_id: sprintId, task_id: 0, kind, in_sprint: 0, points: 0, done: 0, at: now })
    .execute();
}
