/** Global-scope service methods (protocol.md §8). */
import { Errors } from '../core/errors.js';
import { own, toStr, truthy, type PhpMap } from '../core/php.js';
import { family, type CallContext, type MethodDef } from '../protocol/registry.js';
import { hasScope } from '../protocol/auth.js';
import { ALL_SCOPE_CODES } from '../core/scopes.js';
import { getUser } from '../domain/users.js';

/** Parameters of these legacy methods are matched case-insensitively. */
function param(params: PhpMap, name: string): unknown {
  for (const k of Object.keys(params)) if (k.toLowerCase() === name) return params[k];
  return undefined;
}

/**
 * Controller-based methods are resolved dynamically by the reference and so never listed by
 * `methods` (protocol.md §8.1); `upload`/`download` are excluded too.
 */
function listedByMethods(m: MethodDef): boolean {
  return !/^(tasks\.api\.|tasks\.task\.|socialnetwork\.api\.)/.test(m.name) && m.name !== 'upload' && m.name !== 'download';
}

function methodsOf(ctx: CallContext, pick: (m: MethodDef) => boolean): string[] {
  return ctx.registry.all().filter((m) => listedByMethods(m) && pick(m)).map((m) => m.name);
}

export const serviceMethods = family([], {
  'server.time': (ctx) => ctx.app.time.iso(ctx.now),

  profile: async (ctx) => {
    const u = await getUser(ctx.app.store.db, ctx.caller.userId);
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
  },

  methods: (ctx) => {
    const scope = param(ctx.params, 'scope');
    if (truthy(param(ctx.params, 'full'))) return methodsOf(ctx, () => true);
    if (scope !== undefined) {
      const code = toStr(scope).toLowerCase();
      return methodsOf(ctx, (m) => (code === '' ? m.scopes.length === 0 : m.scopes.includes(code)));
    }
    return methodsOf(ctx, (m) => hasScope(ctx.caller.scopes, m));
  },

  scope: (ctx) => (truthy(param(ctx.params, 'full')) ? [...ALL_SCOPE_CODES] : [...ctx.caller.scopes]),

  'method.get': (ctx) => {
    const name = own(ctx.params, 'name');
    if (typeof name !== 'string' || name === '') return { isExisting: false, isAvailable: false };
    // The reference looks the lower-case name up as given.
    const m = name === name.toLowerCase() ? ctx.registry.resolve(name) : undefined;
    return { isExisting: m !== undefined, isAvailable: m !== undefined && hasScope(ctx.caller.scopes, m) };
  },

  /** Whether the caller is a portal administrator (protocol.md §8.8). */
  'user.admin': (ctx) => ctx.caller.isAdmin,

  'app.info': async (ctx) => {
    if (ctx.caller.authType === 'webhook') return { SCOPE: [...ctx.caller.scopes], LICENSE: 'en_selfhosted' };
    const a = await ctx.app.store.db.selectFrom('oauth_apps').selectAll().where('id', '=', ctx.caller.credentialId).executeTakeFirst();
    if (!a) throw Errors.accessDenied('Application context required');
    // A local application: status L, installed, never expiring.
    return { ID: a.id, CODE: a.code, VERSION: a.version, STATUS: 'L', INSTALLED: true, PAYMENT_EXPIRED: 'N', DAYS: null, LANGUAGE_ID: 'en', LICENSE: 'en_selfhosted' };
  },
});
