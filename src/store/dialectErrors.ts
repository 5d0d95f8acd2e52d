/**
 * What a database failure means, on SQLite and PostgreSQL alike: the dialects' error codes are known
 * here only. The domain asks whether a unique index refused a row (an invariant held by the database);
 * the transaction runner (`isRetryable`, `isParentGone`) whether running the transaction again may
 * succeed; the store (`isStorageFault`) whether the storage failed rather than the statement.
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

/** SQLite result codes that mean the storage failed, not the statement (disk full, I/O, corruption, read-only). */
const SQLITE_STORAGE_FAULTS = /^SQLITE_(FULL|IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN|PROTOCOL)/;

/**
 * The same on PostgreSQL (SQLSTATE): disk full (53100), I/O error (58030), data or index corrupted
 * (XX001, XX002), a read-only transaction where a write was meant (25006: a standby, or
 * default_transaction_read_only).
 */
const PG_STORAGE_FAULTS = new Set(['53100', '58030', 'XX001', 'XX002', '25006']);

/** The storage failed (disk full, I/O, corruption, read-only), not the statement: a loud fault, not an answer. */
export function isStorageFault(e: unknown): boolean {
  const code = codeOf(e);
  return code !== undefined && (PG_STORAGE_FAULTS.has(code) || SQLITE_STORAGE_FAULTS.test(code));
}
