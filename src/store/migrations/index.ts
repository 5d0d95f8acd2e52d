/**
 * The migrations, one list for both dialects. Each migration receives the few dialect-specific
 * pieces it needs (the auto-increment id column) through its context.
 */
import type { CreateTableBuilder, Kysely, Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_initial.js';
import * as m002 from './002_tasks_epics_kanban.js';
import * as m003 from './003_oauth_limits.js';
import * as m004 from './004_filter_functions.js';
import * as m005 from './005_events.js';
import * as m006 from './006_board_sign_in.js';
import * as m007 from './007_event_session.js';
import * as m008 from './008_sprint_history.js';
import * as m009 from './009_event_delivery_claim.js';
import * as m010 from './010_event_outbox.js';

export type Dialect = 'sqlite' | 'postgres';

export interface MigrationContext {
  dialect: Dialect;
  /**
   * The integer column type: 64-bit on both (SQLite's INTEGER already is; PostgreSQL's is not), so any
   * id a client sends — PHP integers are 64-bit — compares without an out-of-range error.
   */
  int: 'integer' | 'bigint';
  /** Adds the table's auto-increment integer primary key `id`; ids are never reused. */
  idColumn: <T extends string>(t: CreateTableBuilder<T, never>) => CreateTableBuilder<T, 'id'>;
}

type Step = { up(db: Kysely<any>, ctx: MigrationContext): Promise<void> };
const steps: Record<string, Step> = { '001_initial': m001, '002_tasks_epics_kanban': m002, '003_oauth_limits': m003, '004_filter_functions': m004, '005_events': m005, '006_board_sign_in': m006, '007_event_session': m007, '008_sprint_history': m008, '009_event_delivery_claim': m009, '010_event_outbox': m010 };

export class ScrumdMigrations implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const ctx: MigrationContext = {
      dialect: this.dialect,
      int: this.dialect === 'sqlite' ? 'integer' : 'bigint',
      idColumn: (t) =>
        this.dialect === 'sqlite'
          ? t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
          : t.addColumn('id', 'bigserial', (c) => c.primaryKey()),
    };
    const out: Record<string, Migration> = {};
    for (const [name, step] of Object.entries(steps)) out[name] = { up: (db) => step.up(db, ctx) };
    return out;
  }
}
