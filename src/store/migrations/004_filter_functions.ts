import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The functions the list filters call (Unicode case folding, substring position, LIKE with the
 * value's own wildcards, lists bound as one JSON parameter; see src/store/sqlFunctions.ts, which
 * registers the same names on every SQLite connection). PostgreSQL only: SQLite keeps nothing in the
 * schema. The statements are written out here, as this migration ran them.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  // ICU's root collation lower-cases every alphabet whatever the database's LC_CTYPE is; a server
  // built without ICU folds with the database's lower() (Unicode-wide under a UTF-8 locale).
  const r = await sql<{ icu: boolean }>`select (exists (select 1 from pg_collation where collname = 'und-x-icu')
      and pg_encoding_to_char(d.encoding) = 'UTF8') as icu from pg_database d where d.datname = current_database()`.execute(db);
  const lower = r.rows[0]?.icu ? sql.raw(`lower(t collate "und-x-icu")`) : sql.raw(`lower(t)`);
  await sql`create or replace function scrumd_fold(t text) returns text language sql immutable strict parallel safe
    as $$ select replace(${lower}, 'ς', 'σ') $$`.execute(db);
  await sql`create or replace function scrumd_position(h text, n text) returns integer language sql immutable strict parallel safe
    as $$ select strpos(scrumd_fold(h), scrumd_fold(n)) $$`.execute(db);
  await sql`create or replace function scrumd_like(v text, p text) returns boolean language sql immutable strict parallel safe
    as $$ select scrumd_fold(v) like scrumd_fold(p) escape '' $$`.execute(db);
  await sql`create or replace function scrumd_int_list(list text) returns table(value bigint) language sql immutable strict parallel safe
    as $$ select e::bigint from json_array_elements_text(list::json) e $$`.execute(db);
  await sql`create or replace function scrumd_text_list(list text) returns table(value text) language sql immutable strict parallel safe
    as $$ select e from json_array_elements_text(list::json) e $$`.execute(db);
}
