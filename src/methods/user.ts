/**
 * user.current and user.get (platform.md §7): legacy-user family — top-level keys and the keys
 * inside FILTER are case-insensitive (upper-cased), the field set follows the granted user scope.
 */
import { DateTime } from 'luxon';
import { isPhpArray, own, phpValues, toInt, toStr, type PhpMap } from '../core/php.js';
import { Errors, UserRecordMessages } from '../core/errors.js';
import { method, type Call, type MethodSpec } from '../protocol/method.js';
import type { CallContext } from '../protocol/registry.js';
import { Page } from '../core/call.js';
import { USER_SCOPES } from '../core/scopes.js';
import { USER_TEXT_FIELDS, type UserTextField } from '../store/schema.js';
import { recountGroupsOfUser } from '../domain/groups.js';
import {
  DuplicateEmailError,
  createUser,
  findUserByEmail,
  getUser,
  isValidEmail,
  updateUser,
  type UserChanges,
} from '../domain/users.js';
import { fieldSetFor, listUsers, normalizeActive, userFieldLabels, userRecord, userSearchFilter } from '../domain/userQuery.js';

/** Upper-cases the keys of a map; of two keys that differ only in case, the later one wins. */
export function upperKeys(map: unknown): PhpMap {
  const out: PhpMap = Object.create(null) as PhpMap;
  if (!isPhpArray(map)) return out;
  const entries = Array.isArray(map) ? map.map((v, i) => [String(i), v] as const) : Object.entries(map);
  for (const [k, v] of entries) out[k.toUpperCase()] = v;
  return out;
}

/**
 * The filter of `user.get`: FILTER when it is a map, otherwise every top-level parameter
 * (the field check later drops SORT, ORDER and other non-field names).
 */
export function userGetFilter(params: PhpMap): PhpMap {
  const p = upperKeys(params);
  const f = own(p, 'FILTER');
  return isPhpArray(f) ? upperKeys(f) : p;
}

/** Text fields a client may write (platform.md §7.6.1); `WORK_LOGO` is a file (left out, §13.1). */
const WRITABLE_TEXT = USER_TEXT_FIELDS.filter((f) => f !== 'WORK_LOGO' && f !== 'EMAIL');

/** A user date field: empty → unset; otherwise midnight of that day in portal time; undefined when unreadable. */
function userDate(ctx: CallContext, v: unknown): number | null | undefined {
  if (v === null || toStr(v).trim() === '') return null;
  const s = ctx.app.time.parseDateString(toStr(v), ctx.now);
  if (s === null) return undefined;
  return Math.floor(DateTime.fromSeconds(s, { zone: ctx.app.time.zone }).startOf('day').toSeconds());
}

/** The messages of the stored record's date checks (`unverified:` the product's exact texts). */
const DATE_MESSAGES = {
  PERSONAL_BIRTHDAY: 'The date of birth is incorrect.',
  UF_EMPLOYMENT_DATE: 'The hire date is incorrect.',
} as const;

/**
 * Reads the writable user fields of user.add / user.update (platform.md §7.6.1, §7.7) from upper-cased
 * parameters; read-only fields (ID, LAST_LOGIN, DATE_REGISTER, IS_ONLINE, TIME_ZONE_OFFSET, USER_TYPE,
 * …) and unknown keys are dropped. Returns the changes and the record's validation messages.
 */
function readUserChanges(ctx: CallContext, p: PhpMap, withAdminFields: boolean): { changes: UserChanges; problems: string[] } {
  const changes: UserChanges = {};
  const problems: string[] = [];
  const fields: Partial<Record<UserTextField, string | null>> = {};
  for (const f of WRITABLE_TEXT) {
    const v = own(p, f);
    if (v !== undefined) fields[f] = v === null ? null : toStr(v);
  }
  changes.fields = fields;
  for (const [key, prop] of [
    ['PERSONAL_BIRTHDAY', 'personalBirthday'],
    ['UF_EMPLOYMENT_DATE', 'employmentDate'],
  ] as const) {
    const v = own(p, key);
    if (v === undefined) continue;
    const d = userDate(ctx, v);
    if (d === undefined) problems.push(DATE_MESSAGES[key]);
    else changes[prop] = d;
  }
  if (withAdminFields) {
    const active = own(p, 'ACTIVE');
    if (active !== undefined) changes.active = normalizeActive(active);
    const dept = own(p, 'UF_DEPARTMENT');
    if (dept !== undefined) {
      const list = isPhpArray(dept) ? phpValues(dept) : [dept];
      changes.departments = [...new Set(list.map((x) => toInt(x)).filter((n) => n > 0))];
    }
  }
  return { changes, problems };
}

/** `user.add` check 2: profile fields must be strings (files aside). */
function firstNonStringProfileField(p: PhpMap): string | undefined {
  for (const [k, v] of Object.entries(p)) {
    if (!k.includes('WORK_') && !k.includes('PERSONAL_')) continue;
    if (k === 'PERSONAL_PHOTO' || k === 'WORK_LOGO') continue;
    if (typeof v !== 'string') return k;
  }
  return undefined;
}

