/**
 * Group features and their operation permissions (platform.md §3.5, §5.11) with the reference's
 * default minimum roles. A local server stores no feature settings: every feature is on and uses
 * its defaults.
 */
import type { Kysely } from 'kysely';
import type { Caller } from '../protocol/registry.js';
import type { Database } from '../store/schema.js';
import { getGroup, roleOf, type GroupRow, type Role } from './groups.js';

interface FeatureDef {
  /** operation → minimum role */
  operations: Readonly<Record<string, Role>>;
  /** the read operations that stay available to non-admins in an archived group */
  readOperations: readonly string[];
}

/**
 * Features available to groups. `tasks` is normative (§3.5); the others are accepted as §5.11 allows
 * (`unverified:` their reference defaults): reading needs a member, writing a moderator.
 */
export const GROUP_FEATURES: Readonly<Record<string, FeatureDef>> = {
  tasks: {
    operations: {
      view: 'K',
      view_all: 'K',
      sort: 'K',
      create_tasks: 'K',
      edit_tasks: 'E',
      delete_tasks: 'E',
      modify_folders: 'E',
      modify_common_views: 'E',
    },
    readOperations: ['view', 'view_all'],
  },
  files: { operations: { view: 'K', write: 'E' }, readOperations: ['view'] },
  calendar: { operations: { view: 'K', write: 'E' }, readOperations: ['view'] },
  photo: { operations: { view: 'K', write: 'E' }, readOperations: ['view'] },
  blog: {
    operations: {
      view_post: 'K',
      premoderate_post: 'K',
      write_post: 'K',
      moderate_post: 'E',
      full_post: 'E',
      view_comment: 'K',
      premoderate_comment: 'K',
      write_comment: 'K',
      moderate_comment: 'E',
      full_comment: 'E',
    },
    readOperations: ['view_post', 'view_comment'],
  },
};

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function isGroupFeature(feature: string): boolean {
  return has(GROUP_FEATURES, feature);
}

export function isFeatureOperation(feature: string, operation: string): boolean {
  return isGroupFeature(feature) && has(GROUP_FEATURES[feature]!.operations, operation);
}

const ROLE_ORDER: readonly Role[] = ['A', 'E', 'K'];

/**
 * The rule for a caller whose relation to an existing group is known (platform.md §3.5): admins always
 * pass; others need a relation with role ≤ the minimum (banned and pending never pass); in an archived
 * group non-admins keep only the read operations.
 */
export function featureAllows(caller: Caller, group: GroupRow, role: Role | null, feature: string, operation: string): boolean {
  if (!isFeatureOperation(feature, operation)) return false;
  if (caller.isAdmin) return true;
  const def = GROUP_FEATURES[feature]!;
  if (group.closed === 'Y' && !def.readOperations.includes(operation)) return false;
  if (role === null || !ROLE_ORDER.includes(role)) return false;
  return ROLE_ORDER.indexOf(role) <= ROLE_ORDER.indexOf(def.operations[operation]!);
}

/** May the caller perform the operation? A group that does not exist allows nothing. */
export async function canPerformFeature(
  db: Kysely<Database>,
  caller: Caller,
  groupId: number,
  feature: string,
  operation: string,
): Promise<boolean> {
  if (!isFeatureOperation(feature, operation)) return false;
  const group = await getGroup(db, groupId);
  if (!group) return false;
  return featureAllows(caller, group, caller.isAdmin ? null : await roleOf(db, groupId, caller.userId), feature, operation);
}
