/**
 * The database schema as Kysely sees it. Times are Unix seconds (integers); flags are 'Y'/'N'
 * text as in the reference; lists are JSON text. The migrations (src/store/migrations/) build it and
 * import nothing from here: a change here is a new migration, never an edit of one that ran.
 */
import type { Generated } from 'kysely';

/** Text profile columns of a user, in the order of platform.md §7.1 (full field set). */
export const USER_TEXT_FIELDS = [
  'XML_ID', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'EMAIL', 'TIME_ZONE',
  'PERSONAL_GENDER', 'PERSONAL_PROFESSION', 'PERSONAL_WWW', 'PERSONAL_ICQ', 'PERSONAL_PHONE',
  'PERSONAL_FAX', 'PERSONAL_MOBILE', 'PERSONAL_PAGER', 'PERSONAL_STREET', 'PERSONAL_CITY', 'PERSONAL_STATE',
  'PERSONAL_ZIP', 'PERSONAL_COUNTRY', 'PERSONAL_MAILBOX', 'PERSONAL_NOTES', 'WORK_PHONE', 'WORK_COMPANY',
  'WORK_POSITION', 'WORK_DEPARTMENT', 'WORK_WWW', 'WORK_FAX', 'WORK_PAGER', 'WORK_STREET', 'WORK_MAILBOX',
  'WORK_CITY', 'WORK_STATE', 'WORK_ZIP', 'WORK_COUNTRY', 'WORK_PROFILE', 'WORK_LOGO', 'WORK_NOTES',
] as const;
export type UserTextField = (typeof USER_TEXT_FIELDS)[number];

export function userColumn(field: UserTextField): Lowercase<UserTextField> {
  return field.toLowerCase() as Lowercase<UserTextField>;
}

export type UserTable = {
  id: Generated<number>;
  login: string;
  active: string;
  is_admin: string;
  /** e-mail lower-cased, unique: one user per address */
  email_key: string | null;
  /** JSON list of department ids */
  uf_department: string;
  /** Unix seconds at midnight or null */
  personal_birthday: number | null;
  uf_employment_date: number | null;
  date_register: number;
  timestamp_x: number;
  last_login: number | null;
  last_activity: number | null;
} & { [K in Lowercase<UserTextField>]: string | null };

export interface WebhookTable {
  id: Generated<number>;
  user_id: number;
  /** sha256 of the secret, hex */
  secret_hash: string;
  /** comma-separated scope codes, in the order granted */
  scopes: string;
  active: string;
  expires_at: number | null;
  title: string;
  date_create: number;
}

export interface SettingTable {
  key: string;
  value: string;
}

export interface SonetGroupTable {
  id: Generated<number>;
  site_id: string;
  name: string;
  description: string | null;
  active: string;
  visible: string;
  opened: string;
  closed: string;
  subject_id: number;
  owner_id: number;
  keywords: string | null;
  avatar_type: string | null;
  initiate_perms: string;
  spam_perms: string;
  number_of_members: number;
  number_of_moderators: number;
  date_create: number;
  date_update: number;
  date_activity: number;
  project: string;
  project_date_start: number | null;
  project_date_finish: number | null;
  landing: string;
  scrum_master_id: number | null;
  scrum_owner_id: number | null;
  scrum_sprint_duration: number | null;
  scrum_task_responsible: string | null;
}

export interface GroupMemberTable {
  id: Generated<number>;
  group_id: number;
  user_id: number;
  role: string;
  initiated_by_type: string;
  initiated_by_user_id: number;
  auto_member: string;
  date_create: number;
  date_update: number;
}

/** Backlogs and sprints (scrum-api.md A2.2). */
export interface ScrumEntityTable {
  id: Generated<number>;
  group_id: number;
  entity_type: string;
  name: string;
  sort: number;
  created_by: number;
  modified_by: number;
  date_start: number | null;
  date_end: number | null;
  status: string | null;
  /** JSON object (sprintGoal, …) */
  info: string;
}

