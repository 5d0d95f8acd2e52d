/**
 * Event delivery yields to the API (issue 13, Performance): while a REST request is being served the
 * deliverer does not claim, and it claims anyway after its longest deferral (no starvation) — over
 * real HTTP, with a handler on 127.0.0.1 and a REST request held open by sending its body slowly.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { addOauthApp, findApp, issueCode } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { delivererOf } from '../src/events/deliverer.js';
import { rawCall, startTestServer, toReply, type TestServer } from './helpers/harness.js';
import { Receiver } from './helpers/receiver.js';

let t: TestServer;
let rx: Receiver;
let token: string;

before(async () => {
  t = await startTestServer();
  rx = await Receiver.start();
  const db = t.server.app.store.db;
  const made = await addOauthApp(db, { title: 'Priority app', scopes: ['task'] }, nowSeconds());
  const code = await issueCode(db, (await findApp(db, made.clientId))!, 1, t.server.app.clock.nowSeconds());
  const q = new URLSearchParams({ grant_type: 'authorization_code', client_id: made.clientId, client_secret: made.clientSecret, code });
  const r = await toReply(await fetch(`${t.origin}/oauth/token/?${q}`));
  assert.equal(r.status, 200, r.text);
  token = r.body.access_token as string;
});
after(async () => {
  await rx.close();
  await t.close();
});

/** A REST call whose body is sent in two parts: the request is being served until `finish` is called. */
function heldCall(url: string): { finish: () => Promise<{ status: number; text: string }> } {
  const body = JSON.stringify({ padding: 'x'.repeat(32) });
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 5));
  req.flushHeaders();
  return {
    finish: async () => {
      req.end(body.slice(5));
      return answered;
    },
  };
}

test('deliveries wait while a REST request is being served, and go anyway after the longest deferral (no starvation)', async () => {
  const deliverer = delivererOf(t.server.app)!;
  // a longer deferral than the default 1 s, so that "not yet" below is not a race on a busy machine
  deliverer.options.maxDeferMs = 4_000;
  const bound = await rawCall(`${t.origin}/rest/event.bind`, { auth: token, event: 'ONTASKUPDATE', handler: `${rx.url}/h` }, 'json');
  assert.equal(bound.status, 200, bound.text);
  const task = Number((await t.admin.result('tasks.task.add', { fields: { TITLE: 'Priority', RESPONSIBLE_ID: 1 } })).task.id);
  await deliverer.idle();
  assert.equal(rx.received.length, 0);

  const held = heldCall(`${t.admin.base}/server.time`);
  try {
    // the held request has reached the server (its headers were read) before the change is made
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await t.admin.result('tasks.task.update', { taskId: task, fields: { TITLE: 'Priority, updated' } });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(rx.received.length, 0, 'no delivery while a REST request is being served');
    // ...but not forever: it goes while the request is still held
    const got = await rx.waitFor(1, 30_000);
    assert.equal(got[0]!.body.event, 'ONTASKUPDATE');
    assert.equal(Number(got[0]!.body.data.FIELDS_AFTER.ID), task);
    assert.ok(Date.now() - started < 30_000);
  } finally {
    const answer = await held.finish();
    assert.equal(answer.status, 200, answer.text);
    deliverer.options.maxDeferMs = 1_000;
  }
  // once the API is quiet, deliveries go at once (well within the deferral)
  const before = rx.received.length;
  await t.admin.result('tasks.task.update', { taskId: task, fields: { TITLE: 'Priority, quiet' } });
  deliverer.options.maxDeferMs = 60_000;
  try {
    await rx.waitFor(before + 1, 20_000);
  } finally {
    deliverer.options.maxDeferMs = 1_000;
  }
  await deliverer.idle();
});
