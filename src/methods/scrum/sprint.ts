/** tasks.api.scrum.sprint.* (scrum-api.md C2). */
import { bindParams } from '../../protocol/binding.js';
import { methodError } from '../../core/errors.js';
import { hasKey, own, type PhpMap } from '../../core/php.js';
import { family, type CallContext } from '../../protocol/registry.js';
import { SPRINT_FIELDS, addSprint, deleteSprint, getSprint, listSprints, updateSprint } from '../../domain/scrum/sprint.js';
import {
  CompletionFailure,
  UNABLE_TO_COMPLETE,
  UNABLE_TO_START,
  completeSprint,
  sprintToComplete,
  startSprint,
} from '../../domain/scrum/sprintLifecycle.js';
import { intIfPresent, numericInt, strIfPresent, stringOnly } from '../fieldReaders.js';
import { inTransaction, isRetryable } from '../transaction.js';

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

  'tasks.api.scrum.sprint.start': async (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    // A failing start procedure keeps the effects of its earlier steps (C2.3): the transaction
    // commits them, then the call reports the failure.
    const outcome = await inTransaction(ctx, (db) => startSprint(db, ctx.caller, ctx.app.time, ctx.now, id as number));
    if (!outcome.ok) throw methodError(UNABLE_TO_START);
    return outcome.sprint;
  },

  'tasks.api.scrum.sprint.complete': async (ctx) => {
    const { id } = bindParams(ctx.params, [{ name: 'id', type: 'int', required: true }]);
    try {
      return await inTransaction(ctx, async (db) => {
        const sprint = await sprintToComplete(db, ctx.caller, id as number);
        try {
          return await completeSprint(db, ctx.caller, ctx.app.time, ctx.now, sprint);
        } catch (e) {
          // a conflict with a concurrent transaction is left to inTransaction, which runs the call again
          throw isRetryable(e) ? e : new CompletionFailure(e);
        }
      });
    } catch (e) {
      if (!(e instanceof CompletionFailure)) throw e;
      // The call is rolled back; the reference's REST layer loses the error and answers HTTP 200
      // `null` (B9). Strict mode reports it.
      ctx.app.log.warn({ err: e.cause }, 'sprint.complete: the completion procedure failed');
      if (ctx.app.config.strictErrors) throw methodError(UNABLE_TO_COMPLETE);
      return null;
    }
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
