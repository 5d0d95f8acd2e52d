/**
 * Bounded delivery history (issue 13): the deliverer keeps the newest N finished deliveries
 * (`--keep-deliveries N`, default 100,000; 0 keeps all) and deletes older finished ones, once at start
 * and then about once a minute (here: faster, through the deliverer's options), never a pending or
 * sending one. A pruned delivery cannot be sent again: "no such delivery". Over real HTTP with handlers
 * on 127.0.0.1, and through `scrumd serve` processes for the flag; on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { delivererOf } from '../src/events/deliverer.js';
import { pruneDeliveries } from '../src/events/retention.js';
import { edb } from '../src/events/schema.js';
import { openStore } from '../src/store/db.js';
import { controlCall, rawCall, startTestServer, type TestServer } from './helpers/harness.js';
import { Receiver } from './helpers/receiver.js';
import { CLI, cliEnv, runCli, scratch, serveProcess, stopProcess } from './helpers/cliProcess.js';

interface Row {
  id: number;
  status: string;
  url: string;
}

const FINISHED = new Set(['delivered', 'failed']);

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a server started with keepDeliveries 5', () => {
  let t: TestServer;
  let ok: Receiver;
  let bad: Receiver;
  let downUrl: string;

  before(async () => {
    t = await startTestServer({ keepDeliveries: 5 });
    ok = await Receiver.start();
    bad = await Receiver.start();
    bad.mode = 500;
    const down = await Receiver.start();
    downUrl = `${down.url}/down`;
    await down.close(); // connection refused: its deliveries wait for their retry (pending)
  });
  after(async () => {
    await t.close();
    await ok.close();
    await bad.close();
  });

  const ctl = (method: string, path: string, body?: unknown) => controlCall(t, method, `/_scrumd${path}`, body);
  const list = async (): Promise<Row[]> => {
    const r = await ctl('GET', '/events/deliveries?limit=1000');
    assert.equal(r.status, 200, r.text);
    return r.body.result as Row[];
  };
  const outgoing = async (url: string): Promise<number> => {
    const r = await ctl('POST', '/webhooks/outgoing', { url, events: 'ONTASKADD' });
    assert.equal(r.status, 200, r.text);
    return Number(r.body.result.id);
  };
  const addTasks = async (n: number) => {
    for (let i = 0; i < n; i++) await t.admin.result('tasks.task.add', { fields: { TITLE: `Task ${i}`, RESPONSIBLE_ID: 1 } });
    const w = await ctl('POST', '/events/wait', { timeout: 20 });
    assert.equal(w.status, 200, w.text);
    assert.equal(w.body.result.pending, 0, 'every delivery attempted');
  };
  const newestFinished = (rows: Row[], n: number) =>
    rows
      .filter((r) => FINISHED.has(r.status))
      .map((r) => r.id)
      .sort((a, b) => b - a)
      .slice(0, n);

  test('keeps the newest 5 finished deliveries (delivered and failed), leaves the pending ones, and prunes again later', async () => {
    const d = delivererOf(t.server.app)!;
    assert.equal(d.options.keepDeliveries, 5, 'the config reaches the deliverer');
    d.options.backoffMs = 600_000; // a failed attempt waits long for its retry: pending throughout
    d.options.pruneEveryMs = 3_600_000; // no pass while the history is made, however slow the machine

    // a handler that is down: 4 deliveries stay pending (retrying); 4 are delivered
    const okHook = await outgoing(`${ok.url}/ok`);
    const downHook = await outgoing(downUrl);
    await addTasks(4);
    assert.equal((await ctl('DELETE', `/webhooks/outgoing/${downHook}`)).status, 200);
    // then a handler answering 500 with one attempt only: 3 failed, 3 more delivered
    d.options.maxAttempts = 1;
    const badHook = await outgoing(`${bad.url}/bad`);
    await addTasks(3);
    d.options.maxAttempts = 5;
    assert.equal((await ctl('DELETE', `/webhooks/outgoing/${badHook}`)).status, 200);

    const before = await list();
    const count = (rows: Row[], status: string) => rows.filter((r) => r.status === status).length;
    assert.deepEqual([count(before, 'delivered'), count(before, 'failed'), count(before, 'pending')], [7, 3, 4], JSON.stringify(before));
    const keep = newestFinished(before, 5);
    assert.ok(keep.some((id) => before.find((r) => r.id === id)!.status === 'failed'), 'failed ones are among the newest kept');
    const pending = before.filter((r) => r.status === 'pending');

    // the pass at start found nothing to prune; the next is due a minute later — make it now
    d.options.pruneEveryMs = 50;
    d.wake();
    const after1 = await until('the pruning', async () => {
      const rows = await list();
      return rows.filter((r) => FINISHED.has(r.status)).length === 5 ? rows : undefined;
    });
    assert.deepEqual(newestFinished(after1, 100), keep, 'exactly the newest 5 finished are kept');
    assert.deepEqual(
      after1.filter((r) => r.status === 'pending'),
      pending,
      'the pending deliveries are untouched',
    );
    assert.equal(after1.length, 9);

    // a pruned delivery cannot be sent again: the "no such delivery" error
    const pruned = before.find((r) => FINISHED.has(r.status) && !keep.includes(r.id))!.id;
    const r = await ctl('POST', `/events/deliveries/${pruned}/redeliver`);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.body.error, 'DELIVERY_NOT_FOUND');
    assert.equal(r.body.error_description, `no delivery ${pruned} (or it is being sent)`);
    // a kept one can
    const kept = after1.find((x) => x.status === 'delivered')!;
    assert.equal((await ctl('POST', `/events/deliveries/${kept.id}/redeliver`)).status, 200);
    await addTasks(0);

    // later events: the next passes keep the newest 5 again
    await addTasks(3);
    const latest = await list();
    const keep2 = newestFinished(latest, 5);
    const after2 = await until('the second pruning', async () => {
      const rows = await list();
      return rows.filter((x) => FINISHED.has(x.status)).length === 5 ? rows : undefined;
    });
    assert.deepEqual(newestFinished(after2, 100), keep2);
    assert.deepEqual(after2.filter((x) => x.status === 'pending'), pending);
    // the outbox is not the history: nothing of it was left behind or touched
    const outbox = await edb(t.server.app.store.db).selectFrom('event_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(outbox.n), 0);
    assert.equal((await ctl('DELETE', `/webhooks/outgoing/${okHook}`)).status, 200);
    d.options.pruneEveryMs = 60_000;
  });
});

describe('a server started with keepDeliveries 0', () => {
  let t: TestServer;
  let ok: Receiver;
  before(async () => {
    t = await startTestServer({ keepDeliveries: 0 });
    ok = await Receiver.start();
  });
  after(async () => {
    await t.close();
    await ok.close();
  });

  test('keeps every delivery; the same deliverer prunes once a number is set', async () => {
    const d = delivererOf(t.server.app)!;
    d.options.pruneEveryMs = 20;
    const hook = await controlCall(t, 'POST', '/_scrumd/webhooks/outgoing', { url: `${ok.url}/all`, events: 'ONTASKADD' });
    assert.equal(hook.status, 200, hook.text);
    for (let i = 0; i < 8; i++) await t.admin.result('tasks.task.add', { fields: { TITLE: `Kept ${i}`, RESPONSIBLE_ID: 1 } });
    assert.equal((await controlCall(t, 'POST', '/_scrumd/events/wait', { timeout: 20 })).body.result.pending, 0);
    await ok.waitFor(8);
    // many pruning intervals (the deliverer's loop wakes at least every pollMs, 500 ms)
    await new Promise((r) => setTimeout(r, 1_200));
    const all = (await controlCall(t, 'GET', '/_scrumd/events/deliveries?limit=1000')).body.result as Row[];
    assert.equal(all.filter((r) => r.status === 'delivered').length, 8, 'nothing pruned with 0');

    d.options.keepDeliveries = 3;
    d.wake();
    const rows = await until('the pruning', async () => {
      const r = (await controlCall(t, 'GET', '/_scrumd/events/deliveries?limit=1000')).body.result as Row[];
      return r.length === 3 ? r : undefined;
    });
    assert.deepEqual(
      rows.map((r) => r.id),
      all.map((r) => r.id).slice(0, 3),
    );
  });
});

describe('two pruning passes at once (several processes on one database)', () => {
  const s = scratch('scrumd-retention-');
  test('delete each row once, fail nothing, and leave the newest N', async () => {
    const location = await s.database('concurrent');
    const one = await openStore(location);
    const two = await openStore(location);
    try {
      const db = edb(one.db);
      const now = Date.now();
      const rows = Array.from({ length: 60 }, (_, i) => ({
        hit_id: `h${i}`,
        dedupe: `d${i}`,
        handler_id: 1,
        app_id: null,
        url: 'http://127.0.0.1:9/x',
        event_name: 'ONTASKADD',
        data: null,
        object_key: `task:${i}`,
        order_key: `1|task:${i}`,
        local_user: 1,
        with_tokens: 'N',
        with_refresh: 'N',
        application_token: '',
        ts: 1,
        event_session: 7,
        // every 7th pending (never pruned), every 5th failed
        status: i % 7 === 3 ? 'pending' : i % 5 === 0 ? 'failed' : 'delivered',
        next_at: now,
        attempts: 1,
        locked_until: 0,
        last_error: null,
        response_code: null,
        response_ms: null,
        delivered_at: null,
        created_at: 1,
      }));
      await db.insertInto('event_deliveries').values(rows).execute();
      const all = await db.selectFrom('event_deliveries').select(['id', 'status']).orderBy('id', 'desc').execute();
      const finished = all.filter((r) => FINISHED.has(r.status)).map((r) => Number(r.id));
      const pending = all.filter((r) => r.status === 'pending').map((r) => Number(r.id));
      const pause = async () => {
        await new Promise((r) => setImmediate(r));
        return true;
      };
      const [a, b] = await Promise.all([pruneDeliveries(one, { keep: 10, batch: 3 }, pause), pruneDeliveries(two, { keep: 10, batch: 3 }, pause)]);
      assert.equal(a + b, finished.length - 10, `${a} + ${b}: each row deleted once`);
      const left = await db.selectFrom('event_deliveries').select(['id', 'status']).orderBy('id', 'desc').execute();
      assert.deepEqual(left.filter((r) => FINISHED.has(r.status)).map((r) => Number(r.id)), finished.slice(0, 10));
      assert.deepEqual(left.filter((r) => r.status === 'pending').map((r) => Number(r.id)), pending);
      // nothing more to do: a pass with as many finished as kept deletes nothing
      assert.equal(await pruneDeliveries(one, { keep: 10, batch: 3 }, pause), 0);
      assert.equal(await pruneDeliveries(one, { keep: 0, batch: 3 }, pause), 0);
      const still = await sql<{ n: number | string }>`select count(*) as n from event_deliveries`.execute(one.db);
      assert.equal(Number(still.rows[0]!.n), 10 + pending.length);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('scrumd serve --keep-deliveries', () => {
  const s = scratch('scrumd-retention-cli-');
  const token = 'retention-control-token-0123456789';

  test('a bad value is refused at start in one line', () => {
    for (const [args, env] of [
      [['--keep-deliveries', '-1'], {}],
      [['--keep-deliveries', 'abc'], {}],
      [[], { SCRUMD_KEEP_DELIVERIES: 'abc' }],
    ] as [string[], Record<string, string>][]) {
      const r = runCli(['serve', '--port', '0', '--database', ':memory:', ...args], env);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      const [first, ...rest] = r.stderr.trim().split('\n');
      assert.match(first!, /^error: .*'--keep-deliveries <n>'.* is invalid\. keep deliveries must be a whole number from 0 to 1000000000\.$/);
      assert.deepEqual(rest, ['(see: scrumd serve --help)'], 'the one line and the usual hint, no help text');
      assert.doesNotMatch(r.stdout, /listening/);
    }
  });

  test('0 keeps every delivery; a restart with 3 (the environment variable) prunes at start; a pruned id cannot be redelivered', async () => {
    const database = await s.database('flag');
    const rx = await Receiver.start();
    try {
      const common = ['--database', database, '--webhook-secret', 'keep', '--control-token', token];
      const ctl = async (origin: string, method: string, path: string, body?: unknown) => {
        const res = await fetch(`${origin}/_scrumd${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return (await res.json()) as { result: any };
      };

      const first = await serveProcess(['--keep-deliveries', '0', ...common], { SCRUMD_LOG_LEVEL: 'silent' }, s.children);
      await ctl(first.origin, 'POST', '/webhooks/outgoing', { url: `${rx.url}/cli`, events: 'ONTASKADD' });
      for (let i = 0; i < 6; i++) {
        const r = await rawCall(`${first.origin}/rest/1/keep/tasks.task.add`, { fields: { TITLE: `CLI ${i}`, RESPONSIBLE_ID: 1 } }, 'json');
        assert.equal(r.status, 200, r.text);
      }
      assert.equal((await ctl(first.origin, 'POST', '/events/wait', { timeout: 20 })).result.pending, 0);
      await new Promise((r) => setTimeout(r, 700)); // the deliverer's loop has looked at pruning since
      const all = (await ctl(first.origin, 'GET', '/events/deliveries?limit=1000')).result as Row[];
      assert.equal(all.filter((r) => r.status === 'delivered').length, 6);
      await stopProcess(first.proc);

      const second = await serveProcess(common, { SCRUMD_LOG_LEVEL: 'silent', SCRUMD_KEEP_DELIVERIES: '3' }, s.children);
      try {
        const rows = await until('the pruning at start', async () => {
          const r = (await ctl(second.origin, 'GET', '/events/deliveries?limit=1000')).result as Row[];
          return r.length === 3 ? r : undefined;
        });
        assert.deepEqual(
          rows.map((r) => r.id),
          all.map((r) => r.id).slice(0, 3),
        );
        const pruned = all[all.length - 1]!.id;
        const r = spawnSync(process.execPath, [...CLI, 'events', 'redeliver', String(pruned), '--server', second.origin, '--control-token', token], {
          env: cliEnv(),
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.equal(r.stderr, `error: no delivery ${pruned} (or it is being sent) (HTTP 404 DELIVERY_NOT_FOUND)\n`);
      } finally {
        await stopProcess(second.proc);
      }
      // and on the database itself, with no server running
      const offline = runCli(['events', 'redeliver', String(all[all.length - 1]!.id), '--database', database]);
      assert.equal(offline.status, 1, offline.stdout + offline.stderr);
      assert.equal(offline.stderr, `error: no delivery ${all[all.length - 1]!.id} (or it is being sent) (DELIVERY_NOT_FOUND)\n`);
    } finally {
      await rx.close();
    }
  });
});
