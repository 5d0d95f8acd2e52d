/**
 * The state of a sandbox portal as a whole: reset to empty, named snapshots, fixtures (the whole state
 * as a JSON document). Generic over the schema: every table the migrations made (except Kysely's own
 * bookkeeping) is found in the database itself, so a new table is reset, snapshotted and exported
 * without a change here.
 *
 * Atomicity: every change of the state runs in one write transaction (SQLite: BEGIN IMMEDIATE on the
 * server's one connection, which no request can use until COMMIT; PostgreSQL: one transaction of DELETEs,
 * which readers see whole or not at all), so no REST call sees half of it. On SQLite the statements name
 * `main."table"`, which the write tracker cannot attribute to one table: remembered reads
 * (src/store/prepared.ts) are all forgotten (writeTracking.ts, "counts for every table").
 *
 * Kept across a reset, a restore and an import: the setting `server_origin` (it names the running
 * server, not the data). A reset also keeps user 1 and its webhooks (the known webhook URL keeps working).
 *
 * Snapshots: SQLite — a file `<name>.db` per snapshot (VACUUM INTO: a consistent copy), in the
 * `snapshots/` folder beside the database, or for `:memory:` in a private temporary folder removed when
 * the server stops; restored by attaching the file and copying table by table inside one transaction.
 * PostgreSQL — a schema per snapshot (`scrumd_snap_<hex of the name>`) with a copy of every table, the
 * sequences' values and the migrations it was made under; restored by DELETE + INSERT … SELECT in one
 * transaction, sequences set.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';

export const FIXTURE_FORMAT = 'scrumd-fixture';
export const FIXTURE_VERSION = 1;

/** The fixture document, version 1 (README: "The sandbox control API"). */
export interface Fixture {
  format: typeof FIXTURE_FORMAT;
  version: 1;
  /** the last migration of the schema it was exported from (informative; import checks columns, not this) */
  schema?: string;
  /** table → rows, each row an object column → value (string, number or null), in primary-key order */
  tables: Record<string, Record<string, string | number | null>[]>;
  /** table → the last id handed out (the next row gets a higher one); tables not named: from their rows */
  sequences?: Record<string, number>;
}

export interface SnapshotInfo {
  name: string;
  /** Unix seconds, on the portal's clock when it was saved (see usePortalClock) */
  created: number;
}

/**
 * The portal clock of a served store (its "now", Unix seconds), registered by the transport
 * (buildServer). Snapshot times follow it: a portal time, like every other time the control API
 * shows (journal entries, clock state) — a test that froze or moved the clock sees its snapshots made
 * at the portal's time, in order with the rows they hold. Without a server (the command line on a
 * database no server runs) there is no sandbox clock: real time.
 */
const portalNow = new WeakMap<Store, () => number>();

export function usePortalClock(store: Store, now: () => number): void {
  portalNow.set(store, now);
}

/** SQLite: the portal time a snapshot file was saved at (its own table; a file made before it was kept: the file's time). */
function createdOf(file: string): number {
  try {
    const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    try {
      const v = db.prepare('select created from scrumd_snapshot_info').pluck().get();
      if (typeof v === 'number' && Number.isFinite(v)) return v;
    } finally {
      db.close();
    }
  } catch {
    // not readable as a snapshot with its time
  }
  return Math.floor(statSync(file).mtimeMs / 1000);
}

/** A failure the caller caused (bad name, unknown snapshot, bad fixture): HTTP 4xx with this message. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Snapshot names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 24 characters. */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,23}$/;

export function checkSnapshotName(name: unknown): string {
  if (typeof name !== 'string' || !SNAPSHOT_NAME.test(name)) {
    throw new ControlError(400, 'INVALID_SNAPSHOT_NAME', 'a snapshot name is 1 to 24 characters: letters, digits, ".", "_" or "-", beginning with a letter or digit');
  }
  return name;
}

/** The setting that names the running server, not the data: never exported, reset, or replaced. */
const KEPT_SETTING = 'server_origin';

interface TableInfo {
  name: string;
  columns: string[];
  /** primary-key columns in key order (all columns when there is none) */
  key: string[];
  /** has an auto-increment `id` (SQLite: in sqlite_sequence; PostgreSQL: a serial sequence) */
  serial: boolean;
  /** tables it references by foreign key */
  parents: string[];
}

