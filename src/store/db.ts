/**
 * Opening the database: embedded SQLite (better-sqlite3, WAL) or PostgreSQL (pg), both through Kysely,
 * and running the migrations.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Database } from './schema.js';
import { ScrumdMigrations, type Dialect } from './migrations/index.js';
import { GroupCommit } from './groupCommit.js';
import { WriteTracker } from './writeTracking.js';
import { registerDirectReader, type DirectReader } from './prepared.js';
import { registerSqliteFunctions, withoutNul } from './sqlFunctions.js';
import { isStorageFault } from './dialectErrors.js';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /**
   * Resolves once every write made so far is on disk; undefined when nothing is waiting to be synced
   * (always, except for a SQLite file opened with group commit). Answers wait for it before they leave.
   */
  durable(): Promise<void> | undefined;
  /**
   * Runs `fn` in one transaction (Kysely's), and on SQLite lets prepared reads made through the
   * transaction run directly on its connection, which the transaction holds until it ends.
   */
  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * A request begins. Where reads are remembered (soleProcess on SQLite), its first remembered answer
   * asks SQLite whether another connection committed to the file, and forgets everything if one did
   * (writeTracking.ts). Nothing elsewhere.
   */
  requestBegins(): void;
  /**
   * Storage faults seen so far: statements that failed because the disk is full, the file cannot be
   * written or read, or (SQLite file) the database file was deleted or replaced while it was open —
   * after which every write is refused. `count` grows with each; the transport compares it around a
   * request and answers such a request with the internal-error envelope, logging `last`.
   */
  faults(): { count: number; last?: Error };
  close(): Promise<void>;
}

/** The database file was deleted or replaced while the server had it open: writes are refused. */
export class DatabaseFileGoneError extends Error {
  readonly code = 'SCRUMD_DATABASE_FILE_GONE';
  constructor(location: string, replaced: boolean) {
    super(
      `the database file ${location} was ${replaced ? 'replaced' : 'deleted'} while scrumd had it open; ` +
        'writes are refused (they would go to a file no one can open again). Restore the file and restart ' +
        'scrumd, or restart it to begin with a new empty database.',
    );
    this.name = 'DatabaseFileGoneError';
  }
}

/**
 * What the SQLite driver checks around statements: a write outside a transaction (BEGIN included)
 * first makes sure the database file is still the one opened; storage faults are counted.
 */
interface SqliteGuard {
  inTransaction(): boolean;
  beforeWrite(): void;
  failed(e: unknown): void;
}

export interface StoreOptions {
  /**
   * SQLite: this process alone serves the database (`serve` without `--workers`). For a file, the WAL
   * is synced once for every answer, shared by concurrent writers (groupCommit.ts), instead of inside
   * every COMMIT — other processes would see commits before they are synced, so `serve --workers N`
   * keeps synchronous=FULL. And reads marked `remember` (prepared.ts) are answered from memory until
   * a write to a table they read, or a commit of another connection (the command line, a script).
   */
  soleProcess?: boolean;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The pg driver, loaded when a PostgreSQL database is opened: loaded at start it would cost every
 * SQLite server about 2.6 MB of heap and over 10 MB of resident memory (measured with Node 20).
 */
let pgModule: typeof pg | undefined;
function pgLib(): typeof pg {
  if (pgModule) return pgModule;
  const lib = createRequire(import.meta.url)('pg') as typeof pg;
  // int8 (bigint) columns hold Unix seconds and ids: read them as JS numbers.
  lib.types.setTypeParser(20, (v) => Number(v));
  // float8 as numbers (already the default), numeric as numbers.
  lib.types.setTypeParser(1700, (v) => Number(v));
  return (pgModule = lib);
}

/**
 * SQLite transactions start with BEGIN IMMEDIATE: a writer takes the write lock at once, so two
 * processes on one file wait for each other (busy_timeout) instead of failing to upgrade a read lock.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  private marking: DatabaseConnection | undefined;

  constructor(
    settings: SqliteDialectConfig,
    private readonly onWrite?: (sql: string) => void,
    private readonly guard?: SqliteGuard,
  ) {
    super(settings);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    if (!this.onWrite && !this.guard) return connection;
    this.marking ??= new WriteMarkingConnection(connection, this.onWrite, this.guard);
    return this.marking;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // After some failures (SQLITE_FULL, I/O errors) SQLite has already rolled the transaction back; a
    // ROLLBACK would fail ("cannot rollback - no transaction is active") and hide the real cause.
    if (this.guard && !this.guard.inTransaction()) {
      this.onWrite?.('rollback'); // rolled back all the same: what the transaction wrote is gone
      return;
    }
    await super.rollbackTransaction(connection);
  }
}

/**
 * Tells the store about every statement that may have written: anything but a `select` (a
 * transaction's statements count too — its COMMIT or ROLLBACK as well, after it ran). Group commit
 * counts them; remembered reads are forgotten.
 */
class WriteMarkingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly onWrite?: (sql: string) => void,
    private readonly guard?: SqliteGuard,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const writing = !query.sql.startsWith('select');
    let result: Promise<QueryResult<R>>;
    try {
      if (writing && this.guard && !this.guard.inTransaction()) this.guard.beforeWrite();
      // better-sqlite3 runs the statement before this returns
      result = this.inner.executeQuery<R>(query);
    } catch (e) {
      this.guard?.failed(e);
      return Promise.reject(e);
    }
    if (writing) this.onWrite?.(query.sql);
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly onWrite?: (sql: string) => void,
    private readonly guard?: SqliteGuard,
  ) {
    super(settings);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings, this.onWrite, this.guard);
  }
}

