/**
 * Ordinary tasks (platform.md §3.7, §8): reading the `fields` of tasks.task.add/update, validating
 * them, storing tasks, status changes, deletion, and the task object every method returns.
 * Scrum effects are delegated to scrum/taskCoupling.ts (platform.md §9).
 */
import { raiseTaskEvent } from '../events/raise.js';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { Log } from '../app.js';
import type { PortalTime } from '../core/portalTime.js';
import { Errors } from '../core/errors.js';
import { hasKey, isPhpArray, own, phpValues, toInt, toStr } from '../core/php.js';
import type { Caller } from '../core/call.js';
import type { Database, TaskTable } from '../store/schema.js';
import { preparedQuery } from '../store/prepared.js';
import { getGroup } from './groups.js';
import { inList } from './filterKeys.js';
import { lockParent } from '../store/rowLocks.js';
import { onTaskAdded, onTaskDeleted, onTaskGroupChanged, onTaskStatusChanged, scrumPlacement, type CouplingContext } from './scrum/taskCoupling.js';
import { TaskAccess, actionAllowed, actionMap, canInGroup, type StatusAction } from './taskAccess.js';
import { fieldValue, lowerCamel, tagsBlock, type LoadedTask, type Selection, type TaskRow } from './taskFields.js';
import { formattedName, userExists } from './users.js';
import { historyBefore } from './scrum/history.js';

/** Everything a task operation needs: the store (inside the call's transaction), the caller, the clock. */
export interface TaskContext {
  db: Kysely<Database>;
  caller: Caller;
  /** Unix seconds of the request */
  now: number;
  time: PortalTime;
  log?: Log;
}

// ---------------------------------------------------------------------------------------------
// Reading `fields`

const FLAG_FIELDS = {
  DESCRIPTION_IN_BBCODE: 'description_in_bbcode',
  TASK_CONTROL: 'task_control',
  ALLOW_CHANGE_DEADLINE: 'allow_change_deadline',
  ALLOW_TIME_TRACKING: 'allow_time_tracking',
  MATCH_WORK_TIME: 'match_work_time',
  ADD_IN_REPORT: 'add_in_report',
  MULTITASK: 'multitask',
  REPLICATE: 'replicate',
} as const;
type FlagColumn = (typeof FLAG_FIELDS)[keyof typeof FLAG_FIELDS];

const DATE_FIELDS = {
  DEADLINE: 'deadline',
  START_DATE_PLAN: 'start_date_plan',
  END_DATE_PLAN: 'end_date_plan',
  DATE_START: 'date_start',
} as const;
type DateColumn = (typeof DATE_FIELDS)[keyof typeof DATE_FIELDS];

/**
 * The keys of `fields` a client may write (platform.md §8.3.1). Everything else — server-maintained
 * fields, STAGE_ID, SPRINT_ID, BACKLOG_ID, SE_PARAMETER, UF_*, lower-case keys — is ignored.
 */
export const WRITABLE_FIELDS: readonly string[] = [
  'TITLE', 'DESCRIPTION', 'STATUS', 'PRIORITY', 'RESPONSIBLE_ID', 'CREATED_BY', 'GROUP_ID', 'PARENT_ID',
  'ACCOMPLICES', 'AUDITORS', 'TAGS', 'TIME_ESTIMATE', 'MARK', 'SITE_ID', 'XML_ID',
  ...Object.keys(FLAG_FIELDS), ...Object.keys(DATE_FIELDS),
];

/** The writable fields that were passed, converted; an absent key is `undefined`. */
export interface TaskInput {
  title?: string;
  description?: string;
  status?: number;
  priority?: number;
  responsibleId?: number;
  createdBy?: number;
  groupId?: number;
  /** 0 = no parent */
  parentId?: number;
  accomplices?: number[];
  auditors?: number[];
  tags?: string[];
  timeEstimate?: number;
  mark?: string | null;
  siteId?: string;
  xmlId?: string | null;
  flags: Partial<Record<FlagColumn, 'Y' | 'N'>>;
  dates: Partial<Record<DateColumn, number | null>>;
  /** the writable keys present in `fields` */
  keys: string[];
}

