/**
 * Bounded delivery history: the newest `keep` finished deliveries (`delivered` or `failed`) are kept,
 * older finished ones deleted. Pending and sending deliveries are never touched, nor the outbox. The
 * deliverer (deliverer.ts) runs a pass about once a minute and once at start, when the API is quiet,
 * each statement bounded: the cut-off is found by walking the (status, id) index 5,000 entries at a
 * time, and rows below it go `batch` at a time (1,000 by default: about 6 ms on SQLite, whose statements
 * hold the event loop) — cheap on SQLite and PostgreSQL alike, and the API gets its turn between two
 * statements. Measured with 200,000 rows of ~700 bytes, keep 100,000: the cut-off in 50 ms (SQLite)
 * and 85 ms (PostgreSQL), the deletion of 100,000 rows in about 1.2 s of statements on either.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/db.js';

/** `serve --keep-deliveries` when not given. */
export const DEFAULT_KEEP_DELIVERIES = 100_000;

const FINISHED = ['delivered', 'failed'] as const;

/**
 * Index entries a cut-off statement walks at most (ids only, from the (status, id) index: about 2 ms on
 * SQLite). Deleting costs far more per row (the row and its five index entries): its batch is smaller.
 */
const CUTOFF_STEP = 5_000;

/**
 * The `k`-th newest finished delivery id below `below` (any id when undefined), or undefined when
 * there are fewer than `k`. The newest k of both statuses together are among the newest k of each, so
 * two index walks of k entries and a sort of at most 2k ids answer it exactly, whatever the planner.
 */
async function kthNewestFinished(db: Kysely<Database>, k: number, below: number | undefined): Promise<number | undefined> {
  const under = below === undefined ? sql`` : sql`and id < ${below}`;
  const newest = (status: string) => sql`select id from (select id from event_deliveries where status = ${status} ${under} order by id desc limit ${k})`;
  const r = await sql<{ id: number | string }>`
    select id from (
      ${newest(FINISHED[0])} d
      union all
      ${newest(FINISHED[1])} f
    ) u
    order by id desc
    limit 1 offset ${k - 1}`.execute(db);
  const id = r.rows[0]?.id;
  return id === undefined ? undefined : Number(id);
}

/**
 * The id below which finished deliveries go: the keep-th newest finished id (the keep-th itself stays).
 * Undefined when there are no more than `keep` finished deliveries. `pause` runs between two statements.
 */
export async function retentionCutoff(db: Kysely<Database>, keep: number, pause: () => Promise<boolean>, step = CUTOFF_STEP): Promise<number | undefined> {
  let below: number | undefined;
  let left = keep;
  while (left > 0) {
    const k = Math.min(left, step);
    const id = await kthNewestFinished(db, k, below);
    if (id === undefined) return undefined;
    below = id;
    left -= k;
    if (left > 0 && !(await pause())) return undefined;
  }
  return below;
}

/**
 * Deletes up to `batch` finished deliveries with an id below `cutoff`; answers how many went. On
 * PostgreSQL the rows are taken with SKIP LOCKED: two processes pruning at once delete different rows
 * (neither waits for the other, no deadlock), and a row a redelivery is setting back to pending is left.
 */
export async function deleteFinishedBelow(store: Store, cutoff: number, batch: number): Promise<number> {
  const lock = store.dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const r = await sql`
    delete from event_deliveries where id in (
      select id from event_deliveries
      where status in (${FINISHED[0]}, ${FINISHED[1]}) and id < ${cutoff}
      limit ${batch}
      ${lock}
    )`.execute(store.db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * One pass: finds the cut-off and deletes below it in batches. `pause` runs before every statement but
 * the first and answers false to stop the pass (the server is stopping). Answers how many rows went.
 */
export async function pruneDeliveries(
  store: Store,
  opts: { keep: number; batch: number },
  pause: () => Promise<boolean>,
): Promise<number> {
  if (opts.keep <= 0) return 0;
  const cutoff = await retentionCutoff(store.db, opts.keep, pause);
  if (cutoff === undefined) return 0;
  let deleted = 0;
  for (;;) {
    if (!(await pause())) break;
    const n = await deleteFinishedBelow(store, cutoff, opts.batch);
    deleted += n;
    if (n < opts.batch) break;
  }
  return deleted;
}
