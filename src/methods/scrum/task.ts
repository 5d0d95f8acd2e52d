/** tasks.api.scrum.task.* (scrum-api.md C5): the Scrum attributes of a task, addressed by the task id. */
import { bindParams } from '../../protocol/binding.js';
import { isNumeric, own, toFloat } from '../../core/php.js';
import { family } from '../../protocol/registry.js';
import { SCRUM_TASK_FIELDS, getScrumTask, updateScrumTask } from '../../domain/scrum/scrumTask.js';
import { intIfPresent, numericInt, stringOnly } from '../fieldReaders.js';
import { inTransaction } from '../transaction.js';

/** `sortFloat` when numeric, else `sort` when numeric, both read as floats (fractions kept); null when neither. */
function sortInput(fields: unknown): number | null {
  const sortFloat = own(fields, 'sortFloat');
  if (isNumeric(sortFloat)) return toFloat(sortFloat);
  const sort = own(fields, 'sort');
  return isNumeric(sort) ? toFloat(sort) : null;
}

export const scrumTaskMethods = family(['task'], {
  'tasks.api.scrum.task.update': (ctx) => {
    const { id, fields } = bindParams(ctx.params, [
      { name: 'id', type: 'int', required: true },
      { name: 'fields', type: 'array', required: true },
    ]);
    return inTransaction(ctx, (db) =>
      updateScrumTask(db, ctx.caller, {
        id: id as number,
        entityId: intIfPresent(fields, 'entityId'),
        storyPoints: stringOnly(fields, 'storyPoints'),
        epicId: numericInt(fields, 'epicId'),
        sort: sortInput(fields),
        createdBy: numericInt(fields, 'createdBy'),
        modifiedBy: numericInt(fields, 'modifiedBy'),
      }),
    );
  },

  'tasks.api.scrum.task.get': (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    return getScrumTask(ctx.app.store.db, ctx.caller, id as number);
  },

  'tasks.api.scrum.task.getFields': () => SCRUM_TASK_FIELDS,
});