/** user.current, user.get, user.search, user.fields: any of the user scopes (platform.md §4.3). */
const READ = { scopes: [...USER_SCOPES] } as const;
/** user.add and user.update need the full `user` scope (platform.md §4.3). */
const ADMIN = { scopes: ['user'] } as const;

export const userMethods: MethodSpec[] = [
  method({ name: 'user.current', ...READ, handler: userCurrent }),
  method({ name: 'user.get', ...READ, handler: userGet }),
  method({ name: 'user.search', ...READ, handler: userSearch }),
  method({ name: 'user.fields', ...READ, handler: userFields }),
  method({ name: 'user.add', ...ADMIN, transaction: true, handler: userAdd }),
  method({ name: 'user.update', ...ADMIN, transaction: true, handler: userUpdate }),
];

async function userCurrent(call: Call) {
  const u = await getUser(call.db, call.caller.userId);
  // A deactivated user cannot authenticate at all (protocol.md §9.1); a vanished one neither.
  if (!u) throw Errors.authorizationError();
  return userRecord(u, fieldSetFor(call.caller.scopes), 'current', call.app.time, call.now);
}

async function userGet(call: Call) {
  const p = upperKeys(call.params);
  const set = fieldSetFor(call.caller.scopes);
  const r = await listUsers(
    call.db,
    { filter: userGetFilter(call.params), sort: own(p, 'SORT'), order: own(p, 'ORDER'), start: call.start, set },
    call.app.time,
    call.now,
  );
  const records = r.rows.map((u) => userRecord(u, set, 'list', call.app.time, call.now));
  return new Page(records, r.next, r.total);
}

async function userSearch(call: Call) {
  const p = upperKeys(call.params);
  const set = fieldSetFor(call.caller.scopes);
  const { filter, extra } = userSearchFilter(userGetFilter(call.params));
  const r = await listUsers(
    call.db,
    { filter, extra, sort: own(p, 'SORT'), order: own(p, 'ORDER'), start: call.start, set },
    call.app.time,
    call.now,
  );
  const records = r.rows.map((u) => userRecord(u, set, 'list', call.app.time, call.now));
  return new Page(records, r.next, r.total);
}

function userFields(call: Call) {
  return userFieldLabels(fieldSetFor(call.caller.scopes));
}

async function userAdd(call: Call) {
  if (!call.caller.isAdmin) throw Errors.user.accessDenied();
  const p = upperKeys(call.params);
  const badType = firstNonStringProfileField(p);
  if (badType !== undefined) throw Errors.user.invalidFieldType(badType);
  const email = toStr(own(p, 'EMAIL')).trim();
  if (email === '' || !isValidEmail(email)) throw Errors.user.wrongEmail();
  const { changes, problems } = readUserChanges(call, p, true);
  const db = call.db;
  // Registration: the record's own checks, every message on its own line (§7.6.2 check 6).
  if (await findUserByEmail(db, email)) problems.unshift(new DuplicateEmailError().message);
  if (problems.length > 0) throw Errors.user.addRefused(problems);
  try {
    return await createUser(
      db,
      {
        email,
        active: changes.active !== 'N',
        departments: changes.departments ?? [1],
        fields: changes.fields,
        personalBirthday: changes.personalBirthday,
        employmentDate: changes.employmentDate,
      },
      call.now,
    );
  } catch (e) {
    if (e instanceof DuplicateEmailError) throw Errors.user.addRefused([e.message]);
    throw e;
  }
}

async function userUpdate(call: Call) {
  const p = upperKeys(call.params);
  const id = toInt(own(p, 'ID'));
  if (id <= 0) throw Errors.user.accessDenied();
  const self = id === call.caller.userId;
  if (!call.caller.isAdmin && !self) throw Errors.user.accessDenied();
  // A non-admin changing their own record cannot (de)activate it or move departments (§7.7).
  const { changes, problems } = readUserChanges(call, p, call.caller.isAdmin);
  const db = call.db;
  const rawEmail = own(p, 'EMAIL');
  if (rawEmail !== undefined) {
    const email = toStr(rawEmail).trim();
    if (!isValidEmail(email)) problems.unshift(UserRecordMessages.invalidEmail);
    else {
      const other = await findUserByEmail(db, email);
      if (other && other.id !== id) problems.unshift(UserRecordMessages.duplicateEmail);
      changes.email = email;
    }
  }
  // The record's messages, each ending with <br> (§7.7 check 3).
  if (problems.length > 0) throw Errors.user.updateRefused(problems);
  const before = await getUser(db, id);
  if (!before) throw Errors.user.notFound();
  try {
    await updateUser(db, id, changes, call.now);
  } catch (e) {
    if (e instanceof DuplicateEmailError) throw Errors.user.updateRefused([UserRecordMessages.duplicateEmail]);
    throw e;
  }
  // Activity changes who counts as a member (§7.7): recompute the user's groups.
  if (changes.active !== undefined && changes.active !== before.active) await recountGroupsOfUser(db, id);
  return true;
}
