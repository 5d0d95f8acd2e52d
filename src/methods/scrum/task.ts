/** tasks.api.scrum.task.* (scrum-api.md C5): the Scrum attributes of a task, addressed by the task id. */
import { isNumeric, own, toFloat } from '../../core/php.js';
import { constant, method, type Call, type MethodSpec, type PhpArray } from '../../protocol/method.js';
import { SCRUM_TASK_FIELDS, getScrumTask, updateScrumTask } from '../../domain/scrum/scrumTask.js';
import { intIfPresent, numericInt, stringOnly } from '../fieldReaders.js';
import { SCRUM, byId, byIdWithFields } from './common.js';

export const scrumTaskMethods: MethodSpec[] = [
  method({ name: 'tasks.api.scrum.task.update', ...SCRUM, params: byIdWithFields, transaction: true, handler: scrumTaskUpdate }),
  method({ name: 'tasks.api.scrum.task.get', ...SCRUM, params: byId, handler: scrumTaskGet }),
  constant({ name: 'tasks.api.scrum.task.getFields', ...SCRUM, answer: SCRUM_TASK_FIELDS }),
];

/** `sortFloat` when numeric, else `sort` when numeric, both read as floats (fractions kept); null when neither. */
function sortInput(fields: unknown): number | null {
  const sortFloat = own(fields, 'sortFloat');
  if (isNumeric(sortFloat)) return toFloat(sortFloat);
  const sort = own(fields, 'sort');
  return isNumeric(sort) ? toFloat(sort) : null;
}

function scrumTaskUpdate({ db, caller, now, args: { id, fields } }: Call<{ id: number; fields: PhpArray }>) {
  return updateScrumTask(db, caller, {
    now,
    id,
    entityId: intIfPresent(fields, 'entityId'),
    storyPoints: stringOnly(fields, 'storyPoints'),
    epicId: numericInt(fields, 'epicId'),
    sort: sortInput(fields),
    createdBy: numericInt(fields, 'createdBy'),
    modifiedBy: numericInt(fields, 'modifiedBy'),
  });
}

function scrumTaskGet({ db, caller, args: { id } }: Call<{ id: number }>) {
  return getScrumTask(db, caller, id);
}
