/**
 * Migrations are history: a migration that ran on a deployed database must build the same schema
 * forever, whatever the code around it becomes. So each one states its own DDL (it imports nothing
 * from the live schema description, src/store/schema.ts, or any other code that changes with the
 * application), and the schema the first migrations build is compared with a dump recorded when they
 * were written (test/fixtures/schema-after-003.*.txt): SQLite's sqlite_master; PostgreSQL's columns,
 * constraints and indexes from its catalogue.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { ScrumdMigrations, type Dialect } from '../src/store/migrations/index.js';
import { testDatabase, testingPostgres } from './helpers/database.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MIGRATIONS = join(HERE, '..', 'src', 'store', 'migrations');
/** the last migration whose schema the fixtures record */
const RECORDED = '003_oauth_limits';

/** The schema as text, one object per line, in a stable order (Kysely's own bookkeeping tables left out). */
async function dumpSchema(db: Kysely<any>, dialect: Dialect): Promise<string> {
  if (dialect === 'sqlite') {
    const rows = await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`
      select type, name, tbl_name, sql from sqlite_master
      where name not like 'sqlite_%' and tbl_name not like 'kysely_%' order by tbl_name, type desc, name`.execute(db);
    return rows.rows.map((r) => `${r.type} ${r.tbl_name}.${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`).join('\n') + '\n';
  }
  const columns = await sql<{ line: string }>`
    select format('column %s.%s #%s %s nullable=%s default=%s', table_name, column_name, ordinal_position, data_type, is_nullable,
                  coalesce(column_default, '-')) as line
    from information_schema.columns where table_schema = current_schema() and table_name not like 'kysely_%'
    order by table_name, ordinal_position`.execute(db);
  const constraints = await sql<{ line: string }>`
    select format('constraint %s.%s %s: %s', c.conrelid::regclass, c.conname, c.contype, pg_get_constraintdef(c.oid)) as line
    from pg_constraint c where c.connamespace = current_schema()::regnamespace and c.conrelid::regclass::text not like 'kysely_%'
    order by c.conrelid::regclass::text, c.conname`.execute(db);
  const indexes = await sql<{ line: string }>`
    select format('index %s.%s: %s', tablename, indexname, indexdef) as line
    from pg_indexes where schemaname = current_schema() and tablename not like 'kysely_%' order by tablename, indexname`.execute(db);
  const sequences = await sql<{ line: string }>`
    select format('sequence %s %s', sequence_name, data_type) as line
    from information_schema.sequences where sequence_schema = current_schema() and sequence_name not like 'kysely_%'
    order by sequence_name`.execute(db);
  return [...columns.rows, ...constraints.rows, ...indexes.rows, ...sequences.rows].map((r) => r.line).join('\n') + '\n';
}

/** Runs the migrations up to `RECORDED` on a fresh database of the dialect and dumps the schema. */
async function schemaAfterRecorded(dialect: Dialect): Promise<string> {
  const database = dialect === 'postgres' ? await testDatabase() : undefined;
  const db =
    dialect === 'postgres'
      ? new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database!.location, max: 1 }) }) })
      : new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  try {
    const { error, results } = await new Migrator({ db, provider: new ScrumdMigrations(dialect) }).migrateTo(RECORDED);
    if (error) throw error;
    assert.deepEqual(
      results?.map((r) => r.migrationName),
      ['001_initial', '002_tasks_epics_kanban', '003_oauth_limits'],
    );
    return await dumpSchema(db, dialect);
  } finally {
    await db.destroy();
    await database?.drop();
  }
}

function recorded(dialect: Dialect): string {
  return readFileSync(join(HERE, 'fixtures', `schema-after-003.${dialect}.txt`), 'utf8');
}

test('migrations 001–003 build the schema recorded when they were written (SQLite)', async () => {
  assert.equal(await schemaAfterRecorded('sqlite'), recorded('sqlite'));
});

test('migrations 001–003 build the schema recorded when they were written (PostgreSQL)', { skip: !testingPostgres() && 'SCRUMD_TEST_DIALECT=postgres is not set' }, async () => {
  assert.equal(await schemaAfterRecorded('postgres'), recorded('postgres'));
});

test('a migration imports nothing but Kysely and the migration context: its DDL is its own', () => {
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{3}_.*\.ts$/.test(f));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const source = readFileSync(join(MIGRATIONS, f), 'utf8');
    const imports = Array.from(source.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'/gm), (m) => m[1]!);
    for (const from of imports) assert.ok(from === 'kysely' || from === './index.js', `${f} imports ${from}: the migration would change with it`);
  }
});
