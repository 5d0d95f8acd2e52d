/** Users: creation, existence and lookup (platform.md §3.6). */
import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTable, UserTextField } from '../store/schema.js';
import { userColumn } from '../store/schema.js';

export type UserRow = Selectable<UserTable>;

export interface NewUser {
  email: string;
  isAdmin?: boolean;
  active?: boolean;
  departments?: number[];
  fields?: Partial<Record<UserTextField, string>>;
}

export class DuplicateEmailError extends Error {
  constructor() {
    super('A user with this email already exists');
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
  try {
    const r = await db.insertInto('users').values(row as never).returning('id').executeTakeFirstOrThrow();
    return r.id;
  } catch (e) {
    if (/unique/i.test(String((e as Error).message))) throw new DuplicateEmailError();
    throw e;
  }
}

export async function getUser(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Any user record, active or not (scrum-api.md A5 `existsUser`). */
export async function userExists(db: Kysely<Database>, id: number): Promise<boolean> {
  if (!Number.isSafeInteger(id) || id <= 0) return false;
  const r = await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
  return r !== undefined;
}

/** "First Last", trimmed, falling back to the e-mail when both are empty. */
export function formattedName(u: Pick<UserRow, 'name' | 'last_name' | 'email'>): string {
  const n = `${u.name ?? ''} ${u.last_name ?? ''}`.trim();
  return n !== '' ? n : (u.email ?? '');
}