/** Task ↔ backlog/sprint links (scrum-api.md A2.3). */
export interface ScrumItemTable {
  id: Generated<number>;
  entity_id: number;
  source_id: number;
  epic_id: number;
  active: string;
  sort_float: number;
  story_points: string | null;
  created_by: number;
  modified_by: number;
  info: string;
}

/** Ordinary tasks (platform.md §3.7). */
export interface TaskTable {
  id: Generated<number>;
  title: string;
  description: string;
  description_in_bbcode: string;
  status: number;
  priority: number;
  responsible_id: number;
  created_by: number;
  changed_by: number | null;
  status_changed_by: number | null;
  closed_by: number | null;
  group_id: number;
  parent_id: number | null;
  /** denormalized board stage (platform.md §9.5) */
  stage_id: number;
  deadline: number | null;
  start_date_plan: number | null;
  end_date_plan: number | null;
  date_start: number | null;
  created_date: number;
  changed_date: number;
  status_changed_date: number;
  activity_date: number;
  closed_date: number | null;
  time_estimate: number;
  task_control: string;
  allow_change_deadline: string;
  allow_time_tracking: string;
  match_work_time: string;
  add_in_report: string;
  multitask: string;
  replicate: string;
  mark: string | null;
  site_id: string;
  guid: string;
  xml_id: string | null;
}

export interface TaskMemberTable {
  task_id: number;
  user_id: number;
  /** 'A' accomplice, 'U' auditor */
  type: string;
}

export interface TaskTagTable {
  task_id: number;
  name: string;
}

/** Epics (scrum-api.md A2.4). */
export interface ScrumEpicTable {
  id: Generated<number>;
  group_id: number;
  name: string;
  description: string;
  created_by: number;
  modified_by: number | null;
  color: string;
}

export interface ScrumEpicFileTable {
  id: Generated<number>;
  epic_id: number;
  file_id: number;
}

/** Sprint-board stages (scrum-api.md A2.5). */
export interface KanbanStageTable {
  id: Generated<number>;
  title: string;
  sort: number;
  color: string;
  system_type: string | null;
  /** the sprint id */
  entity_id: number;
  /** 'A' for sprint boards */
  entity_type: string;
}

export interface KanbanTaskStageTable {
  id: Generated<number>;
  task_id: number;
  stage_id: number;
}

export interface OauthAppTable {
  id: Generated<number>;
  client_id: string;
  client_secret_hash: string;
  /** the application code reported by app.info */
  code: string;
  title: string;
  scopes: string;
  redirect_uri: string | null;
  version: number;
  active: string;
  date_create: number;
}

export interface OauthCodeTable {
  code_hash: string;
  app_id: number;
  user_id: number;
  scopes: string;
  expires_at: number;
}

export interface OauthTokenTable {
  id: Generated<number>;
  access_hash: string;
  refresh_hash: string;
  app_id: number;
  user_id: number;
  scopes: string;
  expires_at: number;
  refresh_expires_at: number;
  refreshed: string;
  /** the event-session TTL of the hit that minted it (migration 007; spec events.md §5.7) */
  event_session: Generated<number>;
}

export interface RateBucketTable {
  key: string;
  level: number;
  updated_at: number;
}

export interface OperatingTimeTable {
  account: string;
  minute: number;
  seconds: number;
  first_at: number;
}

export interface Database {
  oauth_apps: OauthAppTable;
  oauth_codes: OauthCodeTable;
  oauth_tokens: OauthTokenTable;
  rate_buckets: RateBucketTable;
  operating_time: OperatingTimeTable;
  tasks: TaskTable;
  task_members: TaskMemberTable;
  task_tags: TaskTagTable;
  scrum_epics: ScrumEpicTable;
  scrum_epic_files: ScrumEpicFileTable;
  kanban_stages: KanbanStageTable;
  kanban_task_stages: KanbanTaskStageTable;
  users: UserTable;
  webhooks: WebhookTable;
  settings: SettingTable;
  sonet_groups: SonetGroupTable;
  group_members: GroupMemberTable;
  scrum_entities: ScrumEntityTable;
  scrum_items: ScrumItemTable;
}