/** What Kysely's SQLite connection uses of a statement. */
interface StatementLike {
  readonly reader: boolean;
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): BetterSqlite3.RunResult;
  iterate(params: readonly unknown[]): IterableIterator<unknown>;
}

/**
 * A reading statement whose rows are fetched as arrays and turned into objects by a function made for
 * its columns: better-sqlite3 builds a row object property by property, which for wide rows (a task
 * has some forty columns) costs twice as much as the query. Same objects: the columns in order, a
 * later column of the same name wins.
 */
class RowObjects implements StatementLike {
  readonly reader = true;
  private make: (row: unknown[]) => unknown;
  private width: number;

  constructor(private readonly stmt: BetterSqlite3.Statement) {
    stmt.raw(true);
    [this.make, this.width] = RowObjects.factory(stmt);
  }

  /** undefined when a column name cannot be an object literal key (`__proto__`) */
  static create(stmt: BetterSqlite3.Statement): RowObjects | undefined {
    return stmt.columns().some((c) => c.name === '__proto__') ? undefined : new RowObjects(stmt);
  }

  private static factory(stmt: BetterSqlite3.Statement): [(row: unknown[]) => unknown, number] {
    const names = stmt.columns().map((c) => c.name);
    const body = `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`;
    return [new Function('r', body) as (row: unknown[]) => unknown, names.length];
  }

  private toObject(row: unknown[]): unknown {
    // SQLite re-prepares a statement after a schema change; `*` may then name other columns.
    if (row.length !== this.width) [this.make, this.width] = RowObjects.factory(this.stmt);
    return this.make(row);
  }

  all(params: readonly unknown[]): unknown[] {
    const rows = this.stmt.all(params) as unknown[][];
    const out: unknown[] = rows;
    for (let i = 0; i < rows.length; i++) out[i] = this.toObject(rows[i]!);
    return out;
  }

  run(params: readonly unknown[]): BetterSqlite3.RunResult {
    return this.stmt.run(params);
  }

  *iterate(params: readonly unknown[]): IterableIterator<unknown> {
    for (const row of this.stmt.iterate(params) as IterableIterator<unknown[]>) yield this.toObject(row);
  }
}

/** A statement whose parameters lose their NUL characters (sqlFunctions.ts, withoutNul: both dialects alike). */
class NulFreeStatement implements StatementLike {
  readonly reader: boolean;
  constructor(private readonly inner: StatementLike) {
    this.reader = inner.reader;
  }
  all(params: readonly unknown[]): unknown[] {
    return this.inner.all(withoutNul(params));
  }
  run(params: readonly unknown[]): BetterSqlite3.RunResult {
    return this.inner.run(withoutNul(params));
  }
  iterate(params: readonly unknown[]): IterableIterator<unknown> {
    return this.inner.iterate(withoutNul(params));
  }
}

/** Reuses prepared statements: Kysely prepares every query anew, and most queries repeat. */
function statementCache(db: BetterSqlite3.Database, size = 1000): (source: string) => StatementLike {
  const cache = new Map<string, StatementLike>();
  const prepare = (source: string): StatementLike => {
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source);
    } else {
      const prepared = db.prepare(source);
      stmt = new NulFreeStatement((prepared.reader && RowObjects.create(prepared)) || (prepared as unknown as StatementLike));
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  };
  return prepare;
}