/** A date input: ISO-8601 (or any strtotime form) in portal time unless it has an offset; "" or unparsable → no date. */
function readDate(v: unknown, time: PortalTime, now: number): number | null {
  if (typeof v !== 'string') return null;
  return time.parseDateString(v, now);
}

function readFlag(v: unknown): 'Y' | 'N' | undefined {
  if (v === 'Y' || v === true) return 'Y';
  if (v === 'N' || v === false) return 'N';
  return undefined;
}

/** A list of user ids: a list, or one scalar id; positive, without repetitions. */
function readIds(v: unknown): number[] {
  const values = isPhpArray(v) ? phpValues(v) : v === '' || v === null || v === undefined ? [] : [v];
  const out = new Set<number>(); // (a Set: a list of 70,000 ids must not take quadratic time)
  for (const x of values) {
    const n = toInt(x);
    if (n > 0) out.add(n);
  }
  return [...out];
}

/** Tags: a list of names, or one comma-separated string; trimmed, empty ones dropped, no repetitions. */
function readTags(v: unknown): string[] {
  const values = isPhpArray(v) ? phpValues(v).map(toStr) : typeof v === 'string' ? v.split(',') : [];
  const out: string[] = [];
  for (const x of values) {
    const s = x.trim();
    if (s !== '' && !out.includes(s)) out.push(s);
  }
  return out;
}

/** TITLE trimmed and cut to 250 characters (platform.md §8.3.3). */
function readTitle(v: unknown): string {
  return [...toStr(v).trim()].slice(0, 250).join('');
}

export function readTaskFields(fields: unknown, time: PortalTime, now: number): TaskInput {
  const input: TaskInput = { flags: {}, dates: {}, keys: WRITABLE_FIELDS.filter((k) => hasKey(fields, k)) };
  const has = (k: string) => input.keys.includes(k);
  const get = (k: string) => own(fields, k);
  if (has('TITLE')) input.title = readTitle(get('TITLE'));
  if (has('DESCRIPTION')) input.description = toStr(get('DESCRIPTION'));
  if (has('STATUS')) input.status = toInt(get('STATUS'));
  if (has('PRIORITY')) {
    const p = toInt(get('PRIORITY'));
    input.priority = p === 0 || p === 1 || p === 2 ? p : 1;
  }
  if (has('RESPONSIBLE_ID')) input.responsibleId = toInt(get('RESPONSIBLE_ID'));
  if (has('CREATED_BY')) input.createdBy = toInt(get('CREATED_BY'));
  if (has('GROUP_ID')) input.groupId = Math.max(0, toInt(get('GROUP_ID')));
  if (has('PARENT_ID')) input.parentId = Math.max(0, toInt(get('PARENT_ID')));
  if (has('ACCOMPLICES')) input.accomplices = readIds(get('ACCOMPLICES'));
  if (has('AUDITORS')) input.auditors = readIds(get('AUDITORS'));
  if (has('TAGS')) input.tags = readTags(get('TAGS'));
  if (has('TIME_ESTIMATE')) input.timeEstimate = Math.max(0, toInt(get('TIME_ESTIMATE')));
  if (has('MARK')) {
    const m = get('MARK');
    input.mark = m === 'P' || m === 'N' ? m : null;
  }
  if (has('SITE_ID')) {
    const s = toStr(get('SITE_ID'));
    if (s !== '') input.siteId = s;
  }
  if (has('XML_ID')) {
    const x = get('XML_ID');
    input.xmlId = x === null || x === '' ? null : toStr(x);
  }
  for (const [key, col] of Object.entries(FLAG_FIELDS)) {
    if (!has(key)) continue;
    const f = readFlag(get(key));
    if (f !== undefined) input.flags[col] = f;
  }
  for (const [key, col] of Object.entries(DATE_FIELDS)) {
    if (has(key)) input.dates[col] = readDate(get(key), time, now);
  }
  return input;
}

// ---------------------------------------------------------------------------------------------
// Loading

