/** tasks.api.scrum.epic.* (scrum-api.md C4). */
import { bindParams } from '../../protocol/binding.js';
import { methodError } from '../../core/errors.js';
import { hasKey, isNumeric, isPhpArray, own, phpValues, toInt } from '../../core/php.js';
import { family, type CallContext } from '../../protocol/registry.js';
import {
  EPIC_FIELDS,
  FILES_NOT_ATTACHED,
  addEpic,
  deleteEpic,
  getEpicResult,
  listEpics,
  updateEpic,
  type EpicOutcome,
} from '../../domain/scrum/epic.js';
import { numericInt, stringOnly } from '../fieldReaders.js';
import { inTransaction } from '../transaction.js';

/**
 * Commits the change, then reports a failed attachment step: the epic and its other changes stay
 * saved while the call answers `Epic files not attached` (C4.1 step 7, C4.2 step 9).
 */
async function committed<T>(ctx: CallContext, run: Parameters<typeof inTransaction<EpicOutcome<T>>>[1]): Promise<T> {
  const out = await inTransaction(ctx, run);
  if (out.filesFailed) throw methodError(FILES_NOT_ATTACHED);
  return out.result;
}

export const epicMethods = family(['task'], {
  'tasks.api.scrum.epic.add': (ctx) => {
    const { fields } = bindParams(ctx.params, [{ name: 'fields', type: 'array', required: true }]);
    const groupId = own(fields, 'groupId');
    const files = own(fields, 'files');
    return committed(ctx, (db) =>
      addEpic(db, ctx.caller, {
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
  },

  'tasks.api.scrum.epic.update': (ctx) => {
    const { id, fields } = bindParams(ctx.params, [
      { name: 'id', type: 'int', required: true },
      { name: 'fields', type: 'array', required: true },
    ]);
    return committed(ctx, (db) =>
      updateEpic(db, ctx.caller, {
        id: id as number,
        groupId: numericInt(fields, 'groupId'),
        name: stringOnly(fields, 'name'),
        description: stringOnly(fields, 'description'),
        createdBy: numericInt(fields, 'createdBy'),
        modifiedBy: numericInt(fields, 'modifiedBy'),
        color: stringOnly(fields, 'color'),
        files: hasKey(fields, 'files') ? { present: true, value: own(fields, 'files') } : { present: false },
      }),
    );
  },

  'tasks.api.scrum.epic.get': (ctx) => {
    const { id, withFiles } = bindParams(ctx.params, [
      { name: 'id', type: 'int', required: true },
      { name: 'withFiles', type: 'bool', default: true },
    ]);
    return getEpicResult(ctx.app.store.db, ctx.caller, id as number, withFiles as boolean);
  },

  'tasks.api.scrum.epic.list': (ctx) => {
    // Unlike sprint.list, the three parameters are typed arrays (C4.4).
    const { filter, select, order } = bindParams(ctx.params, [
      { name: 'filter', type: 'array' },
      { name: 'select', type: 'array' },
      { name: 'order', type: 'array' },
    ]);
    return listEpics(
      ctx.app.store.db,
      ctx.caller,
      { time: ctx.app.time, now: ctx.now, strict: ctx.app.config.strictErrors },
      { filter, select, order, start: ctx.start },
    );
  },

  'tasks.api.scrum.epic.delete': (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    return inTransaction(ctx, (db) => deleteEpic(db, ctx.caller, id as number, ctx.app.config.strictErrors));
  },

  'tasks.api.scrum.epic.getFields': () => EPIC_FIELDS,
});
