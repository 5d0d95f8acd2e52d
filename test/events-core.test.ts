/**
 * The event core (issue 13): the event-session loop limit (spec events.md §5.7), event times on the
 * sandbox clock, and per-object delivery order — over real HTTP, with handlers on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { addOauthApp, findApp, issueCode } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { delivererOf } from '../src/events/deliverer.js';
import { parsePhpQuery } from '../src/protocol/formDecoding.js';
import { rawCall, controlCall, startTestServer, toReply, type TestServer } from './helpers/harness.js';
import { Receiver, type Received } from './helpers/receiver.js';

let t: TestServer;
let A: string; // token of the app for admin 1, from the token endpoint (event session 7)
let B: string; // token of another app for admin 1 (its offline queue sees A's changes)
let clientId: string;
let clientSecret: string;

async function call(token: string, method: string, params: Record<string, unknown> = {}) {
  return rawCall(`${t.origin}/rest/${method}`, { ...params, auth: token }, 'json');
}
async function ok(token: string, method: string, params: Record<string, unknown> = {}) {
  const r = await call(token, method, params);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}
const idle = () => delivererOf(t.server.app)!.idle();

/** A token pair the way an application gets one: an authorization code exchanged at /oauth/token/. */
async function tokenFromEndpoint(userId: number): Promise<string> {
  const db = t.server.app.store.db;
  const code = await issueCode(db, (await findApp(db, clientId))!, userId, t.server.app.clock.nowSeconds());
  const q = new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, client_secret: clientSecret, code });
  const r = await toReply(await fetch(`${t.origin}/oauth/token/?${q}`));
  assert.equal(r.status, 200, r.text);
  return r.body.access_token as string;
}

