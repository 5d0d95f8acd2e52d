/** Global-scope service methods (protocol.md §8). */
import { Errors } from '../core/errors.js';
import { own, toStr, truthy, type PhpMap } from '../core/php.js';
import { method, type Call, type MethodSpec, type RegisteredMethod } from '../protocol/method.js';
import { hasScope } from '../protocol/auth.js';
import { ALL_SCOPE_CODES } from '../core/scopes.js';
import { getUser } from '../domain/users.js';

/** Parameters of these legacy methods are matched case-insensitively. */
function param(params: PhpMap, name: string): unknown {
  for (const k of Object.keys(params)) if (k.toLowerCase() === name) return params[k];
  return undefined;
}

/** The registered methods that `methods` reports (their declarations say which: `listed`). */
function methodsOf(ctx: Call, pick: (m: RegisteredMethod) => boolean): string[] {
  return ctx.registry.all().filter((m) => m.listed && pick(m)).map((m) => m.name);
}

const GLOBAL: readonly string[] = [];

export const serviceMethods: MethodSpec[] = [
  method({ name: 'server.time', scopes: GLOBAL, handler: serverTime }),
  method({ name: 'profile', scopes: GLOBAL, handler: profile }),
  method({ name: 'methods', scopes: GLOBAL, handler: listMethods }),
  method({ name: 'scope', scopes: GLOBAL, handler: listScopes }),
  method({ name: 'method.get', scopes: GLOBAL, handler: methodGet }),
  method({ name: 'user.admin', scopes: GLOBAL, handler: userAdmin }),
  method({ name: 'app.info', scopes: GLOBAL, handler: appInfo }),
];

function serverTime(ctx: Call): string {
  return ctx.app.time.iso(ctx.now);
}

async function profile(ctx: Call) {
  const u = await getUser(ctx.db, ctx.caller.userId);
  if (!u) throw Errors.accessDenied('User authorization required');
  if (u.active !== 'Y') return [];
  return {
    ID: String(u.id),
    ADMIN: u.is_admin === 'Y',
    NAME: u.name ?? '',
    LAST_NAME: u.last_name ?? '',
    PERSONAL_GENDER: u.personal_gender ?? '',
    TIME_ZONE: u.time_zone ?? '',
  };
}

function listMethods(ctx: Call): string[] {
  const scope = param(ctx.params, 'scope');
  if (truthy(param(ctx.params, 'full'))) return methodsOf(ctx, () => true);
  if (scope !== undefined) {
    const code = toStr(scope).toLowerCase();
    return methodsOf(ctx, (m) => (code === '' ? m.scopes.length === 0 : m.scopes.includes(code)));
  }
  return methodsOf(ctx, (m) => hasScope(ctx.caller.scopes, m));
}

function listScopes(ctx: Call): string[] {
  return truthy(param(ctx.params, 'full')) ? [...ALL_SCOPE_CODES] : [...ctx.caller.scopes];
}

function methodGet(ctx: Call) {
  const name = own(ctx.params, 'name');
  if (typeof name !== 'string' || name === '') return { isExisting: false, isAvailable: false };
  // The reference looks the lower-case name up as given.
  const m = name === name.toLowerCase() ? ctx.registry.resolve(name) : undefined;
  return { isExisting: m !== undefined, isAvailable: m !== undefined && hasScope(ctx.caller.scopes, m) };
}

/** Whether the caller is a portal administrator (protocol.md §8.8). */
function userAdmin(ctx: Call): boolean {
  return ctx.caller.isAdmin;
}

async function appInfo(ctx: Call) {
  if (ctx.caller.authType !== 'oauth') return { SCOPE: [...ctx.caller.scopes], LICENSE: 'en_selfhosted' };
  const a = await ctx.db.selectFrom('oauth_apps').selectAll().where('id', '=', ctx.caller.credentialId).executeTakeFirst();
  if (!a) throw Errors.accessDenied('Application context required');
  // A local application: status L, never expiring; INSTALLED false until its installation is finished (src/events/apps.ts)
  const installed = (a as { installed?: string }).installed !== 'N';
  return { ID: a.id, CODE: a.code, VERSION: a.version, STATUS: 'L', INSTALLED: installed, PAYMENT_EXPIRED: 'N', DAYS: null, LANGUAGE_ID: 'en', LICENSE: 'en_selfhosted' };
}