export async function getTaskRow(db: Kysely<Database>, id: number): Promise<TaskRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every column of the tasks table (a test keeps this list equal to the schema). */
export const TASK_COLUMNS = [
  'id', 'title', 'description', 'description_in_bbcode', 'status', 'priority', 'responsible_id', 'created_by', 'changed_by',
  'status_changed_by', 'closed_by', 'group_id', 'parent_id', 'stage_id', 'deadline', 'start_date_plan', 'end_date_plan',
  'date_start', 'created_date', 'changed_date', 'status_changed_date', 'activity_date', 'closed_date', 'time_estimate',
  'task_control', 'allow_change_deadline', 'allow_time_tracking', 'match_work_time', 'add_in_report', 'multitask',
  'replicate', 'mark', 'site_id', 'guid', 'xml_id',
] as const satisfies readonly (keyof TaskTable)[];

/** Columns every rendering may use besides the selected fields' own (ids of people and group, status, deadline). */
const CORE_COLUMNS: readonly (keyof TaskTable)[] = ['id', 'status', 'deadline', 'group_id', 'created_by', 'responsible_id'];

/**
 * The columns a list page needs for the selected fields: a field reads the column of its own name
 * (fieldValue), computed and constant fields none. A page of a few fields does not read every task's
 * text columns (the row reading is most of a list page's cost).
 */
export function columnsForList(sel: Selection): (keyof TaskTable)[] {
  const wanted = new Set<string>(CORE_COLUMNS);
  for (const f of sel.fields) wanted.add(f.toLowerCase());
  return TASK_COLUMNS.filter((c) => wanted.has(c));
}

/**
 * Tasks with their accomplices, auditors and tags, keyed by id; with `columns`, only those columns of
 * the task rows (the others are left out of the objects).
 */
export async function loadTasks(db: Kysely<Database>, ids: readonly number[], columns?: readonly (keyof TaskTable)[]): Promise<Map<number, LoadedTask>> {
  if (ids.length === 0) return new Map();
  const list = [...ids];
  const rows = columns
    ? ((await db.selectFrom('tasks').select([...columns]).where('id', 'in', list).execute()) as TaskRow[])
    : await db.selectFrom('tasks').selectAll().where('id', 'in', list).execute();
  const members = await db
    .selectFrom('task_members')
    .selectAll()
    .where('task_id', 'in', list)
    .orderBy('task_id')
    .orderBy('user_id')
    .execute();
  const tags = await db.selectFrom('task_tags').selectAll().where('task_id', 'in', list).orderBy('task_id').orderBy('name').execute();
  return assembleTasks(rows, members, tags);
}

/** Task rows with their members (accomplices `A`, auditors otherwise) and tags, keyed by id. */
function assembleTasks(
  rows: readonly TaskRow[],
  members: readonly { task_id: number; user_id: number; type: string }[],
  tags: readonly { task_id: number; name: string }[],
): Map<number, LoadedTask> {
  const out = new Map<number, LoadedTask>();
  for (const r of rows) {
    // The row becomes the loaded task (no copy of its ~40 columns for every task of a page).
    const t = r as LoadedTask;
    t.accomplices = [];
    t.auditors = [];
    t.tags = [];
    out.set(r.id, t);
  }
  for (const m of members) {
    const t = out.get(m.task_id);
    if (t) (m.type === 'A' ? t.accomplices : t.auditors).push(m.user_id);
  }
  for (const g of tags) out.get(g.task_id)?.tags.push(g.name);
  return out;
}

const taskById = preparedQuery((db, id: number) => db.selectFrom('tasks').selectAll().where('id', '=', id));
const membersOfTask = preparedQuery((db, id: number) =>
  db.selectFrom('task_members').selectAll().where('task_id', '=', id).orderBy('task_id').orderBy('user_id'),
);
const tagsOfTask = preparedQuery((db, id: number) => db.selectFrom('task_tags').selectAll().where('task_id', '=', id).orderBy('task_id').orderBy('name'));

/** One task as loadTasks loads it (the lookups every single-task call makes, prepared). */
export async function loadTask(db: Kysely<Database>, id: number): Promise<LoadedTask | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const row = await taskById.first(db, id);
  if (!row) return undefined;
  return assembleTasks([row], await membersOfTask.all(db, id), await tagsOfTask.all(db, id)).get(id);
}

export async function accessOf(ctx: TaskContext, task: LoadedTask): Promise<TaskAccess> {
  return TaskAccess.load(ctx.db, ctx.caller, task);
}

