/** tasks.api.scrum.kanban.* (scrum-api.md C3). */
import { Errors } from '../../core/errors.js';
import { constant, method, param, swallow, type Call, type MethodSpec, type PhpArray } from '../../protocol/method.js';
import { KANBAN_FIELDS, addStage, addTaskToStage, deleteStage, deleteTaskFromBoard, getStages, updateStage } from '../../domain/scrum/kanban.js';
import { SCRUM, withFields } from './common.js';

/**
 * The boolean kanban methods lose every business error (B9): the call's transaction is rolled back
 * and the answer is HTTP 200 `false` — or, in strict mode, HTTP 400 code "0" with the recorded
 * message (`System error` for a storage failure). Binding errors (code "100") always reach the client.
 */
const LOST = swallow(false, Errors.scrum.systemError, { businessErrors: true });

const required = { int: () => param.int({ required: true }) };

export const kanbanMethods: MethodSpec[] = [
  method({ name: 'tasks.api.scrum.kanban.addStage', ...SCRUM, params: withFields, transaction: true, handler: kanbanAddStage }),
  method({
    name: 'tasks.api.scrum.kanban.updateStage',
    ...SCRUM,
    params: { stageId: required.int(), fields: param.array({ required: true }) },
    transaction: true,
    onFailure: LOST,
    handler: kanbanUpdateStage,
  }),
  method({ name: 'tasks.api.scrum.kanban.getStages', ...SCRUM, params: { sprintId: required.int() }, handler: kanbanGetStages }),
  method({
    name: 'tasks.api.scrum.kanban.deleteStage',
    ...SCRUM,
    params: { stageId: required.int() },
    transaction: true,
    onFailure: LOST,
    handler: kanbanDeleteStage,
  }),
  method({
    name: 'tasks.api.scrum.kanban.addTask',
    ...SCRUM,
    params: { sprintId: required.int(), taskId: required.int(), stageId: required.int() },
    transaction: true,
    onFailure: LOST,
    handler: kanbanAddTask,
  }),
  method({
    name: 'tasks.api.scrum.kanban.deleteTask',
    ...SCRUM,
    params: { sprintId: required.int(), taskId: required.int() },
    transaction: true,
    onFailure: LOST,
    handler: kanbanDeleteTask,
  }),
  constant({ name: 'tasks.api.scrum.kanban.getFields', ...SCRUM, answer: KANBAN_FIELDS }),
];

function kanbanAddStage({ db, caller, args: { fields } }: Call<{ fields: PhpArray }>) {
  return addStage(db, caller, fields);
}

function kanbanUpdateStage({ db, caller, args: { stageId, fields } }: Call<{ stageId: number; fields: PhpArray }>) {
  return updateStage(db, caller, stageId, fields);
}

function kanbanGetStages({ db, caller, args: { sprintId } }: Call<{ sprintId: number }>) {
  return getStages(db, caller, sprintId);
}

function kanbanDeleteStage({ db, caller, args: { stageId } }: Call<{ stageId: number }>) {
  return deleteStage(db, caller, stageId);
}

function kanbanAddTask({ db, caller, args }: Call<{ sprintId: number; taskId: number; stageId: number }>) {
  return addTaskToStage(db, caller, args);
}

function kanbanDeleteTask({ db, caller, args }: Call<{ sprintId: number; taskId: number }>) {
  return deleteTaskFromBoard(db, caller, args);
}
