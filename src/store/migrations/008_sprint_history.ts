import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The sprint history behind the board's burndown and velocity (README: "The web board"): one row per
 * change of a task's standing in a sprint, written in the transaction of the change by the domain
 * functions (src/domain/scrum/history.ts). Each row holds the task's state in that sprint AFTER the
 * change (in the sprint or not, its numeric story points, completed or not), so any moment's state is
 * the last row of each task up to it. Rows with task_id 0 mark the sprint's start and completion.
 * No foreign keys: the history outlives deleted tasks and sprints. A sprint put back to planned and
 * started again gets a second start marker; the last one counts.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('sprint_history')
    .$call(ctx.idColumn)
    .addColumn('group_id', ctx.int, (c) => c.notNull())
    .addColumn('sprint_id', ctx.int, (c) => c.notNull().check(sql`sprint_id > 0`))
    .addColumn('task_id', ctx.int, (c) => c.notNull().check(sql`task_id >= 0`))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('start','end','baseline','added','removed','points','completed','reopened')`),
    )
    .addColumn('in_sprint', ctx.int, (c) => c.notNull().check(sql`in_sprint in (0, 1)`))
    .addColumn('points', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('done', ctx.int, (c) => c.notNull().check(sql`done in (0, 1)`))
    /** portal time (Unix seconds) of the change */
    .addColumn('at', 'bigint', (c) => c.notNull())
    // markers (task 0) are neither in the sprint nor done; a task's row names a task
    .addCheckConstraint('sprint_history_marker', sql`(task_id = 0) = (kind in ('start','end')) and (task_id > 0 or (in_sprint = 0 and done = 0))`)
    .execute();
  await db.schema.createIndex('sprint_history_sprint').on('sprint_history').columns(['sprint_id', 'id']).execute();
  await db.schema.createIndex('sprint_history_group').on('sprint_history').columns(['group_id', 'sprint_id']).execute();
}