// ---------------------------------------------------------------------------------------------
// Validation (platform.md §8.3.2, §8.6)

/** Existing users among the ids, in the given order (participants that are not users are dropped). */
async function existingUsers(db: Kysely<Database>, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('users').select('id').where(inList(sql.ref('id'), ids)).execute(); // any length
  const found = new Set(rows.map((r) => r.id));
  return ids.filter((id) => found.has(id));
}

async function parentReadable(ctx: TaskContext, parentId: number): Promise<boolean> {
  const parent = await loadTask(ctx.db, parentId);
  if (!parent) return false;
  return (await accessOf(ctx, parent)).canRead();
}

/** Whether `candidate` is the task itself or one of its descendants (walking up from the candidate). */
async function isSelfOrDescendant(db: Kysely<Database>, taskId: number, candidate: number): Promise<boolean> {
  const seen = new Set<number>();
  let current: number | null = candidate;
  while (current !== null && current > 0 && !seen.has(current)) {
    if (current === taskId) return true;
    seen.add(current);
    const row: { parent_id: number | null } | undefined = await db
      .selectFrom('tasks')
      .select('parent_id')
      .where('id', '=', current)
      .executeTakeFirst();
    current = row?.parent_id ?? null;
  }
  return false;
}

/**
 * The checks of §8.3.2 check 4 in the reference's order — title, status, parent, members, dates —
 * reporting the first failure only; on update only for the fields passed (`existing` set).
 */
