/** tasks.api.scrum.kanban.* (scrum-api.md C3). */
import { bindParams } from '../../protocol/binding.js';
import { RestError } from '../../core/errors.js';
import { family, type CallContext } from '../../protocol/registry.js';
import {
  KANBAN_FIELDS,
  addStage,
  addTaskToStage,
  deleteStage,
  deleteTaskFromBoard,
  getStages,
  updateStage,
} from '../../domain/scrum/kanban.js';
import { inTransaction } from '../transaction.js';

/**
 * The boolean kanban methods lose every business error (B9): the call's transaction is rolled back
 * and the answer is HTTP 200 `false` — or, in strict mode, HTTP 400 code "0" with the recorded
 * message. Binding errors (code "100") are raised before this and always reach the client.
 */
async function swallowed(ctx: CallContext, body: () => Promise<true>): Promise<boolean> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof RestError && e.code === '0' && !ctx.app.config.strictErrors) return false;
    throw e;
  }
}

export const kanbanMethods = family(['task'], {
  'tasks.api.scrum.kanban.addStage': (ctx) => {
    const { fields } = bindParams(ctx.params, [{ name: 'fields', type: 'array', required: true }]);
    return inTransaction(ctx, (db) => addStage(db, ctx.caller, fields));
  },

  'tasks.api.scrum.kanban.updateStage': (ctx) => {
    const { stageId, fields } = bindParams(ctx.params, [
      { name: 'stageId', type: 'int', required: true },
      { name: 'fields', type: 'array', required: true },
    ]);
    return swallowed(ctx, () => inTransaction(ctx, (db) => updateStage(db, ctx.caller, stageId as number, fields)));
  },

  'tasks.api.scrum.kanban.getStages': (ctx) => {
    const { sprintId } = bindParams(ctx.params, [{ name: 'sprintId', type: 'int', required: true }]);
    return getStages(ctx.app.store.db, ctx.caller, sprintId as number);
  },

  'tasks.api.scrum.kanban.deleteStage': (ctx) => {
    const { stageId } = bindParams(ctx.params, [{ name: 'stageId', type: 'int', required: true }]);
    return swallowed(ctx, () => inTransaction(ctx, (db) => deleteStage(db, ctx.caller, stageId as number)));
  },

  'tasks.api.scrum.kanban.addTask': (ctx) => {
    const p = bindParams(ctx.params, [
      { name: 'sprintId', type: 'int', required: true },
      { name: 'taskId', type: 'int', required: true },
      { name: 'stageId', type: 'int', required: true },
    ]);
    return swallowed(ctx, () =>
      inTransaction(ctx, (db) =>
        addTaskToStage(db, ctx.caller, { sprintId: p.sprintId as number, taskId: p.taskId as number, stageId: p.stageId as number }),
      ),
    );
  },

  'tasks.api.scrum.kanban.deleteTask': (ctx) => {
    const p = bindParams(ctx.params, [
      { name: 'sprintId', type: 'int', required: true },
      { name: 'taskId', type: 'int', required: true },
    ]);
    return swallowed(ctx, () =>
      inTransaction(ctx, (db) => deleteTaskFromBoard(db, ctx.caller, { sprintId: p.sprintId as number, taskId: p.taskId as number })),
    );
  },

  'tasks.api.scrum.kanban.getFields': () => KANBAN_FIELDS,
});
