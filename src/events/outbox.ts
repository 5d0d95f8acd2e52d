/**
 * The event outbox (migration 010). A raised event is written as ONE row in the change's transaction
 * (raise.ts): its data, its hit and the handlers selected then, each with what its delivery needs
 * (URL, user, application token…) — the handlers are selected synchronously inside the operation
 * (spec events.md §5.1 step 2), so a handler unbound, or an app uninstalled, after the change still
 * receives the event, as in the real service whose per-hit buffer already holds it. The deliverer
 * fans the rows out into `event_deliveries` (one row per handler URL and user) later, in one
 * transaction per batch: the row goes and its deliveries come in the same commit, so a committed
 * change always gets its deliveries (after a crash too: the row stays until fanned out) and a rolled-
 * back one never has a row. Identical events of one hit collapse per handler URL and user (§5.6) by the
 * deliveries' unique dedupe key, computed here.
 *
 * Order: rows are fanned out in id order and their deliveries take increasing ids, so the deliveries
 * of one handler and object keep the order the events were raised in. On PostgreSQL, processes fan out
 * one at a time (a transaction-scoped advisory lock): two processes never fan out the same row, and the
 * deliveries of a later row never get smaller ids than those of an earlier one.
 */
import { createHash } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/db.js';
import { edb, type EventDeliveryTable, type EventOutboxTable } from './schema.js';
import type { Selectable } from 'kysely';

/** One handler of an outbox row: [handler id, app id, URL, local user, with tokens, with refresh, application token]. */
export type OutboxTarget = [number, number | null, string, number, 0 | 1, 0 | 1, string];

/** The events written through the outbox: those whose objects no directly written event shares (raise.ts). */
export function viaOutbox(event: string): boolean {
  return event.startsWith('ONTASK') || event === 'ONUSERADD';
}

/** An arbitrary constant: the advisory lock of the fan-out (PostgreSQL). */
const FAN_OUT_LOCK = 0x5c12_0d0b;

/** Rows fanned out per transaction. */
const FAN_OUT_BATCH = 200;

type OutboxRow = Selectable<EventOutboxTable>;

/** Fans out up to `limit` outbox rows in one transaction; returns how many rows went. */
export async function fanOutBatch(store: Store, limit = FAN_OUT_BATCH): Promise<number> {
  return store.transaction(async (trx) => {
    if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${FAN_OUT_LOCK})`.execute(trx);
    const taken = await sql<OutboxRow>`
      delete from event_outbox where id in (select id from event_outbox order by id limit ${limit})
      returning *`.execute(trx);
    const rows = taken.rows.map((r) => ({ ...r, id: Number(r.id) })).sort((a, b) => a.id - b.id);
    if (rows.length === 0) return 0;
    await insertDeliveries(trx, rows);
    return rows.length;
  });
}

/** Fans out the whole outbox (what is there now); returns how many rows went. */
export async function fanOut(store: Store): Promise<number> {
  let n = 0;
  for (;;) {
    const k = await fanOutBatch(store);
    n += k;
    if (k < FAN_OUT_BATCH) return n;
  }
}

async function insertDeliveries(db: Kysely<Database>, rows: OutboxRow[]): Promise<void> {
  const nowMs = Date.now(); // scheduling of the deliverer: real time
  const out: Insertable<EventDeliveryTable>[] = [];
  for (const r of rows) {
    const targets = JSON.parse(r.targets) as OutboxTarget[];
    const ts = Number(r.ts);
    const session = Number(r.event_session);
    for (const [handlerId, appId, url, localUser, withTokens, withRefresh, token] of targets) {
      // prefixed with the (time-ordered) hit id: see Hit.hitId
      const dedupe = `${r.hit_id}.${createHash('sha256')
        .update([r.hit_id, appId ?? '', url, localUser, token, session, r.event_name, r.data ?? ''].join('\u0000'))
        .digest('hex')}`;
      out.push({
        hit_id: r.hit_id,
        dedupe,
        handler_id: handlerId,
        app_id: appId,
        url,
        event_name: r.event_name,
        data: r.data,
        object_key: r.object_key,
        order_key: `${handlerId}|${r.object_key}`,
        local_user: localUser,
        with_tokens: withTokens ? 'Y' : 'N',
        with_refresh: withRefresh ? 'Y' : 'N',
        application_token: token,
        ts,
        event_session: session,
        status: 'pending',
        attempts: 0,
        next_at: nowMs,
        locked_until: 0,
        created_at: Number(r.created_at),
      });
    }
  }
  const e = edb(db);
  // in order, at most 500 rows per statement; an identical delivery of the same hit is dropped (§5.6)
  for (let i = 0; i < out.length; i += 500) {
    await e
      .insertInto('event_deliveries')
      .values(out.slice(i, i + 500))
      .onConflict((oc) => oc.column('dedupe').doNothing())
      .execute();
  }
}
