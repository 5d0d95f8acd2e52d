/**
 * Opening the database: embedded SQLite (better-sqlite3, WAL) or PostgreSQL (pg), both through Kysely,
 * and running the migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
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

export async function openStore(location: string): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (isPostgresUrl(location)) {
    dialect = 'postgres';
    const pool = new pg.Pool({ connectionString: location, max: 10 });
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
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  const migrator = new Migrator({ db, provider: new ScrumdMigrations(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return { db, dialect, close: () => db.destroy() };
}
