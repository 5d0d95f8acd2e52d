/**
 * The task fields of tasks.task.* (platform.md §3.7, §8.2): the getFields descriptions, which names
 * `select` accepts, and how each field is rendered on output (§8.1).
 */
import type { Selectable } from 'kysely';
import { memoized } from '../core/memo.js';
import type { PortalTime } from '../core/portalTime.js';
import type { TaskTable } from '../store/schema.js';

export type TaskRow = Selectable<TaskTable>;

/** A task with its participants and tags. */
export interface LoadedTask extends TaskRow {
  accomplices: number[];
  auditors: number[];
  tags: string[];
}

export interface FieldInfo {
  title: string | null;
  type: string;
  primary?: true;
  required?: true;
  default?: unknown;
  values?: Record<string, string> | string[];
}

const YES_NO = { Y: 'Yes', N: 'No' };

/**
 * tasks.task.getFields in the docs order (docs "tasks.task.getFields"): exactly the reference's field
 * info (platform.md §8.2) — no DESCRIPTION_IN_BBCODE, no TAGS (writable, but not getFields/select
 * fields), no UF_* fields (task user fields are left out, §13.1).
 */
export const FIELD_INFO: Readonly<Record<string, FieldInfo>> = {
  ID: { title: 'ID', type: 'integer', primary: true },
  PARENT_ID: { title: 'Base Task ID', type: 'integer', default: 0 },
  TITLE: { title: 'Title', type: 'string', required: true },
  DESCRIPTION: { title: 'Description', type: 'string' },
  MARK: { title: 'Rating', type: 'enum', values: { N: 'Negative', P: 'Positive' }, default: null },
  PRIORITY: { title: 'Priority', type: 'enum', values: { 2: 'High', 1: 'Medium', 0: 'Low' }, default: 1 },
  STATUS: {
    title: 'Status',
    type: 'enum',
    values: { 2: 'Pending', 3: 'In Progress', 4: 'Awaiting Review', 5: 'Completed', 6: 'Deferred' },
    default: 2,
  },
  MULTITASK: { title: 'Multitask', type: 'enum', values: YES_NO, default: 'N' },
  NOT_VIEWED: { title: null, type: 'enum', values: YES_NO, default: 'N' },
  REPLICATE: { title: 'Recurring Task', type: 'enum', values: YES_NO, default: 'N' },
  GROUP_ID: { title: 'Project', type: 'integer', default: 0 },
  STAGE_ID: { title: 'Stage', type: 'integer', default: 0 },
  SPRINT_ID: { title: 'Sprint', type: 'integer', default: 0 },
  BACKLOG_ID: { title: 'Backlog', type: 'integer', default: 0 },
  CREATED_BY: { title: 'Creator', type: 'integer', required: true },
  CREATED_DATE: { title: null, type: 'datetime' },
  RESPONSIBLE_ID: { title: 'Participant', type: 'integer', required: true },
  ACCOMPLICES: { title: null, type: 'array' },
  AUDITORS: { title: null, type: 'array' },
  CHANGED_BY: { title: 'Modified By', type: 'integer' },
  CHANGED_DATE: { title: 'Modification Date', type: 'datetime' },
  STATUS_CHANGED_BY: { title: 'Status Changed By', type: 'integer' },
  STATUS_CHANGED_DATE: { title: 'Status Change Date', type: 'datetime' },
  CLOSED_BY: { title: 'Closed By', type: 'integer', default: null },
  CLOSED_DATE: { title: 'Closure Date', type: 'datetime', default: null },
  ACTIVITY_DATE: { title: null, type: 'datetime', default: null },
  DATE_START: { title: 'Start Date', type: 'datetime', default: null },
  DEADLINE: { title: 'Deadline', type: 'datetime', default: null },
  START_DATE_PLAN: { title: 'Planned Start', type: 'datetime', default: null },
  END_DATE_PLAN: { title: 'Planned Completion', type: 'datetime', default: null },
  GUID: { title: 'GUID', type: 'string', default: null },
  XML_ID: { title: 'XML_ID', type: 'string', default: null },
  COMMENTS_COUNT: { title: 'Number of Comments', type: 'integer', default: 0 },
  SERVICE_COMMENTS_COUNT: { title: null, type: 'integer', default: 0 },
  NEW_COMMENTS_COUNT: { title: null, type: 'integer', default: 0 },
  ALLOW_CHANGE_DEADLINE: { title: null, type: 'enum', values: YES_NO, default: 'N' },
  ALLOW_TIME_TRACKING: { title: null, type: 'enum', values: YES_NO, default: 'N' },
  TASK_CONTROL: { title: 'Accept Work', type: 'enum', values: YES_NO, default: 'N' },
  ADD_IN_REPORT: { title: 'Add to Report', type: 'enum', values: YES_NO, default: 'N' },
  FORKED_BY_TEMPLATE_ID: { title: 'Created from Template', type: 'enum', values: YES_NO, default: 'N' },
  TIME_ESTIMATE: { title: 'Estimated Time', type: 'integer' },
  TIME_SPENT_IN_LOGS: { title: 'Time Spent from Change History', type: 'integer' },
  MATCH_WORK_TIME: { title: 'Skip Weekends', type: 'integer' },
  FORUM_TOPIC_ID: { title: 'FORUM_TOPIC_ID', type: 'integer' },
  FORUM_ID: { title: 'FORUM_ID', type: 'integer' },
  SITE_ID: { title: 'SITE_ID', type: 'string' },
  SUBORDINATE: { title: 'Subordinate Task', type: 'enum', values: YES_NO, default: null },
  FAVORITE: { title: null, type: 'enum', values: YES_NO, default: null },
  EXCHANGE_MODIFIED: { title: 'EXCHANGE_MODIFIED', type: 'datetime', default: null },
  EXCHANGE_ID: { title: 'EXCHANGE_ID', type: 'integer', default: null },
  OUTLOOK_VERSION: { title: 'OUTLOOK_VERSION', type: 'integer', default: null },
  VIEWED_DATE: { title: 'Last Viewed Date', type: 'datetime' },
  SORTING: { title: 'Sorting Index', type: 'double' },
  DURATION_PLAN: { title: 'Spent (planned)', type: 'integer' },
  DURATION_FACT: { title: 'Spent (actual)', type: 'integer' },
  CHECKLIST: { title: null, type: 'array' },
  DURATION_TYPE: {
    title: 'DURATION_TYPE',
    type: 'enum',
    values: ['secs', 'mins', 'hours', 'days', 'weeks', 'months', 'years'],
    default: 'days',
  },
  IS_MUTED: { title: null, type: 'enum', values: YES_NO, default: 'N' },
  IS_PINNED: { title: null, type: 'enum', values: YES_NO, default: 'N' },
  IS_PINNED_IN_GROUP: { title: null, type: 'enum', values: YES_NO, default: 'N' },
  FLOW_ID: { title: 'Flow', type: 'integer', default: 0 },
};

