/**
 * Backlogs and sprints ("entities", scrum-api.md A2.2) and the items they hold (A2.3):
 * lookups, the objects the API returns, and the item moves of the ordering model (A4).
 */
import type { Kysely, Selectable } from 'kysely';
import { memoized } from '../../core/memo.js';
import type { PortalTime } from '../../core/portalTime.js';
import type { Database, ScrumEntityTable } from '../../store/schema.js';
import { limitLiteral, preparedQuery } from '../../store/prepared.js';
import { lockParent } from '../../store/rowLocks.js';

export type EntityRow = Selectable<ScrumEntityTable>;
export type SprintStatus = 'planned' | 'active' | 'completed';
export const SPRINT_STATUSES: readonly string[] = ['planned', 'active', 'completed'];

/** Default item sort value (A4). */
export const DEFAULT_SORT = 1024;

const entityById = preparedQuery((db, id: number) => db.selectFrom('scrum_entities').selectAll().where('id', '=', id), { remember: true });

export async function getEntity(db: Kysely<Database>, id: number): Promise<EntityRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return entityById.first(db, id);
}

export async function getBacklogOfGroup(db: Kysely<Database>, groupId: number): Promise<EntityRow | undefined> {
  return db
    .selectFrom('scrum_entities')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('entity_type', '=', 'backlog')
    .executeTakeFirst();
}

export async function getActiveSprintOfGroup(db: Kysely<Database>, groupId: number): Promise<EntityRow | undefined> {
  return db
    .selectFrom('scrum_entities')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('entity_type', '=', 'sprint')
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** Whether the entity holds any item, active or in the recycle bin. */
export async function entityHasItems(db: Kysely<Database>, entityId: number): Promise<boolean> {
  const r = await db.selectFrom('scrum_items').select('id').where('entity_id', '=', entityId).limit(limitLiteral(1)).executeTakeFirst();
  return r !== undefined;
}

function parseGoal(info: string): string {
  try {
    const v = JSON.parse(info) as { sprintGoal?: unknown };
    return typeof v.sprintGoal === 'string' ? v.sprintGoal : '';
  } catch {
    return '';
  }
}

/** Goals by the stored info they were read from: a sprint's info changes rarely and is read on every get. */
const rememberedGoal = memoized(parseGoal, 10_000);

export function sprintGoal(info: string): string {
  // long texts are parsed every time rather than kept
  return info.length <= 4096 ? rememberedGoal(info) : parseGoal(info);
}

/** The backlog object of `backlog.get` (stored values). */
export function backlogObject(e: EntityRow) {
  return { id: e.id, groupId: e.group_id, createdBy: e.created_by, modifiedBy: e.modified_by };
}

/** The sprint object (C2): empty dates read as the current time. */
export function sprintObject(e: EntityRow, time: PortalTime, now: number) {
  return {
    id: e.id,
    groupId: e.group_id,
    entityType: e.entity_type,
    name: e.name ?? '',
    goal: sprintGoal(e.info),
    sort: e.sort ?? 0,
    createdBy: e.created_by ?? 0,
    modifiedBy: e.modified_by ?? 0,
    dateStart: time.iso(e.date_start ?? now),
    dateEnd: time.iso(e.date_end ?? now),
    status: e.status ?? '',
  };
}

/** Items of an entity in display order: sort ascending, ties by id descending (A4). */
function orderedItems(db: Kysely<Database>, entityId: number) {
  return db
    .selectFrom('scrum_items')
    .select(['id', 'sort_float'])
    .where('entity_id', '=', entityId)
    .orderBy('sort_float', 'asc')
    .orderBy('id', 'desc');
}

/** The smallest item sort value of the whole portal, 1024 when there are no items (A4). */
export async function smallestSort(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('scrum_items').select((eb) => eb.fn.min('sort_float').as('m')).executeTakeFirst();
  const m = r?.m;
  return m === null || m === undefined ? DEFAULT_SORT : Number(m);
}

/**
 * Moves items to the top of the target entity keeping their relative order, then renumbers every
 * item of the target 1024, 2048, … in its new order (A4).
 */
export async function moveItemsToTop(db: Kysely<Database>, itemIds: readonly number[], targetEntityId: number): Promise<void> {
  if (itemIds.length === 0) return;
  // Never into a backlog or sprint deleted meanwhile; it cannot be deleted until this transaction ends.
  if (!(await lockParent(db, 'scrum_entities', targetEntityId, 'key share'))) throw new Error(`entity ${targetEntityId} no longer exists`);
  const m = await smallestSort(db);
  const k = itemIds.length;
  for (let j = 1; j <= k; j++) {
    await db
      .updateTable('scrum_items')
      .set({ entity_id: targetEntityId, sort_float: m / (2 * (k - j + 1)) })
      .where('id', '=', itemIds[j - 1]!)
      .execute();
  }
  const items = await orderedItems(db, targetEntityId).execute();
  let n = 0;
  for (const it of items) {
    n += DEFAULT_SORT;
    if (it.sort_float !== n) await db.updateTable('scrum_items').set({ sort_float: n }).where('id', '=', it.id).execute();
  }
}

/** Moves every item of one entity to the top of another (sprint.delete, C2.7). */
export async function moveAllItems(db: Kysely<Database>, fromEntityId: number, toEntityId: number): Promise<void> {
  const items = await orderedItems(db, fromEntityId).execute();
  await moveItemsToTop(db, items.map((i) => i.id), toEntityId);
}
