/**
 * The epic rules of scrum-api.md C4 (add, update, get, list, delete, getFields), in the reference's
 * check order, and the epic's Drive attachments (C4.3).
 *
 * This server has no Drive: an attachment is a row of `scrum_epic_files` (attachment id = row id,
 * `file_id` = the Drive file it stands for). A `files` entry `"n<id>"` attaches the Drive file `<id>`
 * (any positive id: there is no Drive whose rights could refuse it); a plain number names an
 * existing attachment of this epic and adds nothing; a file already attached to the epic is not
 * attached twice; anything else is skipped silently.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { Errors } from '../../core/errors.js';
import { underSavepoint } from '../../store/savepoint.js';
import { isPhpArray, isPhpEmptyArray, phpValues } from '../../core/php.js';
import type { Caller } from '../../core/call.js';
import type { Database, ScrumEpicTable } from '../../store/schema.js';
import { preparedQuery } from '../../store/prepared.js';
import { lockParent } from '../../store/rowLocks.js';
import { canReadGroup, groupsWithAnyRelation } from '../groups.js';
import { userExists } from '../users.js';
import { processDescription } from './epicDescription.js';
import { applyList, parseListRequest, type ListContext, type ListFieldMap } from './listQuery.js';

export type EpicRow = Selectable<ScrumEpicTable>;

/** Longest epic name and color the storage accepts, in characters (A2.4). */
export const EPIC_NAME_MAX = 255;
export const EPIC_COLOR_MAX = 18;

function length(s: string): number {
  return [...s].length;
}

const epicById = preparedQuery((db, id: number) => db.selectFrom('scrum_epics').selectAll().where('id', '=', id), { remember: true });

export async function getEpic(db: Kysely<Database>, id: number): Promise<EpicRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return epicById.first(db, id);
}

/** The epic object (C4), keys in order; empty storage values read as their defaults. */
export function epicObject(e: EpicRow) {
  return {
    id: e.id,
    groupId: e.group_id ?? 0,
    name: e.name ?? '',
    description: e.description ?? '',
    createdBy: e.created_by ?? 0,
    modifiedBy: e.modified_by ?? 0,
    color: e.color ?? '',
  };
}

/** Runs a step under a savepoint of the call's transaction and reports whether it succeeded; a failed step is rolled back alone. */
async function attempt(db: Kysely<Database>, fn: () => Promise<void>): Promise<boolean> {
  return (await underSavepoint(db, fn)).ok;
}

// ---------------------------------------------------------------------------------------------
// attachments (C4.3)

/** The epic's attachments in the order they were attached. */
export async function epicAttachments(db: Kysely<Database>, epicId: number): Promise<{ id: number; file_id: number }[]> {
  return db.selectFrom('scrum_epic_files').select(['id', 'file_id']).where('epic_id', '=', epicId).orderBy('id', 'asc').execute();
}

/** The Drive file ids that the `files` entries ask to attach (see the module comment). */
function newFileIds(entries: readonly unknown[]): number[] {
  const ids: number[] = [];
  for (const v of entries) {
    if (typeof v !== 'string') continue;
    const m = /^n(\d+)$/.exec(v.trim());
    if (!m) continue;
    const id = Number(m[1]);
    if (Number.isSafeInteger(id) && id > 0) ids.push(id);
  }
  return ids;
}

/** Appends the files of a `files` array to the epic's attachments. */
async function appendFiles(db: Kysely<Database>, epicId: number, entries: readonly unknown[]): Promise<void> {
  const attached = new Set((await epicAttachments(db, epicId)).map((a) => a.file_id));
  for (const fileId of newFileIds(entries)) {
    if (attached.has(fileId)) continue;
    attached.add(fileId);
    await db.insertInto('scrum_epic_files').values({ epic_id: epicId, file_id: fileId }).execute();
  }
  // A plain number refers to an attachment the epic already has: it stays, nothing is added (C4.3).
}

async function removeFiles(db: Kysely<Database>, epicId: number): Promise<void> {
  await db.deleteFrom('scrum_epic_files').where('epic_id', '=', epicId).execute();
}

/** The constant part of the `files` descriptor of epic.get (C4.3), for a standard portal. */
export const EPIC_FILES_FIELD_ID = '1';

