/** Where a list page starts, from the reserved `start` parameter (protocol.md §2.4, scrum-api.md B8.1). */
import { LIST_LIMIT } from './call.js';

/**
 * The offset of the page `start` asks for. Pages are 50 rows: `start` is rounded down to a multiple
 * of 50 (`exact: true` — `user.get`, `user.search` — keeps it as given). A negative start (the "do not
 * count" -1 included) or one that is not a finite number reads as 0.
 */
export function pageOffset(start: number, options: { exact?: boolean } = {}): number {
  if (!Number.isFinite(start) || start <= 0) return 0;
  return options.exact ? start : Math.floor(start / LIST_LIMIT) * LIST_LIMIT;
}