export function isKnownField(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FIELD_INFO, name);
}

/**
 * The default selection in output order — the order of the docs' tasks.task.add/update answers
 * (stored fields first, then the ones the reference appends). NEW_COMMENTS_COUNT is rendered with
 * the trailing blocks (§8.1).
 */
export const DEFAULT_SELECT: readonly string[] = [
  'ID', 'PARENT_ID', 'TITLE', 'DESCRIPTION', 'MARK', 'PRIORITY', 'MULTITASK', 'NOT_VIEWED', 'REPLICATE',
  'STAGE_ID', 'SPRINT_ID', 'BACKLOG_ID', 'CREATED_BY', 'CREATED_DATE', 'RESPONSIBLE_ID', 'CHANGED_BY',
  'CHANGED_DATE', 'STATUS_CHANGED_BY', 'CLOSED_BY', 'CLOSED_DATE', 'ACTIVITY_DATE', 'DATE_START', 'DEADLINE',
  'START_DATE_PLAN', 'END_DATE_PLAN', 'GUID', 'XML_ID', 'COMMENTS_COUNT', 'SERVICE_COMMENTS_COUNT',
  'ALLOW_CHANGE_DEADLINE', 'ALLOW_TIME_TRACKING', 'TASK_CONTROL', 'ADD_IN_REPORT', 'FORKED_BY_TEMPLATE_ID',
  'TIME_ESTIMATE', 'TIME_SPENT_IN_LOGS', 'MATCH_WORK_TIME', 'FORUM_TOPIC_ID', 'FORUM_ID', 'SITE_ID',
  'SUBORDINATE', 'EXCHANGE_MODIFIED', 'EXCHANGE_ID', 'OUTLOOK_VERSION', 'VIEWED_DATE', 'SORTING',
  'DURATION_FACT', 'IS_MUTED', 'IS_PINNED', 'IS_PINNED_IN_GROUP', 'FLOW_ID', 'DESCRIPTION_IN_BBCODE', 'STATUS',
  'STATUS_CHANGED_DATE', 'DURATION_PLAN', 'DURATION_TYPE', 'FAVORITE', 'GROUP_ID', 'AUDITORS', 'ACCOMPLICES',
  'CHECKLIST', 'NEW_COMMENTS_COUNT',
];