async function clock(path: string, body?: unknown) {
  const r = await controlCall(t, 'POST', `/_scrumd/clock/${path}`, body);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

async function newTask(title: string): Promise<number> {
  return Number((await t.admin.result('tasks.task.add', { fields: { TITLE: title, RESPONSIBLE_ID: 1 } })).task.id);
}

before(async () => {
  t = await startTestServer();
  const made = await addOauthApp(t.server.app.store.db, { title: 'Core app', scopes: ['task', 'sonet_group', 'user'] }, nowSeconds());
  clientId = made.clientId;
  clientSecret = made.clientSecret;
  A = await tokenFromEndpoint(1);
  const other = await addOauthApp(t.server.app.store.db, { title: 'Watcher', scopes: ['task'] }, nowSeconds());
  const code = await issueCode(t.server.app.store.db, (await findApp(t.server.app.store.db, other.clientId))!, 1, nowSeconds());
  const q = new URLSearchParams({ grant_type: 'authorization_code', client_id: other.clientId, client_secret: other.clientSecret, code });
  B = (await toReply(await fetch(`${t.origin}/oauth/token/?${q}`))).body.access_token;
});
after(async () => {
  await t.close();
});

describe('the event session stops handler loops (spec events.md §5.7)', () => {
  test('a handler that answers each ONTASKUPDATE with tasks.task.update and the delivery token stops after 7 generations', async () => {
    const rx = await Receiver.start();
    try {
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', handler: `${rx.url}/loop` }), true);
      const id = await newTask('Looping');
      await idle();

      /** The handler: every delivery it gets is answered by an update made with that delivery's token. */
      const chain = async (): Promise<number> => {
        let answered = 0;
        for (let round = 0; round < 12; round++) {
          await idle();
          const fresh = rx.received.slice(answered);
          if (fresh.length === 0) break;
          for (const d of fresh) {
            answered++;
            assert.equal(d.body.data.FIELDS_AFTER.ID, String(id));
            // the token works in every generation, the last one too: only its events are not raised
            await ok(d.body.auth.access_token, 'tasks.task.update', { taskId: id, fields: { TITLE: `Generation ${answered}` } });
          }
        }
        await idle();
        return rx.received.length;
      };

      // a webhook call starts at 7: seven generations of deliveries, then none
      rx.received.length = 0;
      await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'Start' } });
      assert.equal(await chain(), 7);

      // a token from the token endpoint carries 7: the call made with it runs with 6
      rx.received.length = 0;
      await ok(A, 'tasks.task.update', { taskId: id, fields: { TITLE: 'Start by the app' } });
      assert.equal(await chain(), 6);

      // a webhook chain is not limited: each delivery answered through the incoming webhook raises the next
      rx.received.length = 0;
      await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'Webhook chain' } });
      for (let n = 1; n <= 10; n++) {
        await idle();
        assert.equal(rx.received.length, n);
        await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: `Webhook ${n}` } });
      }
      await idle();
      assert.equal(rx.received.length, 11);
    } finally {
      await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', handler: `${rx.url}/loop` });
      await rx.close();
    }
  });

  test('an exhausted call records no offline event either', async () => {
    const rx = await Receiver.start();
    try {
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', handler: `${rx.url}/gen` }), true);
      assert.equal(await ok(B, 'event.bind', { event: 'ONTASKDELETE', event_type: 'offline' }), true);
      const id = await newTask('Exhausted');
      await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'x' } });
      // follow the chain to its last token (event session 1: its calls run with 0)
      let token = '';
      for (let n = 1; n <= 7; n++) {
        await idle();
        assert.equal(rx.received.length, n);
        token = rx.received[n - 1]!.body.auth.access_token;
        if (n < 7) await ok(token, 'tasks.task.update', { taskId: id, fields: { TITLE: `g${n}` } });
      }
      await ok(token, 'tasks.task.delete', { taskId: id });
      await idle();
      assert.equal(rx.received.length, 7);
      const pending = await ok(B, 'event.offline.list');
      assert.deepEqual(pending.filter((r: { EVENT_NAME: string }) => r.EVENT_NAME === 'ONTASKDELETE'), []);
      // …while a delete made with A's first token is recorded
      const other = await newTask('Recorded');
      await ok(A, 'tasks.task.delete', { taskId: other });
      const after = await ok(B, 'event.offline.list');
      assert.deepEqual(after.filter((r: { EVENT_NAME: string }) => r.EVENT_NAME === 'ONTASKDELETE').map((r: { EVENT_DATA: { FIELDS_BEFORE: { ID: number } } }) => r.EVENT_DATA.FIELDS_BEFORE.ID), [other]);
    } finally {
      await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', handler: `${rx.url}/gen` });
      await ok(B, 'event.unbind', { event: 'ONTASKDELETE', event_type: 'offline' });
      await rx.close();
    }
  });
});

describe('event times follow the sandbox clock', () => {
  test('ts, token expiry, offline TIMESTAMP_X and the delivery record are the frozen time', async () => {
    const rx = await Receiver.start();
    // frozen in the past: the app's token (minted on real time) stays valid under it
    const frozen = Date.parse('2025-03-04T05:06:07Z') / 1000;
    try {
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', handler: `${rx.url}/clock` }), true);
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', event_type: 'offline' }), true);
      const id = await newTask('Timed');
      await clock('freeze', { time: '2025-03-04T05:06:07Z' });
      await t.admin.result('tasks.task.update', { taskId: id, fields: { TITLE: 'At a frozen time' } });
      await idle();
      const [d] = rx.received;
      assert.ok(d);
      assert.equal(d.body.ts, String(frozen));
      assert.equal(d.body.auth.expires, String(frozen + 3600));
      assert.equal(d.body.auth.expires_in, '3600');
      assert.equal((await ok(d.body.auth.access_token, 'tasks.task.get', { taskId: id })).task.id, String(id)); // valid on the portal's clock
      const [rec] = (await ok(A, 'event.offline.list')).filter((r: { EVENT_DATA: { FIELDS_AFTER: { ID: number } } }) => r.EVENT_DATA.FIELDS_AFTER.ID === id);
      assert.equal(rec.TIMESTAMP_X, '2025-03-04T05:06:07+00:00');
      const row = await t.server.app.store.db
        .selectFrom('event_deliveries' as never)
        .select(['ts', 'created_at', 'delivered_at', 'status'] as never)
        .where('handler_id' as never, '=', Number(d.body.event_handler_id) as never)
        .executeTakeFirstOrThrow() as { ts: number; created_at: number; delivered_at: number; status: string };
      assert.deepEqual({ ts: Number(row.ts), created_at: Number(row.created_at), delivered_at: Number(row.delivered_at), status: row.status }, { ts: frozen, created_at: frozen, delivered_at: frozen, status: 'delivered' });
    } finally {
      await clock('reset');
      await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', handler: `${rx.url}/clock` });
      await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', event_type: 'offline' });
      await rx.close();
    }
  });
});

