/**
 * Opening the database: embedded SQLite (better-sqlite3, WAL) or PostgreSQL (pg), both through Kysely,
 * and running the migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { ScrumdMigrations, type Dialect } from './migrations/index.js';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

// int8 (bigint) columns hold Unix seconds and ids: read them as JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));
// float8 as numbers (already the default), numeric as numbers.
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * SQLite transactions start with BEGIN IMMEDIATE: a writer takes the write lock at once, so two
 * processes on one file wait for each other (busy_timeout) instead of failing to upgrade a read lock.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/** Reuses prepared statements: Kysely prepares every query anew, and most queries repeat. */
function withStatementCache(db: BetterSqlite3.Database, size = 1000): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source);
    } else {
      stmt = db.prepare(source);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function openStore(location: string): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (isPostgresUrl(location)) {
    dialect = 'postgres';
    const pool = new pg.Pool({ connectionString: location, max: 10 });
    // An idle connection the server drops (restart, administrator command) is an event, not a crash:
    // the pool replaces it on the next query.
    pool.on('error', (err) => console.error(`scrumd: PostgreSQL connection lost: ${err.message}`));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    const sqlite = new BetterSqlite3(location);
    sqlite.pragma('journal_mode = WAL');
    // FULL: a write is on disk before the request that made it is answered ("acknowledged" = durable).
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  const migrator = new Migrator({ db, provider: new ScrumdMigrations(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return { db, dialect, close: () => db.destroy() };
}