/** What `select` asked for (platform.md §8.4). */
export interface Selection {
  /** field names to render, in output order (NEW_COMMENTS_COUNT included when selected) */
  fields: string[];
  /** TAGS listed explicitly: add the `tags` block */
  tags: boolean;
  has(name: string): boolean;
}

function selection(fields: string[], tags: boolean): Selection {
  const set = new Set(fields);
  return { fields, tags, has: (n) => set.has(n) };
}

/**
 * `select` absent, empty or containing "*" → the default selection; otherwise the listed names that
 * getFields knows, in the order given (unknown names — TAGS and DESCRIPTION_IN_BBCODE too — dropped
 * silently), then DESCRIPTION_IN_BBCODE whenever DESCRIPTION is selected (the reference reads the two
 * together), then — for tasks.task.get, not tasks.task.list — FAVORITE (platform.md §8.4, §8.5.1).
 * In a list, NEW_COMMENTS_COUNT brings CREATED_DATE and VIEWED_DATE (`unverified:` their position;
 * appended after the listed names).
 */
export function parseSelect(values: readonly unknown[], mode: 'get' | 'list' = 'get'): Selection {
  const names = values.filter((v): v is string => typeof v === 'string');
  const tags = names.includes('TAGS');
  if (values.length === 0 || names.includes('*')) return selection([...DEFAULT_SELECT], tags);
  const out: string[] = [];
  for (const n of names) if (isKnownField(n) && !out.includes(n)) out.push(n);
  if (mode === 'list' && out.includes('NEW_COMMENTS_COUNT')) {
    for (const n of ['CREATED_DATE', 'VIEWED_DATE']) if (!out.includes(n)) out.push(n);
  }
  if (out.includes('DESCRIPTION')) out.push('DESCRIPTION_IN_BBCODE');
  if (mode === 'get' && !out.includes('FAVORITE')) out.push('FAVORITE');
  return selection(out, tags);
}

/** Converted names remembered: a list page converts every selected field name of every task. */
const camelOf = memoized((key: string): string => {
  if (key.includes('.')) return key;
  const parts = key.toLowerCase().split('_');
  return parts.map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');
}, 1000);

/** UPPER_SNAKE → lowerCamel (platform.md §8.1 rule 6); keys with dots stay as they are. */
export function lowerCamel(key: string): string {
  return camelOf(key);
}