export async function filesDescriptor(db: Kysely<Database>, epicId: number) {
  const value = [...new Set((await epicAttachments(db, epicId)).map((a) => a.id))];
  return {
    ID: EPIC_FILES_FIELD_ID,
    ENTITY_ID: 'TASKS_SCRUM_EPIC',
    FIELD_NAME: 'UF_SCRUM_EPIC_FILES',
    USER_TYPE_ID: 'disk_file',
    XML_ID: null,
    SORT: '100',
    MULTIPLE: 'Y',
    MANDATORY: 'N',
    SHOW_FILTER: 'N',
    SHOW_IN_LIST: 'N',
    EDIT_IN_LIST: 'N',
    IS_SEARCHABLE: 'N',
    SETTINGS: { IBLOCK_ID: null, SECTION_ID: null, UF_TO_SAVE_ALLOW_EDIT: false },
    USER_TYPE: {
      USER_TYPE_ID: 'disk_file',
      CLASS_NAME: 'Bitrix\\Disk\\Uf\\FileUserType',
      DESCRIPTION: 'File (Drive)',
      BASE_TYPE: 'int',
      TAG: ['DISK FILE ID', 'DOCUMENT ID'],
    },
    VALUE: value,
    ENTITY_VALUE_ID: epicId,
    CUSTOM_DATA: { PHOTO_TEMPLATE: '' },
    EDIT_FORM_LABEL: 'UF_SCRUM_EPIC_FILES',
    TAG: 'DOCUMENT ID',
  };
}

// ---------------------------------------------------------------------------------------------
// add (C4.1)

export interface EpicAddInput {
  /** toInt when numeric, else 0 */
  groupId: number;
  /** the value when a string, else "" */
  name: string;
  /** null = not a string */
  description: string | null;
  /** the value when a string, else "" */
  color: string;
  /** null = not an array */
  files: unknown[] | null;
  /** null = not numeric (then the caller) */
  createdBy: number | null;
}

/**
 * The outcome of a change that the reference keeps even when attaching files fails afterwards: the
 * method commits, then reports `Epic files not attached` (C4.1 step 7, C4.2 step 9).
 */
export interface EpicOutcome<T> {
  result: T;
  filesFailed: boolean;
}