/** KiB of page cache a SQLite restore may use (the default is 2,000 KiB); given back after it. */
const RESTORE_CACHE_KIB = 131_072;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Tables in an order where every table comes after those it references (PostgreSQL checks at once). */
function parentsFirst(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: TableInfo[] = [];
  const seen = new Set<string>();
  const visit = (t: TableInfo) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const p of t.parents) {
      const parent = byName.get(p);
      if (parent && p !== t.name) visit(parent);
    }
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(t);
  return out;
}

async function rows<R>(db: Kysely<Database>, query: string, parameters: unknown[] = []): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(query, parameters))).rows;
}

async function run(db: Kysely<Database>, query: string, parameters: unknown[] = []): Promise<void> {
  await rows(db, query, parameters);
}

/** The data tables of the schema `schema` (SQLite: main or an attached one; PostgreSQL: a namespace). */
async function tablesOf(store: Store, db: Kysely<Database>): Promise<TableInfo[]> {
  if (store.dialect === 'sqlite') {
    const names = (
      await rows<{ name: string }>(db, `select name from main.sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name not like 'kysely\\_%' escape '\\' order by name`)
    ).map((r) => r.name);
    const sequenced = new Set((await rows<{ name: string }>(db, 'select name from main.sqlite_sequence')).map((r) => r.name));
    const autoinc = new Set(
      (await rows<{ name: string }>(db, `select name from main.sqlite_master where type = 'table' and sql like '%autoincrement%'`)).map((r) => r.name),
    );
    const out: TableInfo[] = [];
    for (const name of names) {
      const cols = await rows<{ name: string; pk: number }>(db, 'select name, pk from pragma_table_info(?) order by cid', [name]);
      const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const parents = (await rows<{ table: string }>(db, 'select "table" from pragma_foreign_key_list(?)', [name])).map((r) => r.table);
      out.push({ name, columns: cols.map((c) => c.name), key: key.length > 0 ? key : cols.map((c) => c.name), serial: sequenced.has(name) || autoinc.has(name), parents });
    }
    return out;
  }
  const cols = await rows<{ table_name: string; column_name: string }>(
    db,
    `select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and table_name in (
        select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE')
        and table_name not like 'kysely\\_%' order by table_name, ordinal_position`,
  );
  const keys = await rows<{ table_name: string; column_name: string }>(
    db,
    `select c.relname as table_name, a.attname as column_name
       from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
       cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
       join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
      where i.indisprimary and n.nspname = current_schema() order by c.relname, k.ord`,
  );
  const fks = await rows<{ child: string; parent: string }>(
    db,
    `select c.relname as child, p.relname as parent from pg_constraint f
       join pg_class c on c.oid = f.conrelid join pg_class p on p.oid = f.confrelid join pg_namespace n on n.oid = c.relnamespace
      where f.contype = 'f' and n.nspname = current_schema()`,
  );
  const serials = await rows<{ table_name: string }>(
    db,
    // (a column default, not pg_get_serial_sequence: the planner may call a function on rows of other schemas first)
    `select table_name from information_schema.columns where table_schema = current_schema() and column_name = 'id'
        and column_default like 'nextval(%'`,
  );
  const serialSet = new Set(serials.map((r) => r.table_name));
  const byName = new Map<string, TableInfo>();
  for (const c of cols) {
    let t = byName.get(c.table_name);
    if (!t) byName.set(c.table_name, (t = { name: c.table_name, columns: [], key: [], serial: serialSet.has(c.table_name), parents: [] }));
    t.columns.push(c.column_name);
  }
  for (const k of keys) byName.get(k.table_name)?.key.push(k.column_name);
  for (const f of fks) byName.get(f.child)?.parents.push(f.parent);
  for (const t of byName.values()) if (t.key.length === 0) t.key = [...t.columns];
  return [...byName.values()];
}

/** The migrations a schema was made by (`schema`: a qualifier with its dot, or '' for the current one). */
async function migrationsOf(db: Kysely<Database>, schema: string): Promise<string[]> {
  return (await rows<{ name: string }>(db, `select name from ${schema}kysely_migration order by name`)).map((r) => r.name);
}

/**
 * PostgreSQL: deletes the rows of these tables, children first (`settings` but for the kept one). The
 * caller sets the sequences last, when nothing can fail any more: setval is not undone by a rollback. DELETE rather than TRUNCATE: TRUNCATE's ACCESS EXCLUSIVE locks, taken one
 * table after another, deadlock with REST calls that read several tables (the call was the victim:
 * HTTP 500), and TRUNCATE is not MVCC-safe; a DELETE commits as atomically and readers never wait.
 */