describe('delivery order (spec events.md §5.5)', () => {
  test('updates of one task reach a slow handler in the order they were made; another task is not held up', async () => {
    interface Arrival { at: number; body: Received['body'] }
    const arrivals: Arrival[] = [];
    let step = 0;
    const tick = () => ++step; // a logical clock: the order of arrivals and answers
    let answeredFirstAt = 0;
    let otherArrived: () => void = () => {};
    const otherSeen = new Promise<void>((r) => (otherArrived = r));
    let firstId = 0;
    let otherId = 0;
    const T0 = Date.parse('2025-06-01T00:00:00Z') / 1000;
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(JSON.stringify(parsePhpQuery(raw)));
        const first = Number(body.data.FIELDS_AFTER.ID) === firstId && Number(body.ts) === T0;
        arrivals.push({ at: tick(), body });
        if (Number(body.data.FIELDS_AFTER.ID) === otherId) otherArrived();
        if (!first) return void res.writeHead(200).end('ok');
        // the first delivery is answered only once the other task's delivery has arrived (or after 10 s)
        const cap = setTimeout(otherArrived, 10_000);
        void otherSeen.then(() => {
          clearTimeout(cap);
          answeredFirstAt = tick();
          res.writeHead(200).end('ok');
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/ordered`;
    try {
      assert.equal(await ok(A, 'event.bind', { event: 'ONTASKUPDATE', handler: url }), true);
      firstId = await newTask('Ordered');
      otherId = await newTask('Other');
      await idle();
      // the clock tells the updates apart: each delivery's ts is the time of its change
      await clock('freeze', { time: '2025-06-01T00:00:00Z' });
      await t.admin.result('tasks.task.update', { taskId: firstId, fields: { TITLE: 'one' } });
      await clock('advance', { seconds: 1 });
      await t.admin.result('tasks.task.update', { taskId: firstId, fields: { TITLE: 'two' } });
      await clock('advance', { seconds: 1 });
      await t.admin.result('tasks.task.update', { taskId: firstId, fields: { TITLE: 'three' } });
      await t.admin.result('tasks.task.update', { taskId: otherId, fields: { TITLE: 'other' } });
      await idle();
      assert.equal(arrivals.length, 4);
      const ofFirst = arrivals.filter((a) => Number(a.body.data.FIELDS_AFTER.ID) === firstId);
      assert.deepEqual(ofFirst.map((a) => Number(a.body.ts)), [T0, T0 + 1, T0 + 2], 'in the order made');
      const other = arrivals.find((a) => Number(a.body.data.FIELDS_AFTER.ID) === otherId)!;
      assert.ok(answeredFirstAt > 0);
      assert.ok(other.at < answeredFirstAt, 'the other task was delivered while the first answer was pending');
      assert.ok(ofFirst[1]!.at > answeredFirstAt, 'the second update was sent only after the first was answered');
    } finally {
      await clock('reset');
      await ok(A, 'event.unbind', { event: 'ONTASKUPDATE', handler: url });
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