/** The connection Kysely gets: better-sqlite3 with the statement cache. */
function withStatementCache(db: BetterSqlite3.Database, prepare: (source: string) => StatementLike): BetterSqlite3.Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The pool Kysely uses: its clients' queries lose the NUL characters of their parameters (withoutNul). */
function nulFreePool(pool: pg.Pool, failed: (e: unknown) => void): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      return {
        // (a cursor, for streamed queries, passes through as it is)
        query: ((text: unknown, values?: readonly unknown[]) =>
          typeof text === 'string'
            ? client.query(text, values && (withoutNul(values) as unknown[])).catch((e: unknown) => {
                failed(e);
                throw e;
              })
            : client.query(text as never)) as unknown as PostgresPoolClient['query'],
        release: (err?: unknown) => client.release(err as Error | boolean | undefined),
      };
    },
    end: () => pool.end(),
  };
}

export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  let groupCommit: GroupCommit | undefined;
  let afterMigrations = () => {};
  let transactionReader: DirectReader | undefined;
  let requestBegins = () => {};
  const faults: { count: number; last?: Error } = { count: 0 };
  /** Counts a failed statement that was a storage fault (either dialect; the file gone, on SQLite). */
  const countFault = (e: unknown) => {
    if (e instanceof DatabaseFileGoneError || isStorageFault(e)) {
      faults.count++;
      faults.last = e as Error;
    }
  };
  if (isPostgresUrl(location)) {
    dialect = 'postgres';
    const pool = new (pgLib().Pool)({ connectionString: location, max: 10 });
    // An idle connection the server drops (restart, administrator command) is an event, not a crash:
    // the pool replaces it on the next query.
    pool.on('error', (err) => console.error(`scrumd: PostgreSQL connection lost: ${err.message}`));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: nulFreePool(pool, countFault) }) });
  } else {
    dialect = 'sqlite';
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    const sqlite = new BetterSqlite3(location);
    // The file as opened: a write first checks that the path still names it (one stat per write
    // statement outside a transaction, BEGIN included), so a data folder deleted or a file replaced
    // under a running server refuses writes instead of answering 200 into a file no one can open again.
    const opened = location === ':memory:' ? undefined : statSync(location);
    let gone: DatabaseFileGoneError | undefined;
    const guard: SqliteGuard = {
      inTransaction: () => sqlite.inTransaction,
      beforeWrite: () => {
        if (!opened) return;
        if (!gone) {
          const now = statSync(location, { throwIfNoEntry: false });
          if (now && now.ino === opened.ino && now.dev === opened.dev) return;
          gone = new DatabaseFileGoneError(location, now !== undefined);
        }
        throw gone;
      },
      failed: countFault,
    };
    sqlite.pragma('journal_mode = WAL');
    if (options.soleProcess && location !== ':memory:') {
      // A write is on disk before the request that made it is answered: the answer waits for the
      // shared sync of the WAL (groupCommit.ts); checkpoints sync as before.
      groupCommit = new GroupCommit(`${location}-wal`);
      sqlite.pragma('synchronous = NORMAL');
    } else {
      // FULL: a write is on disk before the request that made it is answered ("acknowledged" = durable).
      sqlite.pragma('synchronous = FULL');
    }
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    registerSqliteFunctions(sqlite);
    const prepare = statementCache(sqlite);
    // Writes counted: by group commit (what to sync) and for remembered reads (what to forget).
    const writes = options.soleProcess ? new WriteTracker() : undefined;
    const commits = groupCommit;
    const onWrite = writes
      ? (source: string) => {
          writes.wrote(source);
          commits?.wrote();
        }
      : undefined;
    db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite, prepare) }, onWrite, guard) });
    registerDirectReader(db, {
      // Outside a transaction a read runs at once: better-sqlite3 is synchronous, nothing can interleave.
      read: (source, parameters) => (sqlite.inTransaction ? undefined : prepare(source).all(parameters)),
      ...(writes ? { writes, clock: writes } : {}),
    });
    afterMigrations = () => writes?.learnSchema(sqlite);
    if (writes) requestBegins = () => writes.requestBegins();
    // Inside a transaction its own reads are the only statements on the connection (Kysely's driver
    // holds the connection's lock until COMMIT or ROLLBACK), so they too can run at once; nothing
    // read inside a transaction is remembered (no `writes`): it may not be committed.
    transactionReader = { read: (source, parameters) => prepare(source).all(parameters), ...(writes ? { clock: writes } : {}) };
  }
  const migrator = new Migrator({ db, provider: new ScrumdMigrations(dialect), allowUnorderedMigrations: true /* 005 came after 006 */ });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  afterMigrations();
  return {
    db,
    dialect,
    durable: groupCommit ? () => groupCommit.durable() : () => undefined,
    transaction: (fn) =>
      db.transaction().execute((trx) => {
        if (transactionReader) registerDirectReader(trx, transactionReader);
        return fn(trx);
      }),
    requestBegins,
    faults: () => faults,
    close: async () => {
      try {
        await groupCommit?.close();
      } finally {
        await db.destroy();
      }
    },
  };
}
