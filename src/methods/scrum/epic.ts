/** tasks.api.scrum.epic.* (scrum-api.md C4). */
import { Errors } from '../../core/errors.js';
import { hasKey, isNumeric, isPhpArray, own, phpValues, toInt } from '../../core/php.js';
import { CommitThenFail, constant, method, param, swallow, type Call, type MethodSpec, type PhpArray } from '../../protocol/method.js';
import { EPIC_FIELDS, addEpic, deleteEpic, getEpicResult, listEpics, updateEpic, type EpicOutcome } from '../../domain/scrum/epic.js';
import { numericInt, stringOnly } from '../fieldReaders.js';
import { SCRUM, byId, byIdWithFields, withFields } from './common.js';

export const epicMethods: MethodSpec[] = [
  method({ name: 'tasks.api.scrum.epic.add', ...SCRUM, params: withFields, transaction: true, handler: epicAdd }),
  method({ name: 'tasks.api.scrum.epic.update', ...SCRUM, params: byIdWithFields, transaction: true, handler: epicUpdate }),
  method({
    name: 'tasks.api.scrum.epic.get',
    ...SCRUM,
    params: { id: param.int({ required: true }), withFiles: param.bool({ default: true }) },
    handler: epicGet,
  }),
  method({
    name: 'tasks.api.scrum.epic.list',
    ...SCRUM,
    // Unlike sprint.list, the three parameters are typed arrays (C4.4).
    params: { filter: param.array(), select: param.array(), order: param.array() },
    // a list that cannot be built or read is lost: 200 `[]` (B8.6)
    onFailure: swallow([], Errors.scrum.listNotLoaded),
    handler: epicList,
  }),
  method({
    name: 'tasks.api.scrum.epic.delete',
    ...SCRUM,
    params: byId,
    transaction: true,
    // a failed removal from storage is lost: 200 `[]` like a success (B9)
    onFailure: swallow([], Errors.scrum.epicNotDeleted),
    handler: epicDelete,
  }),
  constant({ name: 'tasks.api.scrum.epic.getFields', ...SCRUM, answer: EPIC_FIELDS }),
];

/**
 * Commits the change, then reports a failed attachment step: the epic and its other changes stay
 * saved while the call answers `Epic files not attached` (C4.1 step 7, C4.2 step 9).
 */
function committed<T>(out: EpicOutcome<T>): T | CommitThenFail {
  return out.filesFailed ? new CommitThenFail(Errors.scrum.epicFilesNotAttached()) : out.result;
}

async function epicAdd({ db, caller, args: { fields } }: Call<{ fields: PhpArray }>) {
  const groupId = own(fields, 'groupId');
  const files = own(fields, 'files');
  return committed(
    await addEpic(db, caller, {
      // only a numeric groupId counts ("12abc" is 0, unlike sprint/backlog)
      groupId: isNumeric(groupId) ? toInt(groupId) : 0,
      name: stringOnly(fields, 'name') ?? '',
      description: stringOnly(fields, 'description'),
      color: stringOnly(fields, 'color') ?? '',
      files: isPhpArray(files) ? phpValues(files) : null,
      createdBy: numericInt(fields, 'createdBy'),
      // modifiedBy is ignored by add
    }),
  );
}

async function epicUpdate({ db, caller, args: { id, fields } }: Call<{ id: number; fields: PhpArray }>) {
  return committed(
    await updateEpic(db, caller, {
      id,
      groupId: numericInt(fields, 'groupId'),
      name: stringOnly(fields, 'name'),
      description: stringOnly(fields, 'description'),
      createdBy: numericInt(fields, 'createdBy'),
      modifiedBy: numericInt(fields, 'modifiedBy'),
      color: stringOnly(fields, 'color'),
      files: hasKey(fields, 'files') ? { present: true, value: own(fields, 'files') } : { present: false },
    }),
  );
}

function epicGet({ db, caller, args: { id, withFiles } }: Call<{ id: number; withFiles: boolean }>) {
  return getEpicResult(db, caller, id, withFiles);
}

function epicList(call: Call<{ filter: PhpArray | undefined; select: PhpArray | undefined; order: PhpArray | undefined }>) {
  const { filter, select, order } = call.args;
  return listEpics(call.db, call.caller, { time: call.app.time, now: call.now }, { filter, select, order, start: call.start });
}

function epicDelete({ db, caller, args: { id } }: Call<{ id: number }>) {
  return deleteEpic(db, caller, id);
}
