/**
 * Who may do what with a task (platform.md §4.1): task-level rights of the creator, the responsible
 * person, accomplices and auditors, plus the group feature permissions of the Tasks feature (§3.5)
 * with their default minimum roles. Portal administrators pass every check.
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Caller } from '../core/call.js';
import type { Database } from '../store/schema.js';
import { featureAllows } from './groupFeatures.js';
import { getGroup, roleOf, type GroupRow, type Role } from './groups.js';

/** Operations of the group feature `tasks` (platform.md §3.5). */
export type TaskFeatureOp = 'view' | 'view_all' | 'sort' | 'create_tasks' | 'edit_tasks' | 'delete_tasks';

/**
 * The feature rule for a caller whose relation to an existing group is known, with the default minimum
 * roles of the Tasks feature (platform.md §3.5, kept in groupFeatures.ts).
 */
export function featureAllowed(caller: Caller, group: GroupRow, role: Role | null, op: TaskFeatureOp): boolean {
  return featureAllows(caller, group, role, 'tasks', op);
}

/** May the caller perform the Tasks feature operation in the group? A missing group never allows anything. */
export async function canInGroup(db: Kysely<Database>, caller: Caller, groupId: number, op: TaskFeatureOp): Promise<boolean> {
  const group = await getGroup(db, groupId);
  if (!group) return false;
  const role = caller.isAdmin ? null : await roleOf(db, groupId, caller.userId);
  return featureAllowed(caller, group, role, op);
}

/** What the access rules need to know about one task. */
export interface TaskParties {
  id: number;
  created_by: number;
  responsible_id: number;
  group_id: number;
  accomplices: readonly number[];
  auditors: readonly number[];
}

/** The caller's standing towards one task, computed once and asked many questions. */
export class TaskAccess {
  constructor(
    readonly caller: Caller,
    readonly task: TaskParties,
    /** the task's group, if it has one that exists */
    readonly group: GroupRow | undefined,
    /** the caller's relation to that group */
    readonly role: Role | null,
  ) {}

  static async load(db: Kysely<Database>, caller: Caller, task: TaskParties): Promise<TaskAccess> {
    const group = task.group_id > 0 ? await getGroup(db, task.group_id) : undefined;
    const role = group && !caller.isAdmin ? await roleOf(db, group.id, caller.userId) : null;
    return new TaskAccess(caller, task, group, role);
  }

  get isAdmin(): boolean {
    return this.caller.isAdmin;
  }
  get isCreator(): boolean {
    return this.task.created_by === this.caller.userId;
  }
  get isResponsible(): boolean {
    return this.task.responsible_id === this.caller.userId;
  }
  get isAccomplice(): boolean {
    return this.task.accomplices.includes(this.caller.userId);
  }
  get isAuditor(): boolean {
    return this.task.auditors.includes(this.caller.userId);
  }
  /** The caller takes part in the task in any role. */
  get isParticipant(): boolean {
    return this.isCreator || this.isResponsible || this.isAccomplice || this.isAuditor;
  }

  private feature(op: TaskFeatureOp): boolean {
    return this.group !== undefined && featureAllowed(this.caller, this.group, this.role, op);
  }

  /** Read: admins, participants, and holders of `view_all` in the task's group. */
  canRead(): boolean {
    return this.isAdmin || this.isParticipant || this.feature('view_all');
  }

  /** Change any field: admins, the creator, holders of `edit_tasks` in the task's group. */
  canEdit(): boolean {
    return this.isAdmin || this.isCreator || this.feature('edit_tasks');
  }

  /** Delete: admins, the creator, holders of `delete_tasks` in the task's group (not the responsible person). */
  canDelete(): boolean {
    return this.isAdmin || this.isCreator || this.feature('delete_tasks');
  }

  /** Change only the status (tasks.task.update with STATUS): the editors and the responsible person. */
  canChangeStatus(): boolean {
    return this.canEdit() || this.isResponsible;
  }
}

/** The status actions of tasks.task.* (platform.md §8.8). */
export type StatusAction = 'start' | 'pause' | 'defer' | 'complete' | 'renew';

/** Statuses an action may start from; 1 (legacy "new") behaves like 2 (pending). */
export const ACTION_FROM: Readonly<Record<StatusAction, readonly number[]>> = {
  start: [1, 2, 6],
  pause: [3],
  defer: [1, 2, 3],
  complete: [1, 2, 3, 6],
  renew: [4, 5, 6, 7],
};

/** Whether the caller's role in the task allows the status action (platform.md §8.8 "Who"). */
export function actionRoleAllowed(a: TaskAccess, action: StatusAction): boolean {
  if (a.isAdmin) return true;
  switch (action) {
    case 'start':
    case 'pause':
      return a.isResponsible || a.isAccomplice;
    case 'defer':
      return a.isResponsible || a.isCreator;
    case 'complete':
      return a.isResponsible || a.isAccomplice || a.isCreator;
    case 'renew':
      return a.isCreator || a.isResponsible;
  }
}

export function actionAllowed(a: TaskAccess, action: StatusAction, status: number): boolean {
  return a.canRead() && ACTION_FROM[action].includes(status) && actionRoleAllowed(a, action);
}

/**
 * The `action` map of tasks.task.get (platform.md §8.1), computed from the rules above.
 * The reference's map also reflects department heads, delegation rules and checklists; a local
 * server derives every entry from §4.1/§8.8 (`unverified:` the finer product rules).
 */
export function actionMap(a: TaskAccess, status: number, flags: { allowChangeDeadline: boolean; allowTimeTracking: boolean }) {
  const edit = a.canEdit();
  const worker = a.isAdmin || a.isResponsible || a.isAccomplice;
  const approve = status === 4 && (a.isAdmin || a.isCreator);
  const checklist = edit || worker;
  const changeDeadline = edit || (a.isResponsible && flags.allowChangeDeadline);
  return {
    accept: false,
    decline: false,
    complete: actionAllowed(a, 'complete', status),
    approve,
    disapprove: approve,
    start: actionAllowed(a, 'start', status),
    pause: actionAllowed(a, 'pause', status),
    delegate: status !== 5 && (edit || a.isResponsible),
    remove: a.canDelete(),
    edit,
    defer: actionAllowed(a, 'defer', status),
    renew: actionAllowed(a, 'renew', status),
    create: true,
    changeDeadline,
    checklistAddItems: checklist,
    addFavorite: true,
    deleteFavorite: false,
    rate: edit,
    'edit.originator': false,
    'checklist.reorder': checklist,
    'elapsedtime.add': checklist,
    'dayplan.timer.toggle': worker && flags.allowTimeTracking,
    'edit.plan': changeDeadline,
    'checklist.add': checklist,
    'favorite.add': true,
    'favorite.delete': false,
  };
}

/**
 * The read predicate of task lists as SQL (platform.md §4.1 "see all tasks of the group"): the caller
 * takes part in the task, or is an owner, moderator or member of its group. `alias` names the tasks
 * table in the surrounding query. Admins are not filtered at all (the caller decides).
 */
export function readableBy(userId: number, alias = 'tasks'): Expression<SqlBool> {
  const t = (col: string) => sql.ref(`${alias}.${col}`);
  return sql<SqlBool>`(${t('created_by')} = ${userId}
    or ${t('responsible_id')} = ${userId}
    or exists (select 1 from task_members tm_r where tm_r.task_id = ${t('id')} and tm_r.user_id = ${userId})
    or (${t('group_id')} > 0 and ${t('group_id')} in (select gm_r.group_id from group_members gm_r where gm_r.user_id = ${userId} and gm_r.role in ('A','E','K'))))`;
}
