import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Settings, users, webhooks, workgroups and their members, backlogs and sprints and their items.
 * Like every migration, this one is history: it states its own DDL and must build the same schema
 * forever (test/migrations-history.test.ts), whatever src/store/schema.ts becomes.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const id = ctx.idColumn;

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .$call(id)
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('active', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('is_admin', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('email_key', 'text')
    .addColumn('uf_department', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('personal_birthday', 'bigint')
    .addColumn('uf_employment_date', 'bigint')
    .addColumn('date_register', 'bigint', (c) => c.notNull())
    .addColumn('timestamp_x', 'bigint', (c) => c.notNull())
    .addColumn('last_login', 'bigint')
    .addColumn('last_activity', 'bigint')
    // the text profile fields (platform.md §7.1, full field set), in this order
    .addColumn('xml_id', 'text')
    .addColumn('name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('second_name', 'text')
    .addColumn('title', 'text')
    .addColumn('email', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('personal_gender', 'text')
    .addColumn('personal_profession', 'text')
    .addColumn('personal_www', 'text')
    .addColumn('personal_icq', 'text')
    .addColumn('personal_phone', 'text')
    .addColumn('personal_fax', 'text')
    .addColumn('personal_mobile', 'text')
    .addColumn('personal_pager', 'text')
    .addColumn('personal_street', 'text')
    .addColumn('personal_city', 'text')
    .addColumn('personal_state', 'text')
    .addColumn('personal_zip', 'text')
    .addColumn('personal_country', 'text')
    .addColumn('personal_mailbox', 'text')
    .addColumn('personal_notes', 'text')
    .addColumn('work_phone', 'text')
    .addColumn('work_company', 'text')
    .addColumn('work_position', 'text')
    .addColumn('work_department', 'text')
    .addColumn('work_www', 'text')
    .addColumn('work_fax', 'text')
    .addColumn('work_pager', 'text')
    .addColumn('work_street', 'text')
    .addColumn('work_mailbox', 'text')
    .addColumn('work_city', 'text')
    .addColumn('work_state', 'text')
    .addColumn('work_zip', 'text')
    .addColumn('work_country', 'text')
    .addColumn('work_profile', 'text')
    .addColumn('work_logo', 'text')
    .addColumn('work_notes', 'text')
    .execute();
  // One user per e-mail address, compared case-insensitively (platform.md §13.5).
  await db.schema.createIndex('users_email_key').unique().on('users').column('email_key').execute();

  await db.schema
    .createTable('webhooks')
    .$call(id)
    .addColumn('user_id', ctx.int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('active', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('expires_at', 'bigint')
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('date_create', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_user_secret').unique().on('webhooks').columns(['user_id', 'secret_hash']).execute();

  await db.schema
    .createTable('sonet_groups')
    .$call(id)
    .addColumn('site_id', 'text', (c) => c.notNull().defaultTo('s1'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('visible', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('opened', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('closed', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('subject_id', ctx.int, (c) => c.notNull().defaultTo(1))
    .addColumn('owner_id', ctx.int, (c) => c.notNull())
    .addColumn('keywords', 'text')
    .addColumn('avatar_type', 'text')
    .addColumn('initiate_perms', 'text', (c) => c.notNull().defaultTo('K'))
    .addColumn('spam_perms', 'text', (c) => c.notNull().defaultTo('A'))
    .addColumn('number_of_members', ctx.int, (c) => c.notNull().defaultTo(1))
    .addColumn('number_of_moderators', ctx.int, (c) => c.notNull().defaultTo(1))
    .addColumn('date_create', 'bigint', (c) => c.notNull())
    .addColumn('date_update', 'bigint', (c) => c.notNull())
    .addColumn('date_activity', 'bigint', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('project_date_start', 'bigint')
    .addColumn('project_date_finish', 'bigint')
    .addColumn('landing', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('scrum_master_id', ctx.int)
    .addColumn('scrum_owner_id', ctx.int)
    .addColumn('scrum_sprint_duration', ctx.int)
    .addColumn('scrum_task_responsible', 'text')
    .execute();

  await db.schema
    .createTable('group_members')
    .$call(id)
    .addColumn('group_id', ctx.int, (c) => c.notNull().references('sonet_groups.id').onDelete('cascade'))
    .addColumn('user_id', ctx.int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('A','E','K','T','Z')`))
    .addColumn('initiated_by_type', 'text', (c) => c.notNull().defaultTo('U'))
    .addColumn('initiated_by_user_id', ctx.int, (c) => c.notNull())
    .addColumn('auto_member', 'text', (c) => c.notNull().defaultTo('N'))
    .addColumn('date_create', 'bigint', (c) => c.notNull())
    .addColumn('date_update', 'bigint', (c) => c.notNull())
    .execute();
  // One relation per (group, user); exactly one owner relation per group.
  await db.schema.createIndex('group_members_group_user').unique().on('group_members').columns(['group_id', 'user_id']).execute();
  await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();
  await db.schema
    .createIndex('group_members_one_owner')
    .unique()
    .on('group_members')
    .column('group_id')
    .where(sql.ref('role'), '=', 'A')
    .execute();

  await db.schema
    .createTable('scrum_entities')
    .$call(id)
    .addColumn('group_id', ctx.int, (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull().defaultTo('sprint').check(sql`entity_type in ('backlog','sprint')`))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sort', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', ctx.int, (c) => c.notNull().check(sql`created_by > 0`))
    .addColumn('modified_by', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('date_start', 'bigint')
    .addColumn('date_end', 'bigint')
    .addColumn('status', 'text')
    .addColumn('info', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('scrum_entities_group').on('scrum_entities').columns(['group_id', 'entity_type']).execute();
  // The Scrum invariants, held by the database so they survive concurrent requests:
  // at most one backlog per group, at most one active sprint per group.
  await db.schema
    .createIndex('scrum_entities_one_backlog')
    .unique()
    .on('scrum_entities')
    .column('group_id')
    .where(sql.ref('entity_type'), '=', 'backlog')
    .execute();
  await db.schema
    .createIndex('scrum_entities_one_active_sprint')
    .unique()
    .on('scrum_entities')
    .column('group_id')
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('scrum_items')
    .$call(id)
    .addColumn('entity_id', ctx.int, (c) => c.notNull())
    .addColumn('source_id', ctx.int, (c) => c.notNull())
    .addColumn('epic_id', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('sort_float', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('story_points', 'text')
    .addColumn('created_by', ctx.int, (c) => c.notNull().check(sql`created_by > 0`))
    .addColumn('modified_by', ctx.int, (c) => c.notNull().defaultTo(0))
    .addColumn('info', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('scrum_items_entity').on('scrum_items').columns(['entity_id', 'sort_float']).execute();
  // A task takes part in Scrum through at most one item.
  await db.schema.createIndex('scrum_items_source').unique().on('scrum_items').column('source_id').execute();
}
