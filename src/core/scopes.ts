/** Scope codes scrumd implements (protocol.md §9.4, platform.md §4.3). */
export const USER_SCOPES = ['user', 'user_basic', 'user_brief'] as const;

/** Every scope a webhook can be granted; the first-start webhook of user 1 gets all of them. */
export const IMPLEMENTED_SCOPES = ['task', 'sonet_group', 'socialnetwork', 'user', 'user_basic', 'user_brief'] as const;

export function parseScopeList(list: string): string[] {
  return [...new Set(list.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))];
}

/** Every scope code the portal knows (`scope` with `full=true`): the granted ones plus module codes. */
export const ALL_SCOPE_CODES = [...IMPLEMENTED_SCOPES, 'tasks'] as const;
