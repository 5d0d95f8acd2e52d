/**
 * Group features and their operation permissions (platform.md §3.5, §5.11) with the reference's
 * default minimum roles. A local server stores no feature settings: every feature is on and uses
 * its defaults.
 */
import type { Kysely } from 'kysely';
import type { Caller } from '../core/call.js';
import type { Database } from '../store/schema.js';
import { getGroup, roleOf, type GroupRow, type Role } from './groups.js';

interface FeatureDef {
  /** operation → minimum role */
  operations: Readonly<Record<string, Role>>;
  /** the operations that stay available in an archived group (to everyone; the others to no one) */
  readOperations: readonly string[];
}

const feature = (operations: Record<string, Role>, readOperations: readonly string[]): FeatureDef => ({
  operations: Object.assign(Object.create(null) as Record<string, Role>, operations),
  readOperations,
});

/**
 * The features registered for groups on a stock portal, with their operations and default minimum
 * roles (platform.md §5.11, from the reference's `addStandardFeatureList` and the lists and wiki
 * modules). `chat` and `marketplace` are features without operations. `unverified:` which of them a
 * given cloud portal registers; a local server has every one on. The bizproc operation of `files`
 * (only with the bizproc module, and without a default role) is left out.
 */
export const GROUP_FEATURES: Readonly<Record<string, FeatureDef>> = Object.assign(Object.create(null) as Record<string, FeatureDef>, {
  tasks: feature(
    {
      view: 'K',
      view_all: 'K',
      sort: 'K',
      create_tasks: 'K',
      edit_tasks: 'E',
      delete_tasks: 'E',
      modify_folders: 'E',
      modify_common_views: 'E',
    },
    ['view', 'view_all'],
  ),
  forum: feature({ full: 'E', newtopic: 'K', answer: 'K', view: 'K' }, ['view']),
  photo: feature({ write: 'E', view: 'K' }, ['view']),
  calendar: feature({ write: 'E', view: 'K' }, ['view']),
  files: feature({ view: 'K', write_limited: 'E', write: 'E' }, ['view']),
  blog: feature(
    {
      view_post: 'K',
      premoderate_post: 'K',
      write_post: 'K',
      moderate_post: 'E',
      full_post: 'A',
      view_comment: 'K',
      premoderate_comment: 'K',
      write_comment: 'K',
      moderate_comment: 'E',
      full_comment: 'E',
    },
    ['view_comment', 'view_post'],
  ),
  search: feature({ view: 'K' }, []),
  group_lists: feature({ write: 'E', view: 'K' }, ['view']),
  wiki: feature({ view: 'K', write: 'K', delete: 'E' }, ['view']),
  chat: feature({}, []),
  marketplace: feature({}, []),
});

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
 * group non-admins keep only the read operations. With `archiveBindsAdmins` (sonet_group.feature.access,
 * §5.11: the reference's archive check precedes its admin short-cut) admins are refused the other
 * operations of an archived group too; the task paths keep §3.5's rule (`unverified:` that they apply it
 * to admins).
 */
export function featureAllows(
  caller: Caller,
  group: GroupRow,
  role: Role | null,
  feature: string,
  operation: string,
  archiveBindsAdmins = false,
): boolean {
  if (!isFeatureOperation(feature, operation)) return false;
  const def = GROUP_FEATURES[feature]!;
  const archived = group.closed === 'Y' && !def.readOperations.includes(operation);
  if (caller.isAdmin) return !(archived && archiveBindsAdmins);
  if (archived) return false;
  if (role === null || !ROLE_ORDER.includes(role)) return false;
  return ROLE_ORDER.indexOf(role) <= ROLE_ORDER.indexOf(def.operations[operation]!);
}

/**
 * sonet_group.feature.access (platform.md §5.11): may the caller perform the operation? A group that
 * does not exist allows nothing (`unverified:` for admins; recommended `false`).
 */
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
  return featureAllows(caller, group, caller.isAdmin ? null : await roleOf(db, groupId, caller.userId), feature, operation, true);
}
