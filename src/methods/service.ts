/** Global-scope service methods (protocol.md §8). */
import { Errors } from '../protocol/errors.js';
import { family } from '../protocol/registry.js';
import { getUser } from '../domain/users.js';

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
});
