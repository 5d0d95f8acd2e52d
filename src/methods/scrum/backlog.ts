/** tasks.api.scrum.backlog.* (scrum-api.md C1). */
import { Errors } from '../../core/errors.js';
import { constant, method, swallow, type Call, type MethodSpec, type PhpArray } from '../../protocol/method.js';
import { BACKLOG_FIELDS, addBacklog, deleteBacklog, getBacklog, updateBacklog } from '../../domain/scrum/backlog.js';
import { intIfPresent, numericInt } from '../fieldReaders.js';
import { SCRUM, byId, byIdWithFields, withFields } from './common.js';

export const backlogMethods: MethodSpec[] = [
  method({ name: 'tasks.api.scrum.backlog.add', ...SCRUM, params: withFields, transaction: true, handler: backlogAdd }),
  method({ name: 'tasks.api.scrum.backlog.update', ...SCRUM, params: byIdWithFields, transaction: true, handler: backlogUpdate }),
  method({ name: 'tasks.api.scrum.backlog.get', ...SCRUM, params: byId, handler: backlogGet }),
  method({
    name: 'tasks.api.scrum.backlog.delete',
    ...SCRUM,
    params: byId,
    transaction: true,
    // a failed removal from storage is lost: 200 `[]` like a success (B9)
    onFailure: swallow([], Errors.scrum.backlogNotDeleted),
    handler: backlogDelete,
  }),
  constant({ name: 'tasks.api.scrum.backlog.getFields', ...SCRUM, answer: BACKLOG_FIELDS }),
];

function backlogAdd({ db, caller, args: { fields } }: Call<{ fields: PhpArray }>) {
  return addBacklog(db, caller, {
    groupId: intIfPresent(fields, 'groupId'),
    createdBy: numericInt(fields, 'createdBy'),
    modifiedBy: numericInt(fields, 'modifiedBy'),
  });
}

function backlogUpdate({ db, caller, args: { id, fields } }: Call<{ id: number; fields: PhpArray }>) {
  return updateBacklog(db, caller, {
    id,
    groupId: numericInt(fields, 'groupId'),
    createdBy: numericInt(fields, 'createdBy'),
    modifiedBy: numericInt(fields, 'modifiedBy'),
  });
}

function backlogGet({ db, caller, args: { id } }: Call<{ id: number }>) {
  return getBacklog(db, caller, id);
}

function backlogDelete({ db, caller, args: { id } }: Call<{ id: number }>) {
  return deleteBacklog(db, caller, id);
}