async function validate(ctx: TaskContext, input: TaskInput, existing?: TaskRow): Promise<void> {
  const adding = existing === undefined;
  if (adding || input.title !== undefined) {
    if ((input.title ?? '') === '') throw Errors.task.titleMissing();
  }
  // 1–6 only (1 is read as 2); 7, the legacy "declined", is refused as well (platform.md §3.7.1)
  if (input.status !== undefined && (input.status < 1 || input.status > 6)) throw Errors.task.incorrectStatus();
  if (input.parentId !== undefined && input.parentId > 0) {
    if (existing && input.parentId === existing.id) throw Errors.task.parentIsSelf();
    if (!(await parentReadable(ctx, input.parentId))) throw Errors.task.parentNotFound();
    if (existing && (await isSelfOrDescendant(ctx.db, existing.id, input.parentId))) {
      throw Errors.task.cyclicParent();
    }
  }
  if (adding || input.responsibleId !== undefined) {
    const r = input.responsibleId ?? 0;
    if (r <= 0) throw Errors.task.responsibleMissing();
    if (!(await userExists(ctx.db, r))) throw Errors.task.responsibleNotFound();
  }
  if (input.createdBy !== undefined && input.createdBy > 0 && !(await userExists(ctx.db, input.createdBy))) {
    // `unverified:` not in the platform spec's list; a creator that is no user would leave a dangling id.
    // Checked with the other members, after the responsible person.
    throw Errors.task.creatorNotFound();
  }
  const planPassed = input.dates.start_date_plan !== undefined || input.dates.end_date_plan !== undefined;
  if (adding || planPassed) {
    const start = input.dates.start_date_plan !== undefined ? input.dates.start_date_plan : (existing?.start_date_plan ?? null);
    const end = input.dates.end_date_plan !== undefined ? input.dates.end_date_plan : (existing?.end_date_plan ?? null);
    if (start !== null && end !== null && end < start) {
      throw Errors.task.planEndBeforeStart();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

async function writeMembers(db: Kysely<Database>, taskId: number, type: 'A' | 'U', ids: readonly number[]): Promise<void> {
  await db.deleteFrom('task_members').where('task_id', '=', taskId).where('type', '=', type).execute();
  const users = await existingUsers(db, ids);
  if (users.length > 0) {
    // in parts: one statement binds at most 32,766 (SQLite) or 65,535 (PostgreSQL) parameters
    for (let i = 0; i < users.length; i += 5000) {
      await db.insertInto('task_members').values(users.slice(i, i + 5000).map((user_id) => ({ task_id: taskId, user_id, type }))).execute();
    }
  }
}

async function writeTags(db: Kysely<Database>, taskId: number, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('task_tags').where('task_id', '=', taskId).execute();
  if (tags.length > 0) await db.insertInto('task_tags').values(tags.map((name) => ({ task_id: taskId, name }))).execute();
}

function coupling(ctx: TaskContext): CouplingContext {
  return { db: ctx.db, userId: ctx.caller.userId, log: ctx.log };
}

/** The status a request to complete becomes: 4 when the creator must accept the result (platform.md §8.8). */
function completionStatus(task: Pick<TaskRow, 'task_control' | 'created_by'>, caller: Caller): number {
  return task.task_control === 'Y' && task.created_by !== caller.userId ? 4 : 5;
}

/**
 * The columns a status change from `from` to `to` (≠ `from`) sets (platform.md §8.8 "Status columns"):
 * entering 4 or 5 sets CLOSED_BY/CLOSED_DATE, entering 2, 3 or 6 clears them, entering 3 sets
 * DATE_START (unless `dateStartGiven`: the same update passes DATE_START).
 */
function statusColumns(ctx: TaskContext, to: number, dateStartGiven = false): Updateable<TaskTable> {
  const set: Updateable<TaskTable> = { status: to, status_changed_date: ctx.now, status_changed_by: ctx.caller.userId };
  if (to === 4 || to === 5) {
    set.closed_date = ctx.now;
    set.closed_by = ctx.caller.userId;
  } else if (to === 2 || to === 3 || to === 6) {
    set.closed_date = null;
    set.closed_by = null;
  }
  if (to === 3 && !dateStartGiven) set.date_start = ctx.now;
  return set;
}

/** tasks.task.add (platform.md §8.3): checks in order, then the insert and the Scrum item (§9.2). */
export async function addTask(ctx: TaskContext, fields: unknown): Promise<number> {
  const { db, caller, now } = ctx;
  const input = readTaskFields(fields, ctx.time, now);
  const createdBy = input.createdBy !== undefined && input.createdBy > 0 ? input.createdBy : caller.userId;
  if (!caller.isAdmin && createdBy !== caller.userId && input.responsibleId !== caller.userId) throw Errors.task.createDenied();
  const groupId = input.groupId ?? 0;
  // The group cannot be deleted until this transaction ends; one deleted meanwhile is gone (rowLocks.ts).
  if (groupId > 0) await lockParent(db, 'sonet_groups', groupId, 'key share');
  if (groupId > 0 && !(await canInGroup(db, caller, groupId, 'create_tasks'))) throw Errors.task.createDenied();
  await validate(ctx, input);

  const status = input.status === undefined || input.status === 1 ? 2 : input.status;
  const r = await db
    .insertInto('tasks')
    .values({
      title: input.title!,
      description: input.description ?? '',
      description_in_bbcode: input.flags.description_in_bbcode ?? 'Y',
      status,
      priority: input.priority ?? 1,
      responsible_id: input.responsibleId!,
      created_by: createdBy,
      changed_by: caller.userId,
      status_changed_by: caller.userId,
      // not a status change: a STATUS of 3–6 gets no CLOSED_*/DATE_START (platform.md §8.3.3)
      closed_by: null,
      group_id: groupId,
      parent_id: input.parentId ? input.parentId : null,
      stage_id: 0,
      deadline: input.dates.deadline ?? null,
      start_date_plan: input.dates.start_date_plan ?? null,
      end_date_plan: input.dates.end_date_plan ?? null,
      date_start: input.dates.date_start ?? null,
      created_date: now,
      changed_date: now,
      status_changed_date: now,
      activity_date: now,
      closed_date: null,
      time_estimate: input.timeEstimate ?? 0,
      task_control: input.flags.task_control ?? 'N',
      allow_change_deadline: input.flags.allow_change_deadline ?? 'N',
      allow_time_tracking: input.flags.allow_time_tracking ?? 'N',
      match_work_time: input.flags.match_work_time ?? 'N',
      add_in_report: input.flags.add_in_report ?? 'N',
      multitask: input.flags.multitask ?? 'N',
      replicate: input.flags.replicate ?? 'N',
      mark: input.mark ?? null,
      site_id: input.siteId ?? 's1',
      guid: `{${randomUUID()}}`,
      xml_id: input.xmlId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = r.id;
  if (input.accomplices) await writeMembers(db, id, 'A', input.accomplices);
  if (input.auditors) await writeMembers(db, id, 'U', input.auditors);
  if (input.tags) await writeTags(db, id, input.tags);
  await raiseTaskEvent(db, 'ONTASKADD', id);
  await onTaskAdded(coupling(ctx), { id, group_id: groupId, parent_id: input.parentId || null, created_by: createdBy });
  // the sprint history: a subtask of a sprint's task enters that sprint
  await (await historyBefore(db, [])).record(db, now, [id]);
  return id;
}

/** tasks.task.update (platform.md §8.6). The task must exist (the method maps a missing task to the refusal). */
export async function updateTask(ctx: TaskContext, taskId: number, fields: unknown): Promise<void> {
  const { db, caller, now } = ctx;
  const task = await loadTask(db, taskId);
  if (!task) throw Errors.task.actionNotAllowed();
  const access = await accessOf(ctx, task);
  if (!access.canRead()) throw Errors.task.actionNotAllowed();
  const input = readTaskFields(fields, ctx.time, now);
  if (!access.canEdit()) {
    // The responsible person may change the status and nothing else.
    if (!access.canChangeStatus() || input.keys.some((k) => k !== 'STATUS')) throw Errors.task.actionNotAllowed();
  }
  if (input.groupId !== undefined && input.groupId !== task.group_id && input.groupId > 0) {
    await lockParent(db, 'sonet_groups', input.groupId, 'key share');
    if (!(await canInGroup(db, caller, input.groupId, 'create_tasks'))) throw Errors.task.actionNotAllowed();
  }
  await validate(ctx, input, task);
  // every update call fires it, changed or not (spec events.md §7.2; `unverified:` for `fields: {}`)
  await raiseTaskEvent(db, 'ONTASKUPDATE', taskId);
  if (input.keys.length === 0) return; // `fields: {}` changes nothing (`unverified:`)

  // the sprint history: the task leaving a sprint with its group, completed or reopened
  const history = await historyBefore(db, [taskId]);
  const set: Updateable<TaskTable> = { changed_date: now, changed_by: caller.userId, activity_date: now };
  if (input.title !== undefined) set.title = input.title;
  if (input.description !== undefined) set.description = input.description;
  if (input.priority !== undefined) set.priority = input.priority;
  if (input.responsibleId !== undefined) set.responsible_id = input.responsibleId;
  if (input.createdBy !== undefined && input.createdBy > 0) set.created_by = input.createdBy;
  if (input.groupId !== undefined) set.group_id = input.groupId;
  if (input.parentId !== undefined) set.parent_id = input.parentId > 0 ? input.parentId : null;
  if (input.timeEstimate !== undefined) set.time_estimate = input.timeEstimate;
  if (input.mark !== undefined) set.mark = input.mark;
  if (input.siteId !== undefined) set.site_id = input.siteId;
  if (input.xmlId !== undefined) set.xml_id = input.xmlId;
  Object.assign(set, input.flags, input.dates);

  const oldStatus = task.status;
  let newStatus = oldStatus;
  if (input.status !== undefined) {
    // STATUS passed at all sets STATUS_CHANGED_DATE; the rest only when it changes. 1 is read as 2.
    // Stored as given: TASK_CONTROL does not turn 5 into 4 here — that is tasks.task.complete's rule
    // (platform.md §8.6, §8.8).
    set.status_changed_date = now;
    newStatus = input.status === 1 ? 2 : input.status;
    if (newStatus !== oldStatus) Object.assign(set, statusColumns(ctx, newStatus, input.dates.date_start !== undefined));
  }
  await db.updateTable('tasks').set(set).where('id', '=', taskId).execute();
  if (input.accomplices) await writeMembers(db, taskId, 'A', input.accomplices);
  if (input.auditors) await writeMembers(db, taskId, 'U', input.auditors);
  if (input.tags) await writeTags(db, taskId, input.tags);

  const after = await getTaskRow(db, taskId);
  if (!after) return;
  if (after.group_id !== task.group_id) await onTaskGroupChanged(coupling(ctx), after, task.group_id);
  if (newStatus !== oldStatus) await onTaskStatusChanged(coupling(ctx), after, oldStatus, newStatus);
  await history.record(db, now);
}

/** tasks.task.start/pause/defer/complete/renew (platform.md §8.8). */
export async function changeStatus(ctx: TaskContext, taskId: number, action: StatusAction): Promise<void> {
  const task = await loadTask(ctx.db, taskId);
  if (!task) throw Errors.task.actionNotAllowed();
  const access = await accessOf(ctx, task);
  if (!actionAllowed(access, action, task.status)) throw Errors.task.actionNotAllowed();
  const to =
    action === 'start' ? 3
    : action === 'pause' ? 2
    : action === 'defer' ? 6
    : action === 'complete' ? completionStatus(task, ctx.caller)
    : 2;
  const history = await historyBefore(ctx.db, [taskId]);
  await ctx.db
    .updateTable('tasks')
    .set({ ...statusColumns(ctx, to), changed_date: ctx.now, changed_by: ctx.caller.userId, activity_date: ctx.now })
    .where('id', '=', taskId)
    .execute();
  await raiseTaskEvent(ctx.db, 'ONTASKUPDATE', taskId);
  const after = await getTaskRow(ctx.db, taskId);
  if (after) await onTaskStatusChanged(coupling(ctx), after, task.status, to);
  await history.record(ctx.db, ctx.now);
}

/**
 * tasks.task.delete (platform.md §8.7): permanent. Subtasks are kept and take the deleted task's
 * parent (`unverified:`, recommended); the Scrum item and the board links go (§9.6).
 */
export async function deleteTask(ctx: TaskContext, taskId: number): Promise<void> {
  const { db } = ctx;
  const task = await loadTask(db, taskId);
  if (!task) throw Errors.task.deleteDenied();
  if (!(await accessOf(ctx, task)).canDelete()) throw Errors.task.deleteDenied();
  const history = await historyBefore(db, [taskId]);
  await db.updateTable('tasks').set({ parent_id: task.parent_id }).where('parent_id', '=', taskId).execute();
  await onTaskDeleted(coupling(ctx), taskId);
  await raiseTaskEvent(db, 'ONTASKDELETE', taskId);
  await db.deleteFrom('task_members').where('task_id', '=', taskId).execute();
  await db.deleteFrom('task_tags').where('task_id', '=', taskId).execute();
  await db.deleteFrom('tasks').where('id', '=', taskId).execute();
  await history.record(db, ctx.now);
}

// ---------------------------------------------------------------------------------------------
// The task object (platform.md §8.1)

export type RenderMode = 'get' | 'list';

interface UserBlock {
  id: string;
  name: string;
  link: string;
  icon: string;
  workPosition: string;
}

async function userBlocks(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, UserBlock>> {
  const out = new Map<number, UserBlock>();
  const list = [...new Set(ids)].filter((i) => i > 0);
  if (list.length === 0) return out;
  const rows = await db.selectFrom('users').select(['id', 'name', 'last_name', 'email', 'work_position']).where(inList(sql.ref('id'), list)).execute();
  for (const u of rows) {
    out.set(u.id, {
      id: String(u.id),
      name: formattedName(u),
      link: `/company/personal/user/${u.id}/`,
      icon: '',
      workPosition: u.work_position ?? '',
    });
  }
  return out;
}

async function groupBlocks(db: Kysely<Database>, ids: readonly number[]) {
  const out = new Map<number, { id: string; name: string; opened: boolean; membersCount: number; image: string; additionalData: unknown[] }>();
  for (const id of new Set(ids)) {
    if (id <= 0) continue;
    const g = await getGroup(db, id);
    if (g) {
      out.set(id, { id: String(g.id), name: g.name, opened: g.opened === 'Y', membersCount: g.number_of_members, image: '', additionalData: [] });
    }
  }
  return out;
}

/** A map of user blocks keyed by id, or `[]` when empty (an empty PHP array). */
function usersData(ids: readonly number[], users: Map<number, UserBlock>): Record<string, UserBlock> | [] {
  const out: Record<string, UserBlock> = {};
  for (const id of ids) {
    const u = users.get(id);
    if (u) out[String(id)] = u;
  }
  return Object.keys(out).length === 0 ? [] : out;
}

/** The meta-status of lists (platform.md §3.7.1): -1 for an overdue open task, else the stored status. */
export function metaStatus(t: Pick<TaskRow, 'status' | 'deadline'>, now: number): number {
  return t.deadline !== null && t.deadline < now && t.status >= 1 && t.status <= 3 ? -1 : t.status;
}

/** An empty check-list root as the reference renders it for a task without check-list items. */
function emptyCheckListTree(userId: number) {
  return {
    nodeId: 0,
    fields: {
      id: null, copiedId: null, entityId: null, userId, createdBy: null, parentId: null, title: '', sortIndex: null,
      displaySortIndex: '', isComplete: false, isImportant: false, completedCount: 0, members: [], attachments: [],
    },
    action: [],
    descendants: [],
  };
}

/**
 * Renders task objects in the given order. `get` mode (get/add/update/status actions) adds `action`
 * and the check-list blocks; `list` mode adds `subStatus` (with STATUS) and leaves those out. Both
 * add `newCommentsCount` when NEW_COMMENTS_COUNT is selected.
 */
export async function renderTasks(ctx: TaskContext, tasks: readonly LoadedTask[], sel: Selection, mode: RenderMode) {
  const { db } = ctx;
  const userIds: number[] = [];
  for (const t of tasks) {
    if (sel.has('CREATED_BY')) userIds.push(t.created_by);
    if (sel.has('RESPONSIBLE_ID')) userIds.push(t.responsible_id);
    if (sel.has('ACCOMPLICES')) userIds.push(...t.accomplices);
    if (sel.has('AUDITORS')) userIds.push(...t.auditors);
  }
  const users = await userBlocks(db, userIds);
  const groups = await groupBlocks(db, sel.has('GROUP_ID') ? tasks.map((t) => t.group_id) : []);
  const placements = sel.has('SPRINT_ID') || sel.has('BACKLOG_ID') ? await scrumPlacement(db, tasks.map((t) => t.id)) : new Map();

  const out: Record<string, unknown>[] = [];
  for (const t of tasks) {
    const o: Record<string, unknown> = {};
    const fctx = { time: ctx.time, placement: placements.get(t.id) };
    for (const name of sel.fields) {
      if (name === 'NEW_COMMENTS_COUNT') continue;
      o[lowerCamel(name)] = fieldValue(name, t, fctx);
      if (name === 'STATUS' && mode === 'list') o.subStatus = String(metaStatus(t, ctx.now));
    }
    o.group = (sel.has('GROUP_ID') && groups.get(t.group_id)) || [];
    if (sel.has('CREATED_BY') && users.has(t.created_by)) o.creator = users.get(t.created_by);
    if (sel.has('RESPONSIBLE_ID') && users.has(t.responsible_id)) o.responsible = users.get(t.responsible_id);
    if (sel.has('ACCOMPLICES')) o.accomplicesData = usersData(t.accomplices, users);
    if (sel.has('AUDITORS')) o.auditorsData = usersData(t.auditors, users);
    if (sel.tags) o.tags = tagsBlock(t.tags);
    // exactly when NEW_COMMENTS_COUNT is selected, in lists too (platform.md §8.1)
    if (sel.has('NEW_COMMENTS_COUNT')) o.newCommentsCount = 0;
    if (mode === 'get') {
      const access = await accessOf(ctx, t);
      o.action = actionMap(access, t.status, {
        allowChangeDeadline: t.allow_change_deadline === 'Y',
        allowTimeTracking: t.allow_time_tracking === 'Y',
      });
      if (sel.has('CHECKLIST')) {
        o.checkListTree = emptyCheckListTree(ctx.caller.userId);
        o.checkListCanAdd = access.canEdit() || access.isResponsible || access.isAccomplice;
      }
    }
    out.push(o);
  }
  return out;
}

/**
 * The answer of tasks.task.get for one task: `{task: …}`, or `[]` when the task does not exist or
 * the caller may not read it (platform.md §8.4).
 */
export async function taskResult(ctx: TaskContext, taskId: number, sel: Selection): Promise<{ task: Record<string, unknown> } | []> {
  const task = await loadTask(ctx.db, taskId);
  if (!task) return [];
  if (!(await accessOf(ctx, task)).canRead()) return [];
  const [o] = await renderTasks(ctx, [task], sel, 'get');
  return { task: o! };
}
