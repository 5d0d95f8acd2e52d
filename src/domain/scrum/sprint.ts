/**
 * The sprint rules of scrum-api.md C2 (add, update, get, list, delete, getFields), in the reference's
 * check order. `sprint.start` and `sprint.complete` (C2.3, C2.4) build on `loadSprint` and
 * `sprintObject` and live beside these when they are added.
 */
import type { Kysely, Updateable } from 'kysely';
import type { PortalTime } from '../../core/portalTime.js';
import { Errors, type RestError } from '../../core/errors.js';
import { isUniqueViolation } from '../../store/dialectErrors.js';
import { isPhpArray, truthy, type PhpMap } from '../../core/php.js';
import type { Caller } from '../../core/call.js';
import type { Database, ScrumEntityTable } from '../../store/schema.js';
import { canReadGroup, groupsWithAnyRelation } from '../groups.js';
import { lockParent } from '../../store/rowLocks.js';
import { userExists } from '../users.js';
import {
  SPRINT_STATUSES,
  entityHasItems,
  getActiveSprintOfGroup,
  getBacklogOfGroup,
  getEntity,
  moveAllItems,
  sprintObject,
  type EntityRow,
} from './entities.js';
import { applyList, parseListRequest, type ListContext, type ListFieldMap } from './listQuery.js';
import { historyBeforeEntity, recordSprintEnd, recordSprintStart } from './history.js';

/** Longest sprint name the storage accepts, in characters (A2.2). */
export const SPRINT_NAME_MAX = 255;

/** A user id field: null when the input was not numeric (then it is not considered). */
export type UserIdInput = number | null;

function nameTooLong(name: string): boolean {
  return [...name].length > SPRINT_NAME_MAX;
}

async function checkUsers(db: Kysely<Database>, createdBy: UserIdInput, modifiedBy: UserIdInput): Promise<void> {
  if (createdBy !== null && !(await userExists(db, createdBy))) throw Errors.scrum.createdByNotFound();
  if (modifiedBy !== null && !(await userExists(db, modifiedBy))) throw Errors.scrum.modifiedByNotFound();
}

/**
 * The id → sprint lookup shared by update, delete (and start): id 0 → `idMissing`, no row or a
 * backlog → "Sprint not found".
 */
export async function loadSprint(db: Kysely<Database>, id: number, idMissing: () => RestError): Promise<EntityRow> {
  if (id === 0) throw idMissing();
  const sprint = await getEntity(db, id);
  if (!sprint || sprint.entity_type !== 'sprint') throw Errors.scrum.sprintNotFound();
  return sprint;
}

async function reread(db: Kysely<Database>, id: number): Promise<EntityRow> {
  const row = await getEntity(db, id);
  if (!row) throw Errors.scrum.sprintNotFound();
  return row;
}

// ---------------------------------------------------------------------------------------------
// add (C2.1)

export interface SprintAddInput {
  groupId: number;
  name: string;
  sort: number;
  createdBy: UserIdInput;
  modifiedBy: UserIdInput;
  /** parseDate of the value; null when the key is absent */
  dateStart: number | null;
  dateEnd: number | null;
  status: string;
}

