/**
 * Applications (issue 13 §1) with the command line beside a running server: the install callback of
 * an API-only app, installation gating of an app with a UI, uninstall, and `scrumd events list/redeliver`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { delivererOf } from '../src/events/deliverer.js';
import { rawCall, startTestServer, type TestServer } from './helpers/harness.js';
import { runCli } from './helpers/cliProcess.js';
import { testDatabase, testingPostgres } from './helpers/database.js';
import { Receiver } from './helpers/receiver.js';

let t: TestServer;
let rx: Receiver;
let db: string;
const cleanups: (() => Promise<void> | void)[] = [];

before(async () => {
  if (testingPostgres()) {
    const d = await testDatabase();
    cleanups.push(() => d.drop());
    db = d.location;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'scrumd-apps-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    db = join(dir, 'portal.db');
  }
  t = await startTestServer({ database: db });
  rx = await Receiver.start();
});
after(async () => {
  await t.close();
  await rx.close();
  for (const f of cleanups.reverse()) await f();
});

function cli(args: string[]): any {
  const r = runCli([...args, '--database', db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() === '' ? undefined : r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}
const idle = () => delivererOf(t.server.app)!.idle();
async function call(token: string, method: string, params: Record<string, unknown> = {}) {
  return rawCall(`${t.origin}/rest/${method}`, { ...params, auth: token }, 'json');
}

test('an API-only app with an installation path gets the install callback with tokens and refresh token', async () => {
  const [made] = cli(['app', 'add', '--scope', 'task,user', '--install-url', `${rx.url}/install`]);
  await rx.waitFor(1);
  await idle();
  const [cb] = rx.received.filter((r) => r.path === '/install');
  assert.ok(cb);
  const b = cb.body;
  assert.equal(b.event, 'ONAPPINSTALL');
  assert.match(b.event_handler_id, /^\d+$/);
  assert.deepEqual(b.data, { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' });
  assert.deepEqual(Object.keys(b.auth), ['access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token']);
  assert.equal(b.auth.user_id, '1');
  assert.equal(b.auth.scope, 'task,user');
  // the token works; the callback's handler row is an ordinary binding, listed for admins
  const listed = await call(b.auth.access_token, 'event.get');
  assert.deepEqual(listed.body.result, [{ event: 'ONAPPINSTALL', handler: `${rx.url}/install`, auth_type: '0', offline: 0 }]);
  assert.ok(made.client_id);
});

test('an app with a UI gets no events until installed; uninstall sends ONAPPUNINSTALL without tokens and ends its tokens', async () => {
  rx.received.length = 0;
  const [made] = cli(['app', 'add', '--scope', 'task', '--ui', '--install-url', `${rx.url}/wizard`]);
  await idle();
  assert.equal(rx.received.length, 0);
  const [tok] = cli(['token', '--client-id', made.client_id, '--user', '1']);
  const A = tok.access_token;
  for (const ev of ['ONAPPINSTALL', 'ONTASKADD', 'ONAPPUNINSTALL']) {
    assert.equal((await call(A, 'event.bind', { event: ev, handler: `${rx.url}/ui` })).body.result, true);
  }
  assert.equal((await call(A, 'app.info')).body.result.INSTALLED, false);
  await t.admin.result('tasks.task.add', { fields: { TITLE: 'Before install', RESPONSIBLE_ID: 1 } });
  await idle();
  assert.equal(rx.received.length, 0, 'nothing before the installation is finished');

  cli(['app', 'install', '--client-id', made.client_id]);
  await rx.waitFor(1);
  await idle();
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONAPPINSTALL']);
  assert.equal(rx.received[0]!.body.data.INSTALLED, 'Y');
  assert.equal((await call(A, 'app.info')).body.result.INSTALLED, true);
  await t.admin.result('tasks.task.add', { fields: { TITLE: 'After install', RESPONSIBLE_ID: 1 } });
  await idle();
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONAPPINSTALL', 'ONTASKADD']);

  rx.received.length = 0;
  assert.equal((await call(A, 'event.bind', { event: 'ONAPPUPDATE', handler: `${rx.url}/ui` })).body.result, true);
  cli(['app', 'update', '--client-id', made.client_id, '--app-version', '2']);
  await rx.waitFor(1);
  await idle();
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONAPPUPDATE']);
  assert.deepEqual(rx.received[0]!.body.data, { VERSION: '2', PREVIOUS_VERSION: '1', LANGUAGE_ID: 'en' });
  assert.ok(rx.received[0]!.body.auth.refresh_token);
  assert.deepEqual(((await call(A, 'event.get')).body.result as { event: string }[]).map((r) => r.event).sort(), ['ONAPPUNINSTALL', 'ONAPPUPDATE', 'ONTASKADD'], 'ONAPPINSTALL handlers removed');

  rx.received.length = 0;
  cli(['app', 'uninstall', '--client-id', made.client_id]);
  await rx.waitFor(1);
  await idle();
  const [u] = rx.received;
  assert.equal(u!.body.event, 'ONAPPUNINSTALL');
  assert.deepEqual(u!.body.data, { CLEAN: '1', LANGUAGE_ID: 'en' });
  assert.deepEqual(Object.keys(u!.body.auth), ['domain', 'client_endpoint', 'server_endpoint', 'member_id', 'application_token']);
  assert.notEqual((await call(A, 'event.get')).status, 200);

  // the record of deliveries, and a redelivery
  const list = cli(['events', 'list', '--limit', '3']);
  assert.equal(list[0].event_name, 'ONAPPUNINSTALL');
  assert.equal(list[0].status, 'delivered');
  assert.equal(list[0].response_code, 200);
  cli(['events', 'redeliver', String(list[0].id)]);
  await rx.waitFor(2);
  assert.equal(rx.received[1]!.body.event, 'ONAPPUNINSTALL');
});

test('an outgoing webhook gets its events with the five-key auth block and its own application_token', async () => {
  rx.received.length = 0;
  const [hook] = cli(['webhook', 'add', '--user', '1', '--outgoing', `${rx.url}/outgoing`, '--events', 'ONTASKADD,ONTASKUPDATE']);
  assert.match(hook.application_token, /^[0-9a-z]{32}$/);
  const task = await t.admin.result('tasks.task.add', { fields: { TITLE: 'Outgoing', RESPONSIBLE_ID: 1 } });
  await idle();
  const got = rx.received.filter((r) => r.path === '/outgoing');
  assert.deepEqual(got.map((r) => r.body.event), ['ONTASKADD']);
  const b = got[0]!.body;
  assert.equal(b.data.FIELDS_AFTER.ID, String(task.task.id));
  assert.deepEqual(b.auth, {
    domain: new URL(t.origin).host,
    client_endpoint: `${t.origin}/rest/`,
    server_endpoint: `${t.origin}/rest/`,
    member_id: b.auth.member_id,
    application_token: hook.application_token,
  });
  assert.match(b.auth.member_id, /^[0-9a-f]{32}$/);
});