/** htmlspecialchars_decode with ENT_QUOTES: one pass, so `&amp;lt;` becomes `&lt;`. */
export function decodeEntities(s: string): string {
  const map: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#039;': "'", '&#39;': "'", '&lt;': '<', '&gt;': '>' };
  return s.replace(/&(amp|quot|#0?39|lt|gt);/g, (m) => map[m] ?? m);
}

/** Per-render facts that are not columns of the task row. */
export interface FieldContext {
  time: PortalTime;
  /** the backlog or sprint the task's item is in */
  placement?: { entityId: number; type: string };
}

const idOrNull = (v: number | null | undefined): string | null => (v === null || v === undefined || v === 0 ? null : String(v));

/** The output value of one selected field (platform.md §8.1 rules 2–5). */
export function fieldValue(name: string, t: LoadedTask, ctx: FieldContext): unknown {
  const date = (v: number | null) => (v === null ? null : ctx.time.iso(v));
  switch (name) {
    case 'ID': return String(t.id);
    case 'PARENT_ID': return idOrNull(t.parent_id);
    case 'TITLE': return t.title;
    case 'DESCRIPTION': return decodeEntities(t.description);
    case 'DESCRIPTION_IN_BBCODE': return t.description_in_bbcode;
    case 'MARK': return t.mark;
    case 'PRIORITY': return String(t.priority);
    case 'STATUS': return String(t.status);
    case 'MULTITASK': return t.multitask;
    case 'NOT_VIEWED': return 'N';
    case 'REPLICATE': return t.replicate;
    case 'GROUP_ID': return String(t.group_id);
    case 'STAGE_ID': return String(t.stage_id);
    case 'SPRINT_ID': return ctx.placement?.type === 'sprint' ? String(ctx.placement.entityId) : null;
    case 'BACKLOG_ID': return ctx.placement?.type === 'backlog' ? String(ctx.placement.entityId) : null;
    case 'CREATED_BY': return String(t.created_by);
    case 'CREATED_DATE': return date(t.created_date);
    case 'RESPONSIBLE_ID': return String(t.responsible_id);
    case 'ACCOMPLICES': return t.accomplices.map(String);
    case 'AUDITORS': return t.auditors.map(String);
    case 'CHANGED_BY': return idOrNull(t.changed_by);
    case 'CHANGED_DATE': return date(t.changed_date);
    case 'STATUS_CHANGED_BY': return idOrNull(t.status_changed_by);
    case 'STATUS_CHANGED_DATE': return date(t.status_changed_date);
    case 'CLOSED_BY': return idOrNull(t.closed_by);
    case 'CLOSED_DATE': return date(t.closed_date);
    case 'ACTIVITY_DATE': return date(t.activity_date);
    case 'DATE_START': return date(t.date_start);
    case 'DEADLINE': return date(t.deadline);
    case 'START_DATE_PLAN': return date(t.start_date_plan);
    case 'END_DATE_PLAN': return date(t.end_date_plan);
    case 'GUID': return t.guid;
    case 'XML_ID': return t.xml_id;
    case 'ALLOW_CHANGE_DEADLINE': return t.allow_change_deadline;
    case 'ALLOW_TIME_TRACKING': return t.allow_time_tracking;
    case 'TASK_CONTROL': return t.task_control;
    case 'ADD_IN_REPORT': return t.add_in_report;
    case 'TIME_ESTIMATE': return String(t.time_estimate);
    case 'MATCH_WORK_TIME': return t.match_work_time;
    case 'SITE_ID': return t.site_id;
    // Not kept by a local server (comments, forums, Exchange/Outlook sync, views, sorting, flows,
    // favorites, mute/pin): the values a fresh task has in the docs' tasks.task.add answer.
    case 'SUBORDINATE': return 'N';
    case 'OUTLOOK_VERSION': return '1';
    case 'IS_MUTED':
    case 'IS_PINNED':
    case 'IS_PINNED_IN_GROUP':
    case 'FAVORITE': return 'N';
    case 'DURATION_TYPE': return 'days';
    case 'CHECKLIST': return [];
    default: return null;
  }
}

/**
 * The stable number of a tag name (platform.md §8.1 lets a local server number tags with any stable
 * positive integer): FNV-1a over the name's UTF-8 bytes, 31 bits, never 0. The same name has the same
 * id on every task and every read.
 */
export function tagId(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h & 0x7fffffff) || 1;
}

/**
 * The `tags` block (platform.md §8.1): a map from tag id to `{id, title}`, `[]` (an empty PHP array)
 * when the task has none. Two names of one task with the same number take the next free ones.
 */
export function tagsBlock(names: readonly string[]): Record<string, { id: number; title: string }> | [] {
  if (names.length === 0) return [];
  const out: Record<string, { id: number; title: string }> = Object.create(null) as Record<string, { id: number; title: string }>;
  for (const title of names) {
    let id = tagId(title);
    while (String(id) in out) id = id >= 0x7fffffff ? 1 : id + 1;
    out[String(id)] = { id, title };
  }
  return out;
}
