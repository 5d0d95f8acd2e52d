/**
 * The database schema as Kysely sees it. Times are Unix seconds (integers); flags are 'Y'/'N'
 * text as in the reference; lists are JSON text.
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

export interface Database {
  users: UserTable;
  webhooks: WebhookTable;
  settings: SettingTable;
  sonet_groups: SonetGroupTable;
  group_members: GroupMemberTable;
  scrum_entities: ScrumEntityTable;
  scrum_items: ScrumItemTable;
}
