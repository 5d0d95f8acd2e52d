/** tasks.task.* (platform.md §8): controller family — exact lowerCamel parameters, UPPER_CASE field names inside. */
import { bindParams } from '../protocol/binding.js';
import { RestError } from '../core/errors.js';
import { own, phpValues } from '../core/php.js';
import { family, type CallContext } from '../protocol/registry.js';
import { Page } from '../core/call.js';
import { FIELD_INFO, parseSelect } from '../domain/taskFields.js';
import { listTaskIds } from '../domain/taskQuery.js';
import {
  addTask,
  changeStatus,
  columnsForList,
  deleteTask,
  loadTasks,
  renderTasks,
  taskResult,
  updateTask,
  type TaskContext,
} from '../domain/tasks.js';
import type { StatusAction } from '../domain/taskAccess.js';
import { inTransaction } from './transaction.js';

/**
 * The special `taskId` binding (platform.md §2.1): absent → "100" with the reference's internal
 * message; present but not a positive integer → "0" `wrong task id`. An id of a missing task binds.
 */
function bindTaskId(ctx: CallContext): number {
  const v = own(ctx.params, 'taskId');
  if (v === undefined || v === null) {
    throw new RestError('100', 'CTaskItem All parameters in the constructor must have real class type', 400);
  }
  const id = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new RestError('0', 'wrong task id', 400);
  return id;
}

function taskContext(ctx: CallContext, db = ctx.app.store.db): TaskContext {
  return { db, caller: ctx.caller, now: ctx.now, time: ctx.app.time, log: ctx.app.log };
}

const DEFAULT_SELECTION = parseSelect([]);

/** Runs a change in one transaction and answers with the task as tasks.task.get (default selection). */
function changeAndGet(ctx: CallContext, taskId: () => number, change: (tc: TaskContext) => Promise<number | void>) {
  return inTransaction(ctx, async (db) => {
    const tc = taskContext(ctx, db);
    const id = (await change(tc)) ?? taskId();
    return taskResult(tc, id, DEFAULT_SELECTION);
  });
}

function statusAction(action: StatusAction) {
  return (ctx: CallContext) => {
    const taskId = bindTaskId(ctx);
    bindParams(ctx.params, [{ name: 'params', type: 'array' }]);
    return changeAndGet(ctx, () => taskId, (tc) => changeStatus(tc, taskId, action));
  };
}

export const taskMethods = family(['task'], {
  'tasks.task.add': (ctx) => {
    const { fields } = bindParams(ctx.params, [
      { name: 'fields', type: 'array', required: true },
      { name: 'params', type: 'array' },
    ]);
    return changeAndGet(ctx, () => 0, (tc) => addTask(tc, fields));
  },

  'tasks.task.update': (ctx) => {
    const taskId = bindTaskId(ctx);
    const { fields } = bindParams(ctx.params, [
      { name: 'fields', type: 'array', required: true },
      { name: 'params', type: 'array' },
    ]);
    return changeAndGet(ctx, () => taskId, (tc) => updateTask(tc, taskId, fields));
  },

  'tasks.task.get': (ctx) => {
    const taskId = bindTaskId(ctx);
    const { select } = bindParams(ctx.params, [
      { name: 'select', type: 'array', default: [] },
      { name: 'params', type: 'array' },
    ]);
    return taskResult(taskContext(ctx), taskId, parseSelect(phpValues(select)));
  },

  'tasks.task.list': async (ctx) => {
    const { filter, select, order, params } = bindParams(ctx.params, [
      { name: 'filter', type: 'array', default: [] },
      { name: 'select', type: 'array', default: [] },
      { name: 'group', type: 'array', default: [] },
      { name: 'order', type: 'array', default: [] },
      { name: 'params', type: 'array', default: [] },
    ]);
    const tc = taskContext(ctx);
    const page = await listTaskIds(tc.db, tc, { filter, order, params, start: ctx.start });
    const selection = parseSelect(phpValues(select), 'list');
    const loaded = await loadTasks(tc.db, page.ids, columnsForList(selection));
    const tasks = page.ids.map((id) => loaded.get(id)).filter((t) => t !== undefined);
    const rendered = await renderTasks(tc, tasks, selection, 'list');
    return new Page({ tasks: rendered }, page.next, page.total);
  },

  'tasks.task.delete': (ctx) => {
    const taskId = bindTaskId(ctx);
    bindParams(ctx.params, [{ name: 'params', type: 'array' }]);
    return inTransaction(ctx, async (db) => {
      await deleteTask(taskContext(ctx, db), taskId);
      return { task: true };
    });
  },

  'tasks.task.getFields': () => ({ fields: FIELD_INFO }),

  'tasks.task.start': statusAction('start'),
  'tasks.task.pause': statusAction('pause'),
  'tasks.task.defer': statusAction('defer'),
  'tasks.task.complete': statusAction('complete'),
  'tasks.task.renew': statusAction('renew'),
});
