/**
 * A sprint's goal, set from the board. The REST API cannot set it (scrum-api.md A2.1: `INFO.sprintGoal`
 * is set only by the product's start dialog, which also edits name and dates); the board offers it
 * beside name and dates, under the access rule of `sprint.update` (read access to the sprint's group),
 * and `sprint.get`/`sprint.list` then show it as `goal` as they would for a goal set in the product.
 * The other keys of INFO are kept. unverified: the product's length limit of a goal; 1,000 characters.
 *
 * POST /_scrumd/board/api/sprints/{id}/goal {goal}
 */
import type { Kysely } from 'kysely';
import type { Caller } from '../core/call.js';
import { Errors } from '../core/errors.js';
import { canReadGroup } from '../domain/groups.js';
import { getEntity } from '../domain/scrum/entities.js';
import type { Database } from '../store/schema.js';

export const MAX_GOAL_LENGTH = 1000;

export async function setSprintGoal(db: Kysely<Database>, caller: Caller, sprintId: number, body: unknown): Promise<true> {
  const goal = (body !== null && typeof body === 'object' ? (body as { goal?: unknown }).goal : undefined);
  if (typeof goal !== 'string' || goal.length > MAX_GOAL_LENGTH) throw Errors.invalidRequest(`The goal must be a text of at most ${MAX_GOAL_LENGTH} characters`);
  const sprint = await getEntity(db, sprintId);
  if (!sprint || sprint.entity_type !== 'sprint') throw Errors.scrum.sprintNotFound();
  if (!(await canReadGroup(db, caller, sprint.group_id))) throw Errors.scrum.accessDenied();
  let info: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(sprint.info);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) info = v as Record<string, unknown>;
  } catch {
    // an unreadable INFO starts afresh
  }
  info.sprintGoal = goal.trim();
  await db.updateTable('scrum_entities').set({ info: JSON.stringify(info) }).where('id', '=', sprintId).execute();
  return true;
}
