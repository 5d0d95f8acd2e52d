/**
 * The board's read-only sprint board, a view the REST API lacks: the REST methods give a sprint's
 * stages (`kanban.getStages`) but not which task sits in which column (the task's denormalized stage
 * is not kept by `kanban.addTask`, spec scrum-api.md C3.5), so the board reads the task–stage links
 * here. Read under the same access rule as `kanban.getStages` (canReadGroup).
 *
 * GET /_scrumd/board/api/groups/{id}/sprint-board → {sprint|null, stages, tasks}: the group's active
 * sprint, its stages in column order (numbers, not getStages' strings) and the tasks on the board
 * with the stages they are linked to (a task may sit in two columns: kanban.addTask allows it).
 * Every change the board makes goes through the REST methods (kanban.addTask/deleteTask, …).
 */
import type { Kysely } from 'kysely';
import type { Caller } from '../core/call.js';
import { Errors } from '../core/errors.js';
import { canReadGroup } from '../domain/groups.js';
import { sprintGoal } from '../domain/scrum/entities.js';
import { boardStages, SPRINT_BOARD } from '../domain/scrum/board.js';
import { stageObject } from '../domain/scrum/kanban.js';
import type { Database } from '../store/schema.js';
import type { BoardTask, SprintBoard } from './planTypes.js';

export async function sprintBoard(db: Kysely<Database>, caller: Caller, groupId: number): Promise<SprintBoard> {
  const group = await db.selectFrom('sonet_groups').select('id').where('id', '=', groupId).executeTakeFirst();
  if (!group || !(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  const sprint = await db
    .selectFrom('scrum_entities')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('entity_type', '=', 'sprint')
    .where('status', '=', 'active')
    .orderBy('id', 'asc')
    .executeTakeFirst();
  if (!sprint) return { sprint: null, stages: [], tasks: [] };
  const stages = (await boardStages(db, sprint.id)).map((s) => {
    const o = stageObject(s);
    return { id: s.id, name: o.name, sort: s.sort, type: s.system_type ?? '', color: o.color };
  });
  const links = await db
    .selectFrom('kanban_task_stages')
    .innerJoin('kanban_stages', 'kanban_stages.id', 'kanban_task_stages.stage_id')
    .innerJoin('tasks', 'tasks.id', 'kanban_task_stages.task_id')
    .leftJoin('scrum_items', (j) => j.onRef('scrum_items.source_id', '=', 'kanban_task_stages.task_id').on('scrum_items.active', '=', 'Y'))
    .leftJoin('users', 'users.id', 'tasks.responsible_id')
    .select([
      'kanban_task_stages.task_id',
      'kanban_task_stages.stage_id',
      'tasks.title',
      'tasks.status',
      'tasks.responsible_id',
      'scrum_items.story_points',
      'users.name as r_name',
      'users.last_name as r_last_name',
      'users.email as r_email',
    ])
    .where('kanban_stages.entity_type', '=', SPRINT_BOARD)
    .where('kanban_stages.entity_id', '=', sprint.id)
    .orderBy('kanban_task_stages.id', 'asc')
    .execute();
  const byTask = new Map<number, BoardTask>();
  for (const l of links) {
    const known = byTask.get(l.task_id);
    if (known) {
      if (!known.stageIds.includes(l.stage_id)) known.stageIds.push(l.stage_id);
      continue;
    }
    byTask.set(l.task_id, {
      taskId: l.task_id,
      title: l.title,
      status: l.status,
      storyPoints: l.story_points ?? '',
      responsible: { id: l.responsible_id, name: [l.r_name, l.r_last_name].filter((x) => x).join(' ') || l.r_email || `user ${l.responsible_id}` },
      stageIds: [l.stage_id],
    });
  }
  return {
    sprint: { id: sprint.id, name: sprint.name, goal: sprintGoal(sprint.info), dateStart: sprint.date_start, dateEnd: sprint.date_end },
    stages,
    tasks: [...byTask.values()],
  };
}
