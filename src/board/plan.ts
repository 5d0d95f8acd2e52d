/**
 * The board's read-only extra the REST API lacks: a Scrum group's whole plan in one answer (the
 * backlog and every sprint with their items in order, story points, epic, responsible), read under the
 * same access rule as `tasks.api.scrum.backlog.get` (canReadGroup). GET /_scrumd/board/api/groups/{id}/plan.
 */
import type { Kysely } from 'kysely';
import type { Caller } from '../core/call.js';
import { Errors } from '../core/errors.js';
import { canReadGroup } from '../domain/groups.js';
import { sprintGoal } from '../domain/scrum/entities.js';
import type { Database } from '../store/schema.js';
import type { Plan, PlanEntity, PlanItem } from './planTypes.js';

export type { Plan, PlanEntity, PlanEpic, PlanItem } from './planTypes.js';

export async function groupPlan(db: Kysely<Database>, caller: Caller, groupId: number): Promise<Plan> {
  const group = await db.selectFrom('sonet_groups').select(['id', 'name', 'scrum_master_id']).where('id', '=', groupId).executeTakeFirst();
  if (!group || !(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  const entities = await db
    .selectFrom('scrum_entities')
    .selectAll()
    .where('group_id', '=', groupId)
    .orderBy('entity_type', 'asc')
    .orderBy('sort', 'asc')
    .orderBy('id', 'asc')
    .execute();
  const items = await db
    .selectFrom('scrum_items')
    .innerJoin('scrum_entities', 'scrum_entities.id', 'scrum_items.entity_id')
    .innerJoin('tasks', 'tasks.id', 'scrum_items.source_id')
    .leftJoin('scrum_epics', 'scrum_epics.id', 'scrum_items.epic_id')
    .leftJoin('users', 'users.id', 'tasks.responsible_id')
    .select([
      'scrum_items.entity_id',
      'scrum_items.source_id',
      'scrum_items.sort_float',
      'scrum_items.story_points',
      'scrum_items.epic_id',
      'scrum_epics.name as epic_name',
      'scrum_epics.color as epic_color',
      'tasks.title',
      'tasks.status',
      'tasks.responsible_id',
      'users.name as r_name',
      'users.last_name as r_last_name',
      'users.email as r_email',
    ])
    .where('scrum_entities.group_id', '=', groupId)
    .where('scrum_items.active', '=', 'Y')
    .orderBy('scrum_items.sort_float', 'asc')
    .orderBy('scrum_items.id', 'desc')
    .execute();
  const byEntity = new Map<number, PlanItem[]>();
  for (const it of items) {
    const list = byEntity.get(it.entity_id) ?? [];
    list.push({
      taskId: it.source_id,
      title: it.title,
      status: it.status,
      storyPoints: it.story_points ?? '',
      sort: Number(it.sort_float),
      epic: it.epic_id && it.epic_name !== null ? { id: it.epic_id, name: it.epic_name, color: it.epic_color ?? '' } : null,
      responsible: { id: it.responsible_id, name: [it.r_name, it.r_last_name].filter((x) => x).join(' ') || it.r_email || `user ${it.responsible_id}` },
    });
    byEntity.set(it.entity_id, list);
  }
  const out: PlanEntity[] = entities.map((e) => {
    const list = byEntity.get(e.id) ?? [];
    return {
      id: e.id,
      type: e.entity_type === 'backlog' ? 'backlog' : 'sprint',
      name: e.name,
      status: e.status,
      goal: e.entity_type === 'sprint' ? sprintGoal(e.info) : '',
      dateStart: e.date_start,
      dateEnd: e.date_end,
      storyPoints: list.reduce((s, i) => s + (Number.isFinite(Number(i.storyPoints)) ? Number(i.storyPoints) : 0), 0),
      items: list,
    };
  });
  const epics = await db.selectFrom('scrum_epics').select(['id', 'name', 'color']).where('group_id', '=', groupId).orderBy('id').execute();
  return {
    group: { id: group.id, name: group.name, scrumMasterId: group.scrum_master_id },
    backlog: out.find((e) => e.type === 'backlog') ?? null,
    sprints: out.filter((e) => e.type === 'sprint'),
    epics,
  };
}
