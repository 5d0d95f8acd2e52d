/**
 * What a database failure means, on SQLite and PostgreSQL alike: the dialects' error codes are known
 * here only. The domain asks whether a unique index refused a row (an invariant held by the database);
 * the transaction runner (`isRetryable`, `isParentGone`) whether running the transaction again may
 * succeed.
 */

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A unique index refused the row: PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE. */
export function isUniqueViolation(e: unknown): boolean {
  const code = codeOf(e);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/i.test((e as { message?: string } | null)?.message ?? '');
}

/**
 * A serialization failure (40001) or a deadlock (40P01) on PostgreSQL and compatible databases: the
 * database aborted the transaction for a conflict with a concurrent one, and it may be run again.
 */
export function isRetryable(e: unknown): boolean {
  const code = codeOf(e);
  return code === '40001' || code === '40P01';
}

/**
 * A foreign key refused a row because its parent is gone (PostgreSQL 23503): a concurrent transaction
 * deleted the parent after this one read it (e.g. `sonet_group.delete` while `sonet_group.user.add`
 * inserts a membership). Run again, the method reads the parent as deleted and answers its documented
 * error instead of a 500. (On SQLite writers run one at a time: such a failure is not a race, and it
 * is not reported as one.)
 */
export function isParentGone(e: unknown): boolean {
  return codeOf(e) === '23503';
}