async function emptyPostgres(trx: Kysely<Database>, tables: TableInfo[]): Promise<void> {
  for (const t of [...parentsFirst(tables)].reverse()) {
    await run(trx, `delete from ${q(t.name)}${t.name === 'settings' ? ` where key <> '${KEPT_SETTING}'` : ''}`);
  }
}

/** Runs `fn`, again (up to 5 times) when PostgreSQL chose it as a deadlock victim or a serialization failure. */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (attempt >= 4 || (code !== '40P01' && code !== '40001')) throw e;
    }
  }
}

/** The sandbox state operations of one server. One runs at a time (they are serialized in process). */
export class PortalState {
  private queue: Promise<unknown> = Promise.resolve();
  private memorySnapshots: string | undefined;

  constructor(
    private readonly store: Store,
    /** the database location (a SQLite file, `:memory:` or a postgres:// URL) */
    private readonly location: string,
  ) {}

  /** Runs operations one after another: two restores must not interleave their attach/detach. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  /** SQLite: the folder of snapshot files. */
  private snapshotDir(create: boolean): string {
    let dir: string;
    if (this.location === ':memory:') {
      if (!this.memorySnapshots) {
        if (!create) return '';
        this.memorySnapshots = mkdtempSync(join(tmpdir(), 'scrumd-snapshots-'));
      }
      dir = this.memorySnapshots;
    } else {
      dir = join(dirname(this.location), 'snapshots', basename(this.location).replace(/\.[^.]*$/, ''));
    }
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Removes what only this process needs (the snapshots of a `:memory:` database). */
  close(): void {
    if (this.memorySnapshots) rmSync(this.memorySnapshots, { recursive: true, force: true });
    this.memorySnapshots = undefined;
  }

  /**
   * SQLite: runs `fn` in one transaction with foreign keys off, for a change of the whole state that
   * cannot leave a reference dangling (the caller's to make sure), fast and still atomic. The
   * connection is held for the whole operation (Kysely's SQLite driver has one connection behind a
   * lock: no request's statement runs until it is released; reads that bypass Kysely outside a
   * transaction only read), and the change is one transaction. Foreign keys off (a pragma that is a
   * no-op inside a transaction, so set around it on the held connection, and on again after it
   * whatever happened): then SQLite empties a table by dropping its pages at once (the "truncate
   * optimization", which a table referenced by a foreign key does not get while they are on) instead
   * of deleting row by row through every index, and `INSERT … SELECT *` from a table of the same
   * schema copies records as they are. A larger page cache for the transaction keeps its pages in
   * memory instead of spilling them into the WAL before COMMIT. A restore of 100,000 tasks over a full
   * portal: ~700 → ~350 ms of CPU; a reset of it: ~480 → ~230 ms.
   */
  private async sqliteBulk(fn: (trx: Kysely<Database>) => Promise<void>): Promise<void> {
    await this.db.connection().execute(async (conn) => {
      const cacheSize = (await rows<{ cache_size: number }>(conn, 'pragma cache_size'))[0]?.cache_size ?? -2000;
      await run(conn, 'pragma foreign_keys = off');
      await run(conn, `pragma cache_size = ${Math.min(cacheSize, -RESTORE_CACHE_KIB)}`);
      try {
        await conn.transaction().execute(fn);
      } finally {
        await run(conn, `pragma cache_size = ${cacheSize}`);
        await run(conn, 'pragma foreign_keys = on');
      }
    });
  }

  private pgSchema(name: string): string {
    return `scrumd_snap_${Buffer.from(name, 'utf8').toString('hex')}`;
  }

  /** Empties the portal but for user 1 and its webhooks (and the portal's settings); ids start afresh. */
  reset(): Promise<void> {
    return this.serial(async () => {
      const tables = await tablesOf(this.store, this.db);
      const kept = new Set(['users', 'webhooks', 'settings']);
      const emptied = tables.filter((t) => !kept.has(t.name));
      if (this.store.dialect === 'sqlite') {
        // foreign keys off around the transaction (sqliteBulk): every table but users, webhooks and
        // settings is emptied whole, and the users and webhooks left are user 1 and its webhooks, so
        // nothing can dangle; a table emptied whole then drops its pages at once
        await this.sqliteBulk(async (trx) => {
          for (const t of emptied) await run(trx, `delete from main.${q(t.name)}`);
          await run(trx, 'delete from main."webhooks" where user_id <> 1');
          await run(trx, 'delete from main."users" where id <> 1');
          await run(trx, `delete from main.sqlite_sequence where name not in ('users', 'webhooks')`);
          await run(trx, `update main.sqlite_sequence set seq = coalesce((select max(id) from main."users"), 0) where name = 'users'`);
          await run(trx, `update main.sqlite_sequence set seq = coalesce((select max(id) from main."webhooks"), 0) where name = 'webhooks'`);
        });
        return;
      }
      await retried(() =>
        this.db.transaction().execute(async (trx) => {
          await emptyPostgres(trx, emptied);
          await run(trx, 'delete from "webhooks" where user_id <> 1');
          await run(trx, 'delete from "users" where id <> 1');
          for (const t of emptied.filter((t) => t.serial)) await run(trx, `select setval(pg_get_serial_sequence($1, 'id'), 1, false)`, [q(t.name)]);
          for (const t of ['users', 'webhooks']) {
            await run(trx, `select setval(pg_get_serial_sequence('${t}', 'id'), coalesce((select max(id) from ${q(t)}), 1), (select count(*) > 0 from ${q(t)}))`);
          }
        }),
      );
    });
  }

  list(): Promise<SnapshotInfo[]> {
    return this.serial(() => this.listNow());
  }

  private async listNow(): Promise<SnapshotInfo[]> {
    if (this.store.dialect === 'sqlite') {
      const dir = this.snapshotDir(false);
      if (!dir || !existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('.db') && SNAPSHOT_NAME.test(f.slice(0, -3)))
        .map((f) => ({ name: f.slice(0, -3), created: createdOf(join(dir, f)) }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    }
    const found = await rows<{ nspname: string }>(this.db, `select nspname from pg_namespace where nspname like 'scrumd\\_snap\\_%' order by nspname`);
    const out: SnapshotInfo[] = [];
    for (const { nspname } of found) {
      const name = Buffer.from(nspname.slice('scrumd_snap_'.length), 'hex').toString('utf8');
      if (!SNAPSHOT_NAME.test(name) || this.pgSchema(name) !== nspname) continue;
      const info = await rows<{ created: number }>(this.db, `select created from ${q(nspname)}.scrumd_snapshot_info`).catch(() => []);
      out.push({ name, created: Number(info[0]?.created ?? 0) });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Saves the whole state under a name (replacing a snapshot of that name). */
  save(name: string): Promise<SnapshotInfo> {
    checkSnapshotName(name);
    return this.serial(async () => {
      const created = Math.floor(portalNow.get(this.store)?.() ?? Date.now() / 1000);
      if (this.store.dialect === 'sqlite') {
        const dir = this.snapshotDir(true);
        const file = join(dir, `${name}.db`);
        const partial = join(dir, `.${name}.${process.pid}.partial`);
        rmSync(partial, { force: true });
        try {
          // a consistent copy of the database as of one moment (a read transaction), compacted
          await run(this.db, 'vacuum main into ?', [partial]);
          // the portal time it was made at, in the copy itself (a table no restore reads: restores copy the tables of main)
          const copy = new BetterSqlite3(partial, { fileMustExist: true });
          try {
            copy.exec('create table scrumd_snapshot_info (created integer not null)');
            copy.prepare('insert into scrumd_snapshot_info (created) values (?)').run(created);
          } finally {
            copy.close();
          }
          renameSync(partial, file);
        } finally {
          rmSync(partial, { force: true });
        }
        return { name, created };
      }
      const schema = q(this.pgSchema(name));
      await this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const tables = await tablesOf(this.store, trx);
          await run(trx, `drop schema if exists ${schema} cascade`);
          await run(trx, `create schema ${schema}`);
          for (const t of tables) await run(trx, `create table ${schema}.${q(t.name)} as table ${q(t.name)}`);
          await run(trx, `create table ${schema}.kysely_migration as select name from kysely_migration`);
          await run(trx, `create table ${schema}.scrumd_snapshot_info as select ${created}::bigint as created`);
          await run(trx, `create table ${schema}.scrumd_sequences (table_name text primary key, last_value bigint not null, is_called boolean not null)`);
          for (const t of tables.filter((t) => t.serial)) {
            const seq = (await rows<{ s: string }>(trx, `select pg_get_serial_sequence($1, 'id') as s`, [q(t.name)]))[0]!.s;
            await run(trx, `insert into ${schema}.scrumd_sequences select $1, last_value, is_called from ${seq}`, [t.name]);
          }
        });
      return { name, created };
    });
  }

  /** Deletes a snapshot; false when there was none of that name. */
  delete(name: string): Promise<boolean> {
    checkSnapshotName(name);
    return this.serial(async () => {
      if (this.store.dialect === 'sqlite') {
        const dir = this.snapshotDir(false);
        const file = dir && join(dir, `${name}.db`);
        if (!file || !existsSync(file)) return false;
        rmSync(file);
        return true;
      }
      const exists = await rows(this.db, 'select 1 from pg_namespace where nspname = $1', [this.pgSchema(name)]);
      if (exists.length === 0) return false;
      await run(this.db, `drop schema ${q(this.pgSchema(name))} cascade`);
      return true;
    });
  }

  /** Replaces the whole state by a snapshot's, in one transaction. */
  restore(name: string): Promise<void> {
    checkSnapshotName(name);
    return this.serial(async () => {
      if (this.store.dialect === 'sqlite') return this.restoreSqlite(name);
      return this.restorePostgres(name);
    });
  }

  private unknownSnapshot(name: string): ControlError {
    return new ControlError(404, 'SNAPSHOT_NOT_FOUND', `no snapshot named ${name}`);
  }

  private async restoreSqlite(name: string): Promise<void> {
    const dir = this.snapshotDir(false);
    const file = dir && join(dir, `${name}.db`);
    if (!file || !existsSync(file)) throw this.unknownSnapshot(name);
    // ATTACH cannot run inside a transaction: attached first, detached after (one operation at a time).
    await run(this.db, `attach database ? as scrumd_snap`, [file]);
    try {
      const tables = await tablesOf(this.store, this.db);
      const mine = await migrationsOf(this.db, 'main.');
      const theirs = await migrationsOf(this.db, 'scrumd_snap.').catch(() => []);
      if (mine.join() !== theirs.join()) {
        throw new ControlError(409, 'SNAPSHOT_INCOMPATIBLE', `snapshot ${name} was made by another version of the schema; export it as a fixture with that version and import it instead`);
      }
      // the snapshot is a copy of a database of the same schema (the migrations are compared above)
      // that kept its keys, and every table is replaced whole, so nothing can dangle: foreign keys off
      // around the transaction (sqliteBulk)
      await this.sqliteBulk(async (trx) => {
        for (const t of tables) await run(trx, `delete from main.${q(t.name)}${t.name === 'settings' ? ` where key <> '${KEPT_SETTING}'` : ''}`);
        for (const t of tables) {
          if (t.name === 'settings') {
            const cols = t.columns.map(q).join(', ');
            await run(trx, `insert into main.${q(t.name)} (${cols}) select ${cols} from scrumd_snap.${q(t.name)} where key <> '${KEPT_SETTING}'`);
          } else {
            // exactly this form (same schema, `select *`, no condition) lets SQLite copy records as they are
            await run(trx, `insert into main.${q(t.name)} select * from scrumd_snap.${q(t.name)}`);
          }
        }
        await run(trx, 'delete from main.sqlite_sequence');
        await run(trx, 'insert into main.sqlite_sequence (name, seq) select name, seq from scrumd_snap.sqlite_sequence');
      });
    } finally {
      await run(this.db, 'detach database scrumd_snap');
    }
  }

  private async restorePostgres(name: string): Promise<void> {
    const schemaName = this.pgSchema(name);
    const schema = q(schemaName);
    if ((await rows(this.db, 'select 1 from pg_namespace where nspname = $1', [schemaName])).length === 0) throw this.unknownSnapshot(name);
    const mine = await migrationsOf(this.db, '');
    const theirs = await migrationsOf(this.db, `${schema}.`).catch(() => []);
    if (mine.join() !== theirs.join()) {
      throw new ControlError(409, 'SNAPSHOT_INCOMPATIBLE', `snapshot ${name} was made by another version of the schema`);
    }
    await retried(() =>
      this.db.transaction().execute(async (trx) => {
        const tables = parentsFirst(await tablesOf(this.store, trx));
        await emptyPostgres(trx, tables);
        for (const t of tables) {
          const cols = t.columns.map(q).join(', ');
          const where = t.name === 'settings' ? ` where key <> '${KEPT_SETTING}'` : '';
          await run(trx, `insert into ${q(t.name)} (${cols}) select ${cols} from ${schema}.${q(t.name)}${where}`);
        }
        const seqs = await rows<{ table_name: string; last_value: number; is_called: boolean }>(trx, `select table_name, last_value, is_called from ${schema}.scrumd_sequences`);
        for (const s of seqs) {
          if (!tables.some((t) => t.name === s.table_name && t.serial)) continue;
          await run(trx, `select setval(pg_get_serial_sequence($1, 'id'), $2, $3)`, [q(s.table_name), s.last_value, s.is_called]);
        }
      }),
    );
  }

  /** The whole state as a fixture document (a consistent read). */
  exportFixture(): Promise<Fixture> {
    return this.serial(async () => {
      const read = async (db: Kysely<Database>): Promise<Fixture> => {
        const tables = await tablesOf(this.store, db);
        const out: Fixture = { format: FIXTURE_FORMAT, version: FIXTURE_VERSION, schema: (await migrationsOf(db, this.store.dialect === 'sqlite' ? 'main.' : '')).at(-1), tables: Object.create(null) as Fixture['tables'], sequences: Object.create(null) as Record<string, number> };
        for (const t of tables) {
          const where = t.name === 'settings' ? ` where key <> '${KEPT_SETTING}'` : '';
          const prefix = this.store.dialect === 'sqlite' ? 'main.' : '';
          out.tables[t.name] = await rows(db, `select ${t.columns.map(q).join(', ')} from ${prefix}${q(t.name)}${where} order by ${t.key.map(q).join(', ')}`);
        }
        if (this.store.dialect === 'sqlite') {
          for (const r of await rows<{ name: string; seq: number }>(db, 'select name, seq from main.sqlite_sequence order by name')) {
            if (r.seq > 0 && tables.some((t) => t.name === r.name)) out.sequences![r.name] = Number(r.seq);
          }
        } else {
          for (const t of tables.filter((t) => t.serial)) {
            const seq = (await rows<{ s: string }>(db, `select pg_get_serial_sequence($1, 'id') as s`, [q(t.name)]))[0]!.s;
            const v = (await rows<{ last_value: number; is_called: boolean }>(db, `select last_value, is_called from ${seq}`))[0]!;
            const last = v.is_called ? Number(v.last_value) : Number(v.last_value) - 1;
            if (last > 0) out.sequences![t.name] = last;
          }
        }
        // plain objects from here on (JSON.stringify and deepEqual alike)
        return JSON.parse(JSON.stringify({ ...out, tables: { ...out.tables }, sequences: { ...out.sequences } })) as Fixture;
      };
      if (this.store.dialect === 'sqlite') return this.store.transaction(read);
      return this.db.transaction().setIsolationLevel('repeatable read').execute(read);
    });
  }

  /** Replaces the whole state by a fixture's, in one transaction; ids as in the fixture. */
  importFixture(doc: unknown): Promise<void> {
    return this.serial(async () => {
      const tables = parentsFirst(await tablesOf(this.store, this.db));
      const fixture = checkFixture(doc, tables);
      const sqlite = this.store.dialect === 'sqlite';
      const work = async (trx: Kysely<Database>) => {
        if (sqlite) {
          await run(trx, 'pragma defer_foreign_keys = on');
          for (const t of tables) await run(trx, `delete from main.${q(t.name)}${t.name === 'settings' ? ` where key <> '${KEPT_SETTING}'` : ''}`);
          await run(trx, 'delete from main.sqlite_sequence');
        } else {
          await emptyPostgres(trx, tables);
        }
        for (const t of tables) {
          const list = (fixture.tables[t.name] ?? []).filter((r) => t.name !== 'settings' || r.key !== KEPT_SETTING);
          if (list.length === 0) continue;
          if (sqlite) {
            // one prepared statement per table, the columns each row has (the others take their defaults)
            for (const r of list) {
              const cols = Object.keys(r);
              await run(trx, `insert into main.${q(t.name)} (${cols.map(q).join(', ')}) values (${cols.map(() => '?').join(', ')})`, cols.map((c) => r[c]));
            }
          } else {
            // one statement per group of rows with the same columns (a foreign key is checked at its end)
            const groups = new Map<string, typeof list>();
            for (const r of list) {
              const k = Object.keys(r).join('\u0000');
              const g = groups.get(k);
              if (g) g.push(r);
              else groups.set(k, [r]);
            }
            for (const [k, g] of groups) {
              const cols = k.split('\u0000').map(q).join(', ');
              await run(trx, `insert into ${q(t.name)} (${cols}) select ${cols} from json_populate_recordset(null::${q(t.name)}, $1::json)`, [JSON.stringify(g)]);
            }
          }
        }
        for (const t of tables.filter((t) => t.serial)) {
          const stated = fixture.sequences?.[t.name] ?? 0;
          if (sqlite) {
            await run(trx, `insert into main.sqlite_sequence (name, seq) select ?, max(?, coalesce((select max(id) from main.${q(t.name)}), 0))`, [t.name, stated]);
          } else {
            await run(
              trx,
              `select setval(pg_get_serial_sequence($1, 'id'), greatest($2::bigint, coalesce((select max(id) from ${q(t.name)}), 0), 1), greatest($2::bigint, coalesce((select max(id) from ${q(t.name)}), 0)) > 0)`,
              [q(t.name), stated],
            );
          }
        }
      };
      try {
        if (sqlite) await this.store.transaction(work);
        else await retried(() => this.db.transaction().execute(work));
      } catch (e) {
        if (e instanceof ControlError) throw e;
        const code = (e as { code?: string }).code ?? '';
        // a row the schema refuses (a constraint, a type): the caller's fixture is at fault
        if (/^SQLITE_(CONSTRAINT|MISMATCH|ERROR)/.test(code) || /^(23|22|42)/.test(code)) {
          throw new ControlError(400, 'INVALID_FIXTURE', `the fixture does not fit the schema: ${(e as Error).message}`);
        }
        throw e;
      }
    });
  }
}

/** Checks a fixture document's shape against the schema; the error names the first problem. */
export function checkFixture(doc: unknown, tables: TableInfo[]): Fixture {
  const bad = (m: string) => new ControlError(400, 'INVALID_FIXTURE', m);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(doc)) throw bad('a fixture is a JSON object {"format":"scrumd-fixture","version":1,"tables":{…}}');
  if (doc.format !== FIXTURE_FORMAT) throw bad(`"format" must be "${FIXTURE_FORMAT}"`);
  if (doc.version !== FIXTURE_VERSION) throw bad(`"version" ${JSON.stringify(doc.version)} is not supported (this server reads version ${FIXTURE_VERSION})`);
  if (!isObject(doc.tables)) throw bad('"tables" must be an object: table name → list of rows');
  const known = new Map(tables.map((t) => [t.name, t]));
  const out: Fixture = { format: FIXTURE_FORMAT, version: 1, tables: Object.create(null) as Fixture['tables'], sequences: Object.create(null) as Record<string, number> };
  for (const [name, list] of Object.entries(doc.tables)) {
    const t = known.get(name);
    if (!t || !Object.hasOwn(doc.tables, name)) throw bad(`unknown table ${JSON.stringify(name).slice(0, 80)} (known: ${[...known.keys()].sort().join(', ')})`);
    if (!Array.isArray(list)) throw bad(`tables.${name} must be a list of rows`);
    const columns = new Set(t.columns);
    const checked: Record<string, string | number | null>[] = [];
    for (const [i, r] of list.entries()) {
      if (!isObject(r)) throw bad(`tables.${name}[${i}] must be an object: column → value`);
      const row = Object.create(null) as Record<string, string | number | null>;
      for (const [c, v] of Object.entries(r)) {
        if (!columns.has(c)) throw bad(`tables.${name}[${i}]: unknown column ${JSON.stringify(c).slice(0, 80)}`);
        if (v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) throw bad(`tables.${name}[${i}].${c}: a value is a string, a number or null`);
        row[c] = v as string | number | null;
      }
      if (Object.keys(row).length === 0) throw bad(`tables.${name}[${i}] has no columns`);
      checked.push(row);
    }
    out.tables[name] = checked;
  }
  if (doc.sequences !== undefined) {
    if (!isObject(doc.sequences)) throw bad('"sequences" must be an object: table name → last id handed out');
    for (const [name, v] of Object.entries(doc.sequences)) {
      if (!known.get(name)?.serial) throw bad(`sequences: ${JSON.stringify(name).slice(0, 80)} is not a table with ids`);
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`sequences.${name} must be a whole number >= 0`);
      out.sequences![name] = v;
    }
  }
  return out;
}

