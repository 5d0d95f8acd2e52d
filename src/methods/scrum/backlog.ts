/** tasks.api.scrum.backlog.* (scrum-api.md C1). */
import { bindParams } from '../../protocol/binding.js';
import { family } from '../../protocol/registry.js';
import { BACKLOG_FIELDS, addBacklog, deleteBacklog, getBacklog, updateBacklog } from '../../domain/scrum/backlog.js';
import { intIfPresent, numericInt } from '../fieldReaders.js';
import { inTransaction } from '../transaction.js';

export const backlogMethods = family(['task'], {
  'tasks.api.scrum.backlog.add': (ctx) => {
    const { fields } = bindParams(ctx.params, [{ name: 'fields', type: 'array', required: true }]);
    return inTransaction(ctx, (db) =>
      addBacklog(db, ctx.caller, {
        groupId: intIfPresent(fields, 'groupId'),
        createdBy: numericInt(fields, 'createdBy'),
        modifiedBy: numericInt(fields, 'modifiedBy'),
      }),
    );
  },

  'tasks.api.scrum.backlog.update': (ctx) => {
    const { id, fields } = bindParams(ctx.params, [
      { name: 'id', type: 'int', required: true },
      { name: 'fields', type: 'array', required: true },
    ]);
    return inTransaction(ctx, (db) =>
      updateBacklog(db, ctx.caller, {
        id: id as number,
        groupId: numericInt(fields, 'groupId'),
        createdBy: numericInt(fields, 'createdBy'),
        modifiedBy: numericInt(fields, 'modifiedBy'),
      }),
    );
  },

  'tasks.api.scrum.backlog.get': (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    return getBacklog(ctx.app.store.db, ctx.caller, id as number);
  },

  'tasks.api.scrum.backlog.delete': (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    return inTransaction(ctx, (db) => deleteBacklog(db, ctx.caller, id as number));
  },

  'tasks.api.scrum.backlog.getFields': () => BACKLOG_FIELDS,
});
