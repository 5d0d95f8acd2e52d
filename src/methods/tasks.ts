/** tasks.task.* (platform.md §8): controller family — exact lowerCamel parameters, UPPER_CASE field names inside. */
import { Errors } from '../core/errors.js';
import { phpValues } from '../core/php.js';
import { Page } from '../core/call.js';
import { constant, method, param, type Call, type MethodSpec, type PhpArray } from '../protocol/method.js';
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

/**
 * The special `taskId` binding (platform.md §2.1): absent → "100" with the reference's internal
 * message; present but not a positive integer → "0" `wrong task id`. An id of a missing task binds.
 */
function bindTaskId(v: unknown): number {
  if (v === undefined || v === null) throw Errors.task.taskIdMissing();
  const id = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw Errors.task.wrongTaskId();
  return id;
}

/** `tasks.task.*` is in the `task` scope; controller methods, so `methods` does not list them. */
const TASKS = { scopes: ['task'], listed: false } as const;
const taskId = param.custom(bindTaskId);
const options = param.array();
const byTaskId = { taskId, params: options };
const status = (name: string, handler: (call: Call<{ taskId: number }>) => unknown): MethodSpec =>
  method({ name, ...TASKS, params: byTaskId, transaction: true, handler });

export const taskMethods: MethodSpec[] = [
  method({ name: 'tasks.task.add', ...TASKS, params: { fields: param.array({ required: true }), params: options }, transaction: true, handler: taskAdd }),
  method({
    name: 'tasks.task.update',
    ...TASKS,
    params: { taskId, fields: param.array({ required: true }), params: options },
    transaction: true,
    handler: taskUpdate,
  }),
  method({ name: 'tasks.task.get', ...TASKS, params: { taskId, select: param.array({ default: [] }), params: options }, handler: taskGet }),
  method({
    name: 'tasks.task.list',
    ...TASKS,
    params: {
      filter: param.array({ default: [] }),
      select: param.array({ default: [] }),
      group: param.array({ default: [] }),
      order: param.array({ default: [] }),
      params: param.array({ default: [] }),
    },
    handler: taskList,
  }),
  method({ name: 'tasks.task.delete', ...TASKS, params: byTaskId, transaction: true, handler: taskDelete }),
  constant({ name: 'tasks.task.getFields', ...TASKS, answer: { fields: FIELD_INFO } }),
  status('tasks.task.start', taskStart),
  status('tasks.task.pause', taskPause),
  status('tasks.task.defer', taskDefer),
  status('tasks.task.complete', taskComplete),
  status('tasks.task.renew', taskRenew),
];

function taskContext(call: Call<unknown>): TaskContext {
  return { db: call.db, caller: call.caller, now: call.now, time: call.app.time, log: call.app.log };
}

const DEFAULT_SELECTION = parseSelect([]);

/** Answers with the task as tasks.task.get (default selection), inside the change's transaction. */
function asGet(tc: TaskContext, id: number) {
  return taskResult(tc, id, DEFAULT_SELECTION);
}

async function taskAdd(call: Call<{ fields: PhpArray }>) {
  const tc = taskContext(call);
  return asGet(tc, await addTask(tc, call.args.fields));
}

async function taskUpdate(call: Call<{ taskId: number; fields: PhpArray }>) {
  const tc = taskContext(call);
  await updateTask(tc, call.args.taskId, call.args.fields);
  return asGet(tc, call.args.taskId);
}

function taskGet(call: Call<{ taskId: number; select: PhpArray }>) {
  return taskResult(taskContext(call), call.args.taskId, parseSelect(phpValues(call.args.select)));
}

async function taskList(call: Call<{ filter: PhpArray; select: PhpArray; order: PhpArray; params: PhpArray }>) {
  const { filter, select, order, params } = call.args;
  const tc = taskContext(call);
  const page = await listTaskIds(tc.db, tc, { filter, order, params, start: call.start });
  const selection = parseSelect(phpValues(select), 'list');
  const loaded = await loadTasks(tc.db, page.ids, columnsForList(selection));
  const tasks = page.ids.map((id) => loaded.get(id)).filter((t) => t !== undefined);
  const rendered = await renderTasks(tc, tasks, selection, 'list');
  return new Page({ tasks: rendered }, page.next, page.total);
}

async function taskDelete(call: Call<{ taskId: number }>) {
  await deleteTask(taskContext(call), call.args.taskId);
  return { task: true };
}

async function statusChange(call: Call<{ taskId: number }>, action: StatusAction) {
  const tc = taskContext(call);
  await changeStatus(tc, call.args.taskId, action);
  return asGet(tc, call.args.taskId);
}

function taskStart(call: Call<{ taskId: number }>) {
  return statusChange(call, 'start');
}
function taskPause(call: Call<{ taskId: number }>) {
  return statusChange(call, 'pause');
}
function taskDefer(call: Call<{ taskId: number }>) {
  return statusChange(call, 'defer');
}
function taskComplete(call: Call<{ taskId: number }>) {
  return statusChange(call, 'complete');
}
function taskRenew(call: Call<{ taskId: number }>) {
  return statusChange(call, 'renew');
}
