/**
 * Which tables were written, and when, on a SQLite database this one process alone writes: what
 * remembered reads (prepared.ts) check before answering from memory. Time is a counter of write
 * statements. A write to a table also counts for every table its foreign keys' actions may change
 * (a deleted user takes its webhooks and memberships along: ON DELETE CASCADE), as the schema says.
 * A statement whose table cannot be told counts for every table.
 *
 * Other connections (`scrumd user add`, a script, the sqlite3 shell) may commit to the same file at any
 * time; their statements are not seen here. SQLite tells: `PRAGMA data_version` changes on a connection
 * when another connection has committed since it was last read. A commit seen that way counts for every
 * table. The pragma costs about as much as a point read (it opens a read transaction), so where the
 * server says when a request begins (`requestBegins`) it is read once per request, at the first
 * remembered answer the request would get; until then it is read before every remembered answer.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { memoized } from '../core/memo.js';

/** The table an INSERT, REPLACE, UPDATE or DELETE writes (Kysely quotes it; hand-written SQL may not). */
const WRITE = /^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?[\s(]/i;

/**
 * Statements that write no rows themselves: a COMMIT makes rows visible that were counted when written.
 * A ROLLBACK (of the transaction or to a savepoint) is not among them: it changes back rows that may
 * have been read after they were written, so it counts as a write of every table.
 */
const TRANSACTION_CONTROL = /^\s*(?:begin|commit|end|savepoint|release)\b/i;

export interface WriteClock {
  /** the count of write statements so far */
  now(): number;
  /**
   * Whether none of these tables was written after `at` (a value of now()), by this connection or —
   * when SQLite says another connection committed since the last look — by another.
   */
  unchangedSince(tables: readonly string[], at: number): boolean;
  /**
   * The tables a statement may read: every table of the schema whose name occurs in it as a word,
   * quoted or not (never fewer than it reads; a column that shares a table's name only adds one).
   * Undefined while the schema is unknown.
   */
  tablesIn(sql: string): readonly string[] | undefined;
}

export class WriteTracker implements WriteClock {
  private clock = 0;
  /** the last write that may have changed any table */
  private everything = 0;
  private readonly last = new Map<string, number>();
  /** table → itself and the tables a write to it may change too; unknown until the schema is read */
  private reach: Map<string, readonly string[]> | undefined;
  /** tablesIn, once the schema is known (remembered by statement: the same few statements recur) */
  private tablesOf: ((sql: string) => readonly string[]) | undefined;
  /** reads the connection's `PRAGMA data_version`; known with the schema */
  private dataVersion: (() => unknown) | undefined;
  /** its value at the last look */
  private seenVersion: unknown;
  /** requestBegins was ever called: look once per request instead of before every remembered answer */
  private perRequest = false;
  /** the current request has looked already */
  private looked = false;

  /** Reads the tables and their foreign keys' actions (after the migrations). */
  learnSchema(sqlite: BetterSqlite3.Database): void {
    const tables = (sqlite.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[]).filter(
      (t) => !t.startsWith('sqlite_'),
    );
    /** table → the tables whose rows its writes may change directly */
    const direct = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
    for (const child of tables) {
      const keys = sqlite.prepare(`select "table", on_update, on_delete from pragma_foreign_key_list(?)`).all(child) as {
        table: string;
        on_update: string;
        on_delete: string;
      }[];
      for (const k of keys) {
        const acts = (a: string) => a !== 'NO ACTION' && a !== 'RESTRICT';
        if (acts(k.on_update) || acts(k.on_delete)) direct.get(k.table)?.add(child);
      }
    }
    const reach = new Map<string, readonly string[]>();
    for (const t of tables) {
      const seen = new Set<string>([t]);
      const todo = [t];
      while (todo.length > 0) for (const c of direct.get(todo.pop()!) ?? []) if (!seen.has(c)) (seen.add(c), todo.push(c));
      reach.set(t, [...seen]);
    }
    this.reach = reach;
    const names = new RegExp(`\\b(${tables.map((t) => t.replace(/[^A-Za-z0-9_]/g, '\\$&')).join('|')})\\b`, 'gi');
    // lower-cased table name → the name as the schema has it (SQL names are case-insensitive)
    const canonical = new Map(tables.map((t) => [t.toLowerCase(), t]));
    this.tablesOf = memoized((sql: string) => [...new Set(Array.from(sql.matchAll(names), (m) => canonical.get(m[1]!.toLowerCase())!))], 2_000);
    const version = sqlite.prepare('pragma data_version').pluck();
    this.dataVersion = () => version.get();
    this.seenVersion = this.dataVersion();
    this.everything = ++this.clock;
  }

  /**
   * A request begins: the next remembered answer first asks SQLite whether another connection
   * committed (once for the whole request: what another process committed before the request began is
   * seen; what it commits while the request runs may or may not be, as with any concurrent write).
   */
  requestBegins(): void {
    this.perRequest = true;
    this.looked = false;
  }

  /** Counts a commit of another connection, if SQLite reports one since the last look, for every table. */
  private lookForOtherConnections(): void {
    if (this.perRequest && this.looked) return;
    this.looked = true;
    const version = this.dataVersion?.();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.everything = ++this.clock;
  }

  tablesIn(sql: string): readonly string[] | undefined {
    return this.tablesOf?.(sql);
  }

  /** Counts a statement that may have written (anything but a SELECT), after it ran. */
  wrote(sql: string): void {
    this.clock++;
    const table = WRITE.exec(sql)?.[1];
    const tables = table === undefined ? undefined : this.reach?.get(table);
    if (tables) for (const t of tables) this.last.set(t, this.clock);
    else if (!TRANSACTION_CONTROL.test(sql)) this.everything = this.clock;
  }

  now(): number {
    return this.clock;
  }

  unchangedSince(tables: readonly string[], at: number): boolean {
    this.lookForOtherConnections();
    if (this.everything > at) return false;
    for (const t of tables) if ((this.last.get(t) ?? 0) > at) return false;
    return true;
  }
}