export async function addSprint(db: Kysely<Database>, caller: Caller, time: PortalTime, now: number, input: SprintAddInput) {
  const { groupId, name, sort, createdBy, modifiedBy, dateStart, dateEnd, status } = input;
  if (groupId === 0) throw Errors.scrum.groupIdNotFound();
  // The group cannot be deleted until this transaction ends; one deleted meanwhile is gone (rowLocks.ts).
  await lockParent(db, 'sonet_groups', groupId, 'key share');
  if (!(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  await checkUsers(db, createdBy, modifiedBy);
  if (dateStart === null) throw Errors.scrum.incorrectDateStart();
  if (dateEnd === null) throw Errors.scrum.incorrectDateEnd();
  if (!SPRINT_STATUSES.includes(status)) throw Errors.scrum.incorrectSprintStatus();
  if (status === 'active' && (await getActiveSprintOfGroup(db, groupId))) throw Errors.scrum.twoActiveSprints();
  const creator = createdBy ?? 0;
  // The storage refuses an empty or over-long name and a missing author (step 11).
  if (name === '' || nameTooLong(name) || creator <= 0) throw Errors.scrum.sprintNotAdded();
  let id: number;
  try {
    const r = await db
      .insertInto('scrum_entities')
      .values({
        group_id: groupId,
        entity_type: 'sprint',
        name,
        sort,
        created_by: creator,
        // modifiedBy is validated, not stored: a new sprint is modified by its author
        modified_by: creator,
        date_start: dateStart,
        date_end: dateEnd,
        status,
        info: '{}',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = r.id;
  } catch (e) {
    // Another request activated a sprint of the group first: the database holds one active sprint per group.
    if (isUniqueViolation(e)) throw Errors.scrum.twoActiveSprints();
    throw Errors.scrum.sprintNotAdded();
  }
  // the sprint history: a sprint added as active starts now (with no items yet)
  if (status === 'active') await recordSprintStart(db, groupId, id, now);
  return sprintObject(await reread(db, id), time, now);
}

// ---------------------------------------------------------------------------------------------
// update (C2.2)

export interface SprintUpdateInput {
  id: number;
  /** null = not given (not numeric) */
  groupId: number | null;
  /** null = not a string */
  name: string | null;
  sort: number | null;
  createdBy: UserIdInput;
  modifiedBy: UserIdInput;
  /** parseDate of the value; null when the key is absent */
  dateStart: number | null;
  dateEnd: number | null;
  /** null = not a string */
  status: string | null;
}

export async function updateSprint(db: Kysely<Database>, caller: Caller, time: PortalTime, now: number, input: SprintUpdateInput) {
  const { id, groupId, name, sort, createdBy, modifiedBy, dateStart, dateEnd, status } = input;
  const sprint = await loadSprint(db, id, Errors.scrum.sprintIdNotFound);
  if (!(await canReadGroup(db, caller, sprint.group_id))) throw Errors.scrum.accessDenied();
  let newGroup = sprint.group_id;
  if (groupId !== null) {
    if (groupId !== sprint.group_id && (await entityHasItems(db, id))) throw Errors.scrum.sprintMoveWithItems();
    newGroup = groupId; // no access or Scrum check on the target group
    if (newGroup !== sprint.group_id) await lockParent(db, 'sonet_groups', newGroup, 'key share');
  }
  await checkUsers(db, createdBy, modifiedBy);
  if (status !== null) {
    if (!SPRINT_STATUSES.includes(status)) throw Errors.scrum.incorrectSprintStatus();
    // Any active sprint of the (new) group blocks, this very sprint included (S-5).
    if (status === 'active' && (await getActiveSprintOfGroup(db, newGroup))) throw Errors.scrum.twoActiveSprints();
  }
  // Only "non-empty" in-memory values are written; createdBy is validated but never persisted.
  const set: Updateable<ScrumEntityTable> = {};
  if (newGroup !== 0) set.group_id = newGroup;
  if (name !== null && name !== '') set.name = name;
  if (sort !== null) set.sort = sort;
  if (modifiedBy !== null && modifiedBy !== 0) set.modified_by = modifiedBy;
  if (dateStart !== null) set.date_start = dateStart;
  if (dateEnd !== null) set.date_end = dateEnd;
  if (status !== null) set.status = status;
  if (set.name !== undefined && nameTooLong(set.name)) throw Errors.scrum.sprintNotUpdated();
  try {
    await db.updateTable('scrum_entities').set(set).where('id', '=', id).execute();
  } catch (e) {
    // e.g. an active sprint moved into a group that has one: the database holds the invariant
    if (isUniqueViolation(e)) throw Errors.scrum.twoActiveSprints();
    throw Errors.scrum.sprintNotUpdated();
  }
  // the sprint history: a status set by sprint.update starts (with the baseline) or closes the sprint
  // as sprint.start/complete do, though nothing moves
  if (status === 'active' && sprint.status !== 'active') await recordSprintStart(db, newGroup || sprint.group_id, id, now);
  if (status === 'completed' && sprint.status !== 'completed') await recordSprintEnd(db, newGroup || sprint.group_id, id, now);
  return sprintObject(await reread(db, id), time, now);
}

// ---------------------------------------------------------------------------------------------
// get (C2.5)

export async function getSprint(db: Kysely<Database>, caller: Caller, time: PortalTime, now: number, id: number) {
  if (id === 0) throw Errors.scrum.sprintIdNotFound();
  const entity = await getEntity(db, id);
  if (!entity) throw Errors.scrum.sprintNotFound();
  if (!(await canReadGroup(db, caller, entity.group_id))) throw Errors.scrum.accessDenied();
  // The entity type is not checked: a backlog id answers with the backlog as a sprint object.
  return sprintObject(entity, time, now);
}

// ---------------------------------------------------------------------------------------------
// delete (C2.7)

export async function deleteSprint(db: Kysely<Database>, caller: Caller, id: number, now: number): Promise<unknown[]> {
  let sprint = await loadSprint(db, id, Errors.scrum.sprintNotFound);
  if (!(await canReadGroup(db, caller, sprint.group_id))) throw Errors.scrum.accessDenied();
  // Writers moving items into the sprint hold it in key-share mode: wait for them, then see their items;
  // later ones see the sprint gone (rowLocks.ts). Re-read: it may have changed while we waited.
  if (!(await lockParent(db, 'scrum_entities', id, 'update'))) throw Errors.scrum.sprintNotFound();
  sprint = await loadSprint(db, id, Errors.scrum.sprintNotFound);
  // the sprint history: its items leave it (for the backlog)
  const history = await historyBeforeEntity(db, id);
  if (await entityHasItems(db, id)) {
    const backlog = await getBacklogOfGroup(db, sprint.group_id);
    if (!backlog) throw Errors.scrum.sprintRemoveWithItems();
    try {
      await moveAllItems(db, id, backlog.id);
    } catch {
      throw Errors.scrum.sprintItemsNotMoved();
    }
  }
  // A failure here is thrown: the method's failure policy rolls the call back and answers `[]` as the
  // reference does (B9), or the strict error. Board stages and links are left in place.
  await db.deleteFrom('scrum_entities').where('id', '=', id).execute();
  await history.record(db, now);
  return [];
}

// ---------------------------------------------------------------------------------------------
// list (C2.6)

/** The storage fields of an entity (A2.2), for filter, select and order. */
export const SPRINT_LIST_FIELDS: ListFieldMap = {
  ID: { column: 'id', kind: 'int' },
  GROUP_ID: { column: 'group_id', kind: 'int' },
  ENTITY_TYPE: { column: 'entity_type', kind: 'string' },
  NAME: { column: 'name', kind: 'string' },
  SORT: { column: 'sort', kind: 'int' },
  CREATED_BY: { column: 'created_by', kind: 'int' },
  MODIFIED_BY: { column: 'modified_by', kind: 'int' },
  DATE_START: { column: 'date_start', kind: 'datetime' },
  DATE_END: { column: 'date_end', kind: 'datetime' },
  STATUS: { column: 'status', kind: 'string' },
  INFO: { column: 'info', kind: 'string' },
  // present in the reference's storage, never written by the API: always NULL here
  DATE_START_TZ: { column: null, kind: 'string' },
  DATE_END_TZ: { column: null, kind: 'string' },
};

export interface SprintListInput {
  /** undefined when the parameter is absent */
  filter: unknown;
  select: unknown;
  order: unknown;
  start: number;
}

/** A PHP type name as the reference's TypeError messages print it. */
function phpTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return 'null';
}

/**
 * The reference's handling of wrongly typed list parameters (C2.6): a `filter` that PHP cannot
 * write `=ENTITY_TYPE` into and a non-empty scalar `select` end in internal PHP errors (code 0).
 */
function listParameters(input: SprintListInput): { filter: PhpMap | unknown[]; select: unknown } {
  const f = input.filter;
  let filter: PhpMap | unknown[];
  if (f === undefined || f === null || f === false) filter = {};
  else if (isPhpArray(f)) filter = f;
  else if (typeof f === 'string') throw Errors.scrum.offsetOnString();
  else throw Errors.scrum.scalarAsArray();
  const s = input.select;
  let select: unknown = s;
  if (s === undefined || (!isPhpArray(s) && !truthy(s))) select = [];
  else if (!isPhpArray(s)) {
    throw Errors.scrum.selectNotArray(phpTypeName(s));
  }
  return { filter, select };
}

/** The sprint object of a list row: fields that were not selected read as their defaults (B8.4). */
function listObject(row: EntityRow, selected: ReadonlySet<string> | null, time: PortalTime, now: number) {
  const has = (f: string) => selected === null || selected.has(f);
  const masked: EntityRow = {
    id: has('ID') ? row.id : 0,
    group_id: has('GROUP_ID') ? row.group_id : 0,
    entity_type: has('ENTITY_TYPE') ? row.entity_type : '',
    name: has('NAME') ? row.name : '',
    sort: has('SORT') ? row.sort : 0,
    created_by: has('CREATED_BY') ? row.created_by : 0,
    modified_by: has('MODIFIED_BY') ? row.modified_by : 0,
    date_start: has('DATE_START') ? row.date_start : null,
    date_end: has('DATE_END') ? row.date_end : null,
    status: has('STATUS') ? row.status : null,
    info: has('INFO') ? row.info : '{}',
  };
  return sprintObject(masked, time, now);
}

export async function listSprints(
  db: Kysely<Database>,
  caller: Caller,
  ctx: ListContext,
  input: SprintListInput,
) {
  const { filter, select } = listParameters(input);
  // The reference writes "=ENTITY_TYPE" => "sprint" over a client key of that spelling and ANDs it.
  const clientFilter = Array.isArray(filter) ? filter : Object.fromEntries(Object.entries(filter).filter(([k]) => k !== '=ENTITY_TYPE'));
  // A request that cannot be built (ListQueryError) or read is thrown: the method's failure policy
  // answers `[]` (B8.6), or the strict error.
  const parsed = parseListRequest({ filter: clientFilter, select, order: input.order, start: input.start }, SPRINT_LIST_FIELDS, ctx);
  const base = db
    .selectFrom('scrum_entities')
    .selectAll()
    .where('entity_type', '=', 'sprint')
    // visibility: groups where the caller has any relation, pending and banned included (B8.2)
    .where('group_id', 'in', groupsWithAnyRelation(db, caller.userId));
  const rows = await applyList(base, parsed, 'id').execute();
  return rows.map((r) => listObject(r, parsed.selected, ctx.time, ctx.now));
}

// ---------------------------------------------------------------------------------------------
// getFields (C2.8)

export const SPRINT_FIELDS = {
  fields: {
    groupId: { type: 'integer' },
    name: { type: 'string' },
    sort: { type: 'integer' },
    createdBy: { type: 'integer' },
    modifiedBy: { type: 'integer' },
    dateStart: { type: 'string' },
    dateEnd: { type: 'string' },
    status: { type: 'string' },
  },
};
