/** tasks.api.scrum.sprint.* (scrum-api.md C2); start and complete are not implemented yet. */
import { bindParams } from '../../protocol/binding.js';
import { hasKey, own, type PhpMap } from '../../protocol/php.js';
import { family, type CallContext } from '../../protocol/registry.js';
import { SPRINT_FIELDS, addSprint, deleteSprint, getSprint, listSprints, updateSprint } from '../../domain/scrum/sprint.js';
import { intIfPresent, numericInt, strIfPresent, stringOnly } from '../fieldReaders.js';
import { inTransaction } from '../transaction.js';

/** A sprint date key: parseDate of any value when the key is present, null when absent (C2). */
function dateIfPresent(ctx: CallContext, fields: unknown, key: string): number | null {
  return hasKey(fields, key) ? ctx.app.time.parseDate(own(fields, key), ctx.now) : null;
}

/** An untyped top-level parameter: undefined when absent. */
function untyped(params: PhpMap, name: string): unknown {
  return hasKey(params, name) ? params[name] : undefined;
}

export const sprintMethods = family(['task'], {
  'tasks.api.scrum.sprint.add': (ctx) => {
    const { fields } = bindParams(ctx.params, [{ name: 'fields', type: 'array', required: true }]);
    return inTransaction(ctx, (db) =>
      addSprint(db, ctx.caller, ctx.app.time, ctx.now, {
        groupId: intIfPresent(fields, 'groupId'),
        name: strIfPresent(fields, 'name'),
        sort: intIfPresent(fields, 'sort'),
        createdBy: numericInt(fields, 'createdBy'),
        modifiedBy: numericInt(fields, 'modifiedBy'),
        dateStart: dateIfPresent(ctx, fields, 'dateStart'),
        dateEnd: dateIfPresent(ctx, fields, 'dateEnd'),
        status: strIfPresent(fields, 'status'),
      }),
    );
  },

  'tasks.api.scrum.sprint.update': (ctx) => {
    const { id, fields } = bindParams(ctx.params, [
      { name: 'id', type: 'int', required: true },
      { name: 'fields', type: 'array', required: true },
    ]);
    return inTransaction(ctx, (db) =>
      updateSprint(db, ctx.caller, ctx.app.time, ctx.now, {
        id: id as number,
        groupId: numericInt(fields, 'groupId'),
        name: stringOnly(fields, 'name'),
        sort: numericInt(fields, 'sort'),
        createdBy: numericInt(fields, 'createdBy'),
        modifiedBy: numericInt(fields, 'modifiedBy'),
        dateStart: dateIfPresent(ctx, fields, 'dateStart'),
        dateEnd: dateIfPresent(ctx, fields, 'dateEnd'),
        status: stringOnly(fields, 'status'),
      }),
    );
  },

  'tasks.api.scrum.sprint.get': (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    return getSprint(ctx.app.store.db, ctx.caller, ctx.app.time, ctx.now, id as number);
  },

  'tasks.api.scrum.sprint.list': (ctx) =>
    listSprints(
      ctx.app.store.db,
      ctx.caller,
      { time: ctx.app.time, now: ctx.now, strict: ctx.app.config.strictErrors },
      {
        filter: untyped(ctx.params, 'filter'),
        select: untyped(ctx.params, 'select'),
        order: untyped(ctx.params, 'order'),
        start: ctx.start,
      },
    ),

  'tasks.api.scrum.sprint.delete': (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    return inTransaction(ctx, (db) => deleteSprint(db, ctx.caller, id as number));
  },

  'tasks.api.scrum.sprint.getFields': () => SPRINT_FIELDS,
});
