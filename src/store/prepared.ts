/**
 * Queries that run on (nearly) every request, built and compiled by Kysely once instead of on every
 * call. Kysely builds an immutable operation tree for each query and compiles it to SQL each time it
 * runs; for a point lookup that costs as much as running it. A prepared query is written as usual,
 * with its arguments standing in for the values; it is compiled the first time per database (SQL and
 * placeholders differ between dialects) and afterwards only its parameters are filled in. On SQLite
 * the statement itself is then reused by the store's prepared-statement cache.
 *
 *     const entityById = preparedQuery((db, id: number) => db.selectFrom('scrum_entities').selectAll().where('id', '=', id));
 *     const row = await entityById.first(db, 5);
 *
 * The builder must use its arguments only as values (not as table or column names, not in `in`
 * lists), and build the same query whatever the arguments are.
 */
import { CompiledQuery, sql, type Compilable, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { WriteClock } from './writeTracking.js';

/** Stands in for the argument at `index` while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

export interface PreparedQuery<A extends unknown[], R> {
  /** every row (frozen when remembered) */
  all(db: Kysely<Database>, ...args: A): Promise<readonly R[]>;
  /** the first row, or undefined */
  first(db: Kysely<Database>, ...args: A): Promise<R | undefined>;
  /** runs a statement that returns no rows; resolves with the number of rows it changed */
  run(db: Kysely<Database>, ...args: A): Promise<number>;
}

/**
 * How the store lets prepared reads bypass Kysely (registered per database by the store; SQLite only).
 */
export interface DirectReader {
  /**
   * Runs a reading statement at once, without Kysely's executor and connection lock, when that is the
   * same as running it through Kysely: undefined when it is not (a transaction is open on the
   * connection, whose statements must not be mixed into it).
   */
  read(sql: string, parameters: readonly unknown[]): unknown[] | undefined;
  /**
   * Only for a database one serving process alone uses (see `remember` below): which tables were
   * written when, through this database — or by another connection, as SQLite reports it. Absent:
   * nothing is remembered.
   */
  writes?: WriteClock;
  /**
   * The same clock, also on a transaction's reader (where `writes` is absent, so that prepared reads
   * are not remembered there): for the queries remembered `inTransactions`. Rows read inside a write
   * transaction and kept against it stay right: the transaction holds SQLite's write lock (no other
   * connection commits meanwhile), its own writes count when they run, and a ROLLBACK counts as a write
   * of every table (writeTracking.ts) — so rows it read after writing them are forgotten if they never
   * commit.
   */
  clock?: WriteClock;
}

const directReaders = new WeakMap<Kysely<Database>, DirectReader>();

/** The store registers the direct reader of its database (SQLite: one synchronous connection). */
export function registerDirectReader(db: Kysely<Database>, reader: DirectReader): void {
  directReaders.set(db, reader);
}

export interface PreparedOptions {
  /**
   * Remember the rows found, per arguments: a later call with the same arguments answers from memory
   * instead of running the statement again, until a table the query reads is written. Only where the store allows it (a
   * SQLite database one process serves: `:memory:` or a file served without `--workers`), only
   * outside transactions, and only rows that were found (an empty answer is read again next time). A
   * write to any table the query may read (any table its SQL names) or that such a table's foreign
   * keys' actions reach forgets them at once; a commit of another connection to the file (`scrumd user
   * add` while the server runs, a script) forgets everything before the next request is answered
   * (writeTracking.ts: `PRAGMA data_version`). The rows are frozen: callers must copy, not change them.
   * For the lookups that (nearly) every call makes: credentials, a sprint, a group role.
   */
  remember?: boolean;
  /**
   * With `remember`: remember also what is read inside a transaction (its reader carries the same
   * write clock: DirectReader.clock says why that is right), and empty answers too. For the reads every
   * write makes on its own transaction (the handlers of a raised event, the member id), where most
   * answers are empty (no handler bound).
   */
  inTransactions?: boolean;
}

/** At most this many remembered answers per prepared query; beyond it the query starts afresh. */
const REMEMBERED_PER_QUERY = 10_000;
/** At most this many remembered answers of statements built at run time (their keys are whole SQL texts). */
const REMEMBERED_BUILT = 1_000;

interface Remembered {
  /** the write clock when they were read */
  at: number;
  rows: readonly unknown[];
}

function frozen(rows: unknown[]): readonly unknown[] {
  for (const r of rows) Object.freeze(r);
  return Object.freeze(rows);
}

/**
 * Rows of a reading statement run directly: from `remembered` while none of the tables it reads was
 * written since, else read (and remembered when something was found and the store allows it).
 * Undefined when the statement cannot run directly now.
 */