export async function addEpic(db: Kysely<Database>, caller: Caller, input: EpicAddInput): Promise<EpicOutcome<ReturnType<typeof epicObject>>> {
  const { groupId, name, color, files, createdBy } = input;
  // The createdBy check precedes the group and name checks (C4.1).
  if (createdBy !== null && !(await userExists(db, createdBy))) throw Errors.scrum.createdByNotFound();
  if (groupId === 0) throw Errors.scrum.groupIdNotFound();
  if (name === '') throw Errors.scrum.epicNameNotFound();
  // The group cannot be deleted until this transaction ends; one deleted meanwhile is gone (rowLocks.ts).
  await lockParent(db, 'sonet_groups', groupId, 'key share');
  if (!(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  const description = input.description === null ? '' : processDescription(input.description);
  const author = createdBy ?? caller.userId;
  if (length(name) > EPIC_NAME_MAX || length(color) > EPIC_COLOR_MAX) throw Errors.scrum.epicNotCreated();
  let id: number;
  try {
    const r = await db
      .insertInto('scrum_epics')
      // MODIFIED_BY is not set on insert
      .values({ group_id: groupId, name, description, created_by: author, modified_by: null, color })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = r.id;
  } catch {
    throw Errors.scrum.epicNotCreated();
  }
  let filesFailed = false;
  if (files !== null && files.length > 0) filesFailed = !(await attempt(db, () => appendFiles(db, id, files)));
  // The answer is the in-memory state: modifiedBy 0, no files key.
  const result = epicObject({ id, group_id: groupId, name, description, created_by: author, modified_by: null, color });
  return { result, filesFailed };
}

// ---------------------------------------------------------------------------------------------
// update (C4.2)

export interface EpicUpdateInput {
  id: number;
  /** null = not numeric */
  groupId: number | null;
  /** null = not a string */
  name: string | null;
  description: string | null;
  createdBy: number | null;
  /** null = not numeric (then the caller) */
  modifiedBy: number | null;
  color: string | null;
  /** whether the `files` key is present, and its value */
  files: { present: false } | { present: true; value: unknown };
}

async function loadEpic(db: Kysely<Database>, caller: Caller, id: number): Promise<EpicRow> {
  if (id === 0) throw Errors.scrum.epicNotFound();
  const epic = await getEpic(db, id);
  if (!epic) throw Errors.scrum.epicNotFound();
  if (!(await canReadGroup(db, caller, epic.group_id))) throw Errors.scrum.accessDenied();
  return epic;
}

export async function updateEpic(db: Kysely<Database>, caller: Caller, input: EpicUpdateInput): Promise<EpicOutcome<ReturnType<typeof epicObject>>> {
  const { id, groupId, name, createdBy, modifiedBy, color, files } = input;
  await loadEpic(db, caller, id);
  if (groupId !== null) await lockParent(db, 'sonet_groups', groupId, 'key share');
  // The target group must be readable too (group 0 does not exist, so it is refused).
  if (groupId !== null && !(await canReadGroup(db, caller, groupId))) throw Errors.scrum.accessDenied();
  if (createdBy !== null && !(await userExists(db, createdBy))) throw Errors.scrum.createdByNotFound();
  if (modifiedBy !== null && !(await userExists(db, modifiedBy))) throw Errors.scrum.modifiedByNotFound();
  const description = input.description === null ? null : processDescription(input.description);
  // Only non-empty values are written; MODIFIED_BY always (the input or the caller).
  const set: Updateable<ScrumEpicTable> = { modified_by: modifiedBy ?? caller.userId };
  if (groupId !== null && groupId !== 0) set.group_id = groupId;
  if (name !== null && name !== '') set.name = name;
  if (description !== null && description !== '') set.description = description;
  if (createdBy !== null && createdBy !== 0) set.created_by = createdBy;
  if (color !== null && color !== '') set.color = color;
  if ((set.name !== undefined && length(set.name) > EPIC_NAME_MAX) || (set.color !== undefined && length(set.color) > EPIC_COLOR_MAX)) {
    throw Errors.scrum.epicNotUpdated();
  }
  try {
    await db.updateTable('scrum_epics').set(set).where('id', '=', id).execute();
  } catch {
    throw Errors.scrum.epicNotUpdated();
  }
  let filesFailed = false;
  if (files.present) {
    const v = files.value;
    // An array appends; an empty array or any other value removes every attachment.
    const entries = isPhpArray(v) && !isPhpEmptyArray(v) ? phpValues(v) : null;
    filesFailed = !(await attempt(db, () => (entries ? appendFiles(db, id, entries) : removeFiles(db, id))));
  }
  const row = await getEpic(db, id);
  if (!row) throw Errors.scrum.epicNotFound();
  return { result: epicObject(row), filesFailed };
}

// ---------------------------------------------------------------------------------------------
// get (C4.3)

export async function getEpicResult(db: Kysely<Database>, caller: Caller, id: number, withFiles: boolean) {
  const epic = await loadEpic(db, caller, id);
  const obj = epicObject(epic);
  return withFiles ? { ...obj, files: await filesDescriptor(db, epic.id) } : obj;
}

// ---------------------------------------------------------------------------------------------
// delete (C4.5)

export async function deleteEpic(db: Kysely<Database>, caller: Caller, id: number): Promise<unknown[]> {
  await loadEpic(db, caller, id);
  // Items keep the deleted epic's id (E-9). A failed deletion is thrown: the method's failure policy
  // rolls the call back and answers `[]` as the reference does (B9), or the strict error.
  await db.deleteFrom('scrum_epics').where('id', '=', id).execute();
  await attempt(db, () => removeFiles(db, id));
  return [];
}

// ---------------------------------------------------------------------------------------------
// list (C4.4)

/** The storage fields of an epic (A2.4), for filter, select and order. */
export const EPIC_LIST_FIELDS: ListFieldMap = {
  ID: { column: 'id', kind: 'int' },
  GROUP_ID: { column: 'group_id', kind: 'int' },
  NAME: { column: 'name', kind: 'string' },
  DESCRIPTION: { column: 'description', kind: 'string' },
  CREATED_BY: { column: 'created_by', kind: 'int' },
  MODIFIED_BY: { column: 'modified_by', kind: 'int' },
  COLOR: { column: 'color', kind: 'string' },
};

export interface EpicListInput {
  /** undefined when the parameter is absent (all three are arrays after binding) */
  filter: unknown;
  select: unknown;
  order: unknown;
  start: number;
}

/** The epic object of a list row: fields that were not selected read as their defaults (B8.4). */
function listObject(row: EpicRow, selected: ReadonlySet<string> | null) {
  const has = (f: string) => selected === null || selected.has(f);
  return epicObject({
    id: has('ID') ? row.id : 0,
    group_id: has('GROUP_ID') ? row.group_id : 0,
    name: has('NAME') ? row.name : '',
    description: has('DESCRIPTION') ? row.description : '',
    created_by: has('CREATED_BY') ? row.created_by : 0,
    modified_by: has('MODIFIED_BY') ? row.modified_by : 0,
    color: has('COLOR') ? row.color : '',
  });
}

export async function listEpics(db: Kysely<Database>, caller: Caller, ctx: ListContext, input: EpicListInput) {
  // A request that cannot be built (ListQueryError) or read is thrown: the method's failure policy
  // answers `[]` (B8.6), or the strict error.
  const parsed = parseListRequest(input, EPIC_LIST_FIELDS, ctx);
  const base = db
    .selectFrom('scrum_epics')
    .selectAll()
    // visibility: groups where the caller has any relation, pending and banned included (B8.2)
    .where('group_id', 'in', groupsWithAnyRelation(db, caller.userId));
  const rows = await applyList(base, parsed, 'id').execute();
  return rows.map((r) => listObject(r, parsed.selected));
}

// ---------------------------------------------------------------------------------------------
// getFields (C4.6)

export const EPIC_FIELDS = {
  fields: {
    name: { type: 'string' },
    description: { type: 'string' },
    groupId: { type: 'integer' },
    color: { type: 'string' },
    files: { type: 'array' },
    createdBy: { type: 'integer' },
    modifiedBy: { type: 'integer' },
  },
};
