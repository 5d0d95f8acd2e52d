/** Users: creation, existence and lookup (platform.md §3.6). */
import type { Kysely, Selectable } from 'kysely';
import { UserRecordMessages } from '../core/errors.js';
import { isUniqueViolation } from '../store/dialectErrors.js';
import type { Database, UserTable, UserTextField } from '../store/schema.js';
import { userColumn } from '../store/schema.js';
import { preparedQuery } from '../store/prepared.js';
import { raiseUserAdd } from '../events/raise.js';

export type UserRow = Selectable<UserTable>;

export interface NewUser {
  email: string;
  isAdmin?: boolean;
  active?: boolean;
  departments?: number[];
  fields?: Partial<Record<UserTextField, string | null>>;
  /** Unix seconds at midnight, or null */
  personalBirthday?: number | null;
  employmentDate?: number | null;
}

export class DuplicateEmailError extends Error {
  constructor() {
    super(UserRecordMessages.duplicateEmail);
  }
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email_key', '=', emailKey(email)).executeTakeFirst();
}

/** Inserts a user; the e-mail must not be taken (checked here, and by the unique index under races). */
export async function createUser(db: Kysely<Database>, u: NewUser, now: number): Promise<number> {
  const email = u.email.trim();
  if (await findUserByEmail(db, email)) throw new DuplicateEmailError();
  const row: Record<string, unknown> = {
    login: email,
    active: u.active === false ? 'N' : 'Y',
    is_admin: u.isAdmin ? 'Y' : 'N',
    email_key: emailKey(email),
    uf_department: JSON.stringify(u.departments ?? [1]),
    date_register: now,
    timestamp_x: now,
    email,
  };
  for (const [k, v] of Object.entries(u.fields ?? {})) {
    if (v !== undefined && k !== 'EMAIL') row[userColumn(k as UserTextField)] = v;
  }
  if (u.personalBirthday !== undefined) row.personal_birthday = u.personalBirthday;
  if (u.employmentDate !== undefined) row.uf_employment_date = u.employmentDate;
  try {
    const r = await db.insertInto('users').values(row as never).returning('id').executeTakeFirstOrThrow();
    await raiseUserAdd(db, r.id, now); // spec events.md §7.4, C7: at creation
    return r.id;
  } catch (e) {
    if (isUniqueViolation(e)) throw new DuplicateEmailError();
    throw e;
  }
}

export async function getUser(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Any user record, active or not (scrum-api.md A5 `existsUser`). */
const userById = preparedQuery((db, id: number) => db.selectFrom('users').select('id').where('id', '=', id), { remember: true });

export async function userExists(db: Kysely<Database>, id: number): Promise<boolean> {
  if (!Number.isSafeInteger(id) || id <= 0) return false;
  return (await userById.first(db, id)) !== undefined;
}

/** "First Last", trimmed, falling back to the e-mail when both are empty. */
export function formattedName(u: Pick<UserRow, 'name' | 'last_name' | 'email'>): string {
  const n = `${u.name ?? ''} ${u.last_name ?? ''}`.trim();
  return n !== '' ? n : (u.email ?? '');
}

/**
 * The reference's e-mail check (`check_email`, strict): dot-atoms of the RFC 2822 atom characters,
 * `@`, dot-separated domain labels and a 2–20 character top-level label; at most 320 characters.
 */
export function isValidEmail(email: string): boolean {
  if (email.length > 320) return false;
  const atom = "[=_0-9a-z+~'!$&*^`|#%/?{}-]+";
  return new RegExp(`^${atom}(\\.${atom})*@([a-z0-9-]+\\.)+[a-z0-9-]{2,20}$`, 'i').test(email);
}

/** Changes to a stored user (user.update); undefined members stay as they are. */
export interface UserChanges {
  email?: string;
  active?: 'Y' | 'N';
  departments?: number[];
  fields?: Partial<Record<UserTextField, string | null>>;
  personalBirthday?: number | null;
  employmentDate?: number | null;
}

/** Writes the changes and TIMESTAMP_X; false when there is no such user. The e-mail is checked by the caller. */
export async function updateUser(db: Kysely<Database>, id: number, c: UserChanges, now: number): Promise<boolean> {
  const set: Record<string, unknown> = { timestamp_x: now };
  if (c.email !== undefined) {
    set.email = c.email;
    set.email_key = emailKey(c.email);
  }
  if (c.active !== undefined) set.active = c.active;
  if (c.departments !== undefined) set.uf_department = JSON.stringify(c.departments);
  for (const [k, v] of Object.entries(c.fields ?? {})) {
    if (v !== undefined && k !== 'EMAIL') set[userColumn(k as UserTextField)] = v;
  }
  if (c.personalBirthday !== undefined) set.personal_birthday = c.personalBirthday;
  if (c.employmentDate !== undefined) set.uf_employment_date = c.employmentDate;
  try {
    const r = await db.updateTable('users').set(set as never).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  } catch (e) {
    if (isUniqueViolation(e)) throw new DuplicateEmailError();
    throw e;
  }
}
