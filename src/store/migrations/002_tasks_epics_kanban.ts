import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Ordinary tasks (platform.md §3.7), epics (scrum-api.md A2.4) and sprint boards (A2.5). */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const id = ctx.idColumn;

  await db.schema
    .createTable('tasks')
    .$call(id)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_in_bbcode', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('status', ctx.int, (c) => c.notNull().defaultTo(2))
    .addColumn('priority', ctx.int, (c) => c.notNull().defaultTo(1))
    .addColumn('responsible_id', ctx.int, (c) => c.notNull())
    .addColumn('created_by', ctx.int, (c) => c.notNull())
    .addColumn('changed_by', ctx.int)
    .addColumn('status_changed_by', ctx.int)
    .addColumn('closed_by', ctx.int)
    .addColumn('group_id', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('parent_id', ctx.int)
    .addColumn('stage_id', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('deadline', 'bigint')
    .addColumn('start_date_plan', 'bigint')
    .addColumn('end_date_plan', 'bigint')
    .addColumn('date_start', 'bigint')
    .addColumn('created_date', 'bigint', (c) => c.notNull())
    .addColumn('changed_date', 'bigint', (c) => c.notNull())
    .addColumn('status_changed_date', 'bigint', (c) => c.notNull())
    .addColumn('activity_date', 'bigint', (c) => c.notNull())
    .addColumn('closed_date', 'bigint')
    .addColumn('time_estimate', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('task_control', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('allow_change_deadline', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('allow_time_tracking', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('match_work_time', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('add_in_report', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('multitask', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('replicate', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('mark', 'text')
    .addColumn('site_id', 'text', (c) => c.notNull().defaultTo('s1'))
    .addColumn('guid', 'text', (c) => c.notNull())
    .addColumn('xml_id', 'text')
    .execute();
  await db.schema.createIndex('tasks_group').on('tasks').column('group_id').execute();
  await db.schema.createIndex('tasks_parent').on('tasks').column('parent_id').execute();
  await db.schema.createIndex('tasks_responsible').on('tasks').column('responsible_id').execute();
  await db.schema.createIndex('tasks_created_by').on('tasks').column('created_by').execute();

  // Accomplices ('A') and auditors ('U') of a task.
  await db.schema
    .createTable('task_members')
    .addColumn('task_id', ctx.int, (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('user_id', ctx.int, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('A','U')`))
    .addPrimaryKeyConstraint('task_members_pk', ['task_id', 'type', 'user_id'])
    .execute();
  await db.schema.createIndex('task_members_user').on('task_members').columns(['user_id', 'type']).execute();

  await db.schema
    .createTable('task_tags')
    .addColumn('task_id', ctx.int, (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_tags_pk', ['task_id', 'name'])
    .execute();

  await db.schema
    .createTable('scrum_epics')
    .$call(id)
    .addColumn('group_id', ctx.int, (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('modified_by', ctx.int)
    .addColumn('color', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('scrum_epics_group').on('scrum_epics').column('group_id').execute();

  // Drive attachments of an epic (UF_SCRUM_EPIC_FILES): attachment id = row id, file id = the Drive object.
  await db.schema
    .createTable('scrum_epic_files')
    .$call(id)
    .addColumn('epic_id', ctx.int, (c) => c.notNull().references('scrum_epics.id').onDelete('cascade'))
    .addColumn('file_id', ctx.int, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scrum_epic_files_epic').on('scrum_epic_files').column('epic_id').execute();

  // Sprint-board stages (entity_type 'A', entity_id = sprint id).
  await db.schema
    .createTable('kanban_stages')
    .$call(id)
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sort', ctx.int, (c) => c.notNull().defaultTo(100))
    .addColumn('color', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('system_type', 'text')
    .addColumn('entity_id', ctx.int, (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull().defaultTo('A'))
    .execute();
  await db.schema.createIndex('kanban_stages_entity').on('kanban_stages').columns(['entity_type', 'entity_id', 'sort']).execute();

  await db.schema
    .createTable('kanban_task_stages')
    .$call(id)
    .addColumn('task_id', ctx.int, (c) => c.notNull())
    .addColumn('stage_id', ctx.int, (c) => c.notNull())
    .execute();
  // A task is linked to a stage at most once.
  await db.schema.createIndex('kanban_task_stages_pair').unique().on('kanban_task_stages').columns(['task_id', 'stage_id']).execute();
  await db.schema.createIndex('kanban_task_stages_stage').on('kanban_task_stages').column('stage_id').execute();
}
