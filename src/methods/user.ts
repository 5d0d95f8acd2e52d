/**
 * user.current and user.get (platform.md §7): legacy-user family — top-level keys and the keys
 * inside FILTER are case-insensitive (upper-cased), the field set follows the granted user scope.
 */
import { isPhpArray, own, type PhpMap } from '../protocol/php.js';
import { Errors } from '../protocol/errors.js';
import { Page, family, type CallContext } from '../protocol/registry.js';
import { USER_SCOPES } from '../protocol/scopes.js';
import { getUser } from '../domain/users.js';
import { fieldSetFor, listUsers, userRecord } from '../domain/userQuery.js';

/** Upper-cases the keys of a map; of two keys that differ only in case, the later one wins. */
export function upperKeys(map: unknown): PhpMap {
  const out: PhpMap = Object.create(null) as PhpMap;
  if (!isPhpArray(map)) return out;
  const entries = Array.isArray(map) ? map.map((v, i) => [String(i), v] as const) : Object.entries(map);
  for (const [k, v] of entries) out[k.toUpperCase()] = v;
  return out;
}

/**
 * The filter of `user.get`: FILTER when it is a map, otherwise every top-level parameter
 * (the field check later drops SORT, ORDER and other non-field names).
 */
export function userGetFilter(params: PhpMap): PhpMap {
  const p = upperKeys(params);
  const f = own(p, 'FILTER');
  return isPhpArray(f) ? upperKeys(f) : p;
}

export const userMethods = family([...USER_SCOPES], {
  'user.current': async (ctx: CallContext) => {
    const u = await getUser(ctx.app.store.db, ctx.caller.userId);
    // A deactivated user cannot authenticate at all (protocol.md §9.1); a vanished one neither.
    if (!u) throw Errors.authorizationError();
    return userRecord(u, fieldSetFor(ctx.caller.scopes), 'current', ctx.app.time, ctx.now);
  },

  'user.get': async (ctx: CallContext) => {
    const p = upperKeys(ctx.params);
    const set = fieldSetFor(ctx.caller.scopes);
    const r = await listUsers(
      ctx.app.store.db,
      { filter: userGetFilter(ctx.params), sort: own(p, 'SORT'), order: own(p, 'ORDER'), start: ctx.start, set },
      ctx.app.time,
      ctx.now,
    );
    const records = r.rows.map((u) => userRecord(u, set, 'list', ctx.app.time, ctx.now));
    return new Page(records, r.next, r.total);
  },
});