function readRemembering(
  direct: DirectReader,
  writes: WriteClock | undefined,
  remembered: Map<unknown, Remembered>,
  limit: number,
  key: unknown,
  sql: string,
  parameters: () => readonly unknown[],
  empty = false,
): readonly unknown[] | undefined {
  const tables = writes?.tablesIn(sql);
  if (!writes || !tables || tables.length === 0) return direct.read(sql, parameters());
  const hit = remembered.get(key);
  if (hit !== undefined && writes.unchangedSince(tables, hit.at)) return hit.rows;
  const at = writes.now();
  const found = direct.read(sql, parameters());
  if (found === undefined || (found.length === 0 && !empty)) return found;
  if (remembered.size >= limit) remembered.clear();
  const rows = frozen(found);
  remembered.set(key, { at, rows });
  return rows;
}

/** Remembered answers of statements built at run time (rememberedRows), by SQL and parameters. */
const builtMemory = new WeakMap<Kysely<Database>, Map<unknown, Remembered>>();

/**
 * The rows of a SELECT built at run time (a list's count, say), remembered like a prepared query
 * with `remember`, keyed by its SQL and parameters. Where the store remembers nothing (PostgreSQL,
 * several processes, inside a transaction) it simply runs.
 */
export async function rememberedRows<R>(db: Kysely<Database>, query: Compilable<R>): Promise<readonly R[]> {
  const compiled = query.compile();
  const direct = directReaders.get(db);
  if (direct?.writes) {
    let remembered = builtMemory.get(db);
    if (!remembered) builtMemory.set(db, (remembered = new Map()));
    const key = `${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`;
    const found = readRemembering(direct, direct.writes, remembered, REMEMBERED_BUILT, key, compiled.sql, () => compiled.parameters);
    if (found) return found as readonly R[];
  }
  return (await db.executeQuery<R>(compiled)).rows;
}

export function preparedQuery<A extends unknown[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
  options: PreparedOptions = {},
): PreparedQuery<A, R> {
  // One compiled form per adapter: a transaction shares its database's adapter, so it shares the entry.
  const compiled = new WeakMap<object, { sql: string; parameters: readonly unknown[] }>();
  const compiledFor = (db: Kysely<Database>) => {
    const adapter = db.getExecutor().adapter;
    let c = compiled.get(adapter);
    if (!c) {
      const slots = Array.from({ length: build.length - 1 }, (_, i) => new Slot(i)) as unknown as A;
      const q = build(db, ...slots).compile();
      c = { sql: q.sql, parameters: q.parameters };
      compiled.set(adapter, c);
    }
    return c;
  };
  const parametersOf = (c: { parameters: readonly unknown[] }, args: A) => c.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
  const execute = (db: Kysely<Database>, args: A) => {
    const c = compiledFor(db);
    return db.executeQuery<R>(CompiledQuery.raw(c.sql, parametersOf(c, args)));
  };
  // per write clock: a database and its transactions share one
  const memory = options.remember ? new WeakMap<WriteClock, Map<unknown, Remembered>>() : undefined;
  /** Rows read directly, remembered where allowed; undefined when they cannot be read directly now. */
  const directRows = (db: Kysely<Database>, direct: DirectReader, args: A): readonly R[] | undefined => {
    const c = compiledFor(db);
    const parameters = () => parametersOf(c, args);
    const writes = direct.writes ?? (options.inTransactions ? direct.clock : undefined);
    if (!memory || !writes) return direct.read(c.sql, parameters()) as R[] | undefined;
    let remembered = memory.get(writes);
    if (!remembered) memory.set(writes, (remembered = new Map()));
    // numbers and strings only (ids, hashes): the one argument itself, or all of them in one string
    const key = args.length === 1 ? args[0] : args.join('\u0000');
    return readRemembering(direct, writes, remembered, REMEMBERED_PER_QUERY, key, c.sql, parameters, options.inTransactions) as readonly R[] | undefined;
  };
  /** Rows of a reading query: directly where the store allows it (not inside a transaction), else through Kysely. */
  const rows = async (db: Kysely<Database>, args: A): Promise<readonly R[]> => {
    const direct = directReaders.get(db);
    if (direct) {
      const found = directRows(db, direct, args);
      if (found) return found;
    }
    return (await execute(db, args)).rows;
  };
  return {
    all: (db, ...args) => rows(db, args),
    first: async (db, ...args) => (await rows(db, args))[0],
    run: async (db, ...args) => Number((await execute(db, args)).numAffectedRows ?? 0),
  };
}

/**
 * A LIMIT written into the SQL rather than bound: SQLite plans with the value of a bound LIMIT, so a
 * statement whose LIMIT is a parameter is re-prepared (parsed and planned again) on every run — for a
 * point lookup that more than doubles its cost.
 */
export function limitLiteral(n: number): RawBuilder<number> {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a row count: ${n}`);
  return sql.lit(n);
}
