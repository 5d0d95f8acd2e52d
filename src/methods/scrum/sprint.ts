/** tasks.api.scrum.sprint.* (scrum-api.md C2). */
import { Errors } from '../../core/errors.js';
import { hasKey, own } from '../../core/php.js';
import { CommitThenFail, constant, method, param, swallow, type Call, type MethodSpec, type PhpArray } from '../../protocol/method.js';
import { SPRINT_FIELDS, addSprint, deleteSprint, getSprint, listSprints, updateSprint } from '../../domain/scrum/sprint.js';
import { CompletionFailure, completeSprint, sprintToComplete, startSprint } from '../../domain/scrum/sprintLifecycle.js';
import { intIfPresent, numericInt, strIfPresent, stringOnly } from '../fieldReaders.js';
import { isRetryable } from '../../store/dialectErrors.js';
import { SCRUM, byId, byIdWithFields, withFields } from './common.js';

export const sprintMethods: MethodSpec[] = [
  method({ name: 'tasks.api.scrum.sprint.add', ...SCRUM, params: withFields, transaction: true, handler: sprintAdd }),
  method({ name: 'tasks.api.scrum.sprint.update', ...SCRUM, params: byIdWithFields, transaction: true, handler: sprintUpdate }),
  method({ name: 'tasks.api.scrum.sprint.start', ...SCRUM, params: byId, transaction: true, handler: sprintStart }),
  method({
    name: 'tasks.api.scrum.sprint.complete',
    ...SCRUM,
    params: byId,
    transaction: true,
    // a failure inside the completion procedure rolls the call back and is lost: 200 `null` (B9)
    onFailure: swallow(null, Errors.scrum.sprintNotCompleted),
    handler: sprintComplete,
  }),
  method({ name: 'tasks.api.scrum.sprint.get', ...SCRUM, params: byId, handler: sprintGet }),
  method({
    name: 'tasks.api.scrum.sprint.list',
    ...SCRUM,
    // untyped, unlike epic.list (C2.6)
    params: { filter: param.raw(), select: param.raw(), order: param.raw() },
    // a list that cannot be built or read is lost: 200 `[]` (B8.6)
    onFailure: swallow([], Errors.scrum.listNotLoaded),
    handler: sprintList,
  }),
  method({
    name: 'tasks.api.scrum.sprint.delete',
    ...SCRUM,
    params: byId,
    transaction: true,
    // a failed removal from storage is lost: 200 `[]` like a success (B9)
    onFailure: swallow([], Errors.scrum.sprintNotDeleted),
    handler: sprintDelete,
  }),
  constant({ name: 'tasks.api.scrum.sprint.getFields', ...SCRUM, answer: SPRINT_FIELDS }),
];

/** A sprint date key: parseDate of any value when the key is present, null when absent (C2). */
function dateIfPresent(call: Call<unknown>, fields: unknown, key: string): number | null {
  return hasKey(fields, key) ? call.app.time.parseDate(own(fields, key), call.now) : null;
}

function sprintAdd(call: Call<{ fields: PhpArray }>) {
  const { fields } = call.args;
  return addSprint(call.db, call.caller, call.app.time, call.now, {
    groupId: intIfPresent(fields, 'groupId'),
    name: strIfPresent(fields, 'name'),
    sort: intIfPresent(fields, 'sort'),
    createdBy: numericInt(fields, 'createdBy'),
    modifiedBy: numericInt(fields, 'modifiedBy'),
    dateStart: dateIfPresent(call, fields, 'dateStart'),
    dateEnd: dateIfPresent(call, fields, 'dateEnd'),
    status: strIfPresent(fields, 'status'),
  });
}

function sprintUpdate(call: Call<{ id: number; fields: PhpArray }>) {
  const { id, fields } = call.args;
  return updateSprint(call.db, call.caller, call.app.time, call.now, {
    id,
    groupId: numericInt(fields, 'groupId'),
    name: stringOnly(fields, 'name'),
    sort: numericInt(fields, 'sort'),
    createdBy: numericInt(fields, 'createdBy'),
    modifiedBy: numericInt(fields, 'modifiedBy'),
    dateStart: dateIfPresent(call, fields, 'dateStart'),
    dateEnd: dateIfPresent(call, fields, 'dateEnd'),
    status: stringOnly(fields, 'status'),
  });
}

async function sprintStart(call: Call<{ id: number }>) {
  // A failing start procedure keeps the effects of its earlier steps (C2.3): the transaction
  // commits them, then the call reports the failure.
  const outcome = await startSprint(call.db, call.caller, call.app.time, call.now, call.args.id);
  return outcome.ok ? outcome.sprint : new CommitThenFail(Errors.scrum.sprintNotStarted());
}

async function sprintComplete(call: Call<{ id: number }>) {
  const sprint = await sprintToComplete(call.db, call.caller, call.args.id);
  try {
    return await completeSprint(call.db, call.caller, call.app.time, call.now, sprint);
  } catch (e) {
    // A conflict with a concurrent transaction is run again; anything else is the procedure's
    // failure, which the policy answers (even one the procedure raised as a business error).
    throw isRetryable(e) ? e : new CompletionFailure(e);
  }
}

function sprintGet({ db, caller, app, now, args: { id } }: Call<{ id: number }>) {
  return getSprint(db, caller, app.time, now, id);
}

function sprintList(call: Call<{ filter: unknown; select: unknown; order: unknown }>) {
  const { filter, select, order } = call.args;
  return listSprints(call.db, call.caller, { time: call.app.time, now: call.now }, { filter, select, order, start: call.start });
}

function sprintDelete({ db, caller, now, args: { id } }: Call<{ id: number }>) {
  return deleteSprint(db, caller, id, now);
}
