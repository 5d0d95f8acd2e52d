/**
 * The control plane of applications and events (spec events.md §2.9, issue 13/14): create a local app,
 * install it, open it (the frame POST of §2.4), finish its installation, bind, change a task, wait for
 * the deliveries, list and redeliver them, outgoing webhooks, uninstall — over real HTTP through
 * `scrumd/testing` and through the command line beside a running `scrumd serve`, with a real receiver
 * on 127.0.0.1 as the application's handler. Bad input gets a JSON error with a 4xx status.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startScrumd, type Scrumd } from '../src/testing.js';
import { createUser } from '../src/domain/users.js';
import { addWebhook } from '../src/domain/webhooks.js';
import { IMPLEMENTED_SCOPES } from '../src/core/scopes.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { rawCall } from './helpers/harness.js';
import { testDatabase, type TestDatabase } from './helpers/database.js';
import { execFile } from 'node:child_process';
import { CLI, cliEnv, scratch, serveProcess, stopProcess } from './helpers/cliProcess.js';
import { Receiver } from './helpers/receiver.js';
import { parsePhpQuery } from '../src/protocol/formDecoding.js';

let s: Scrumd;
let rx: Receiver;
let db: TestDatabase;

before(async () => {
  db = await testDatabase();
  s = await startScrumd({ database: db.location });
  rx = await Receiver.start();
});
after(async () => {
  await s.stop();
  await rx.close();
  await db.drop();
});

/** A raw control call: status and parsed JSON body. */
async function ctl(method: string, path: string, body?: unknown, token: string | null = s.controlToken): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.controlUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const rest = (token: string, method: string, params: Record<string, unknown> = {}) => rawCall(`${s.origin}/rest/${method}`, { ...params, auth: token }, 'json');
const hook = (method: string, params: Record<string, unknown> = {}) => rawCall(`${s.webhookUrl}${method}`, params, 'json');

test('the new operations are in the OpenAPI document', async () => {
  const doc = (await ctl('GET', '/openapi.json', undefined, null)).body;
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
  for (const id of ['createApp', 'listApps', 'installApp', 'openApp', 'finishAppInstallation', 'updateApp', 'uninstallApp', 'createOutgoingWebhook', 'listOutgoingWebhooks', 'deleteOutgoingWebhook', 'listDeliveries', 'redeliver', 'waitForDeliveries']) {
    assert.ok(ids.includes(id), id);
  }
  assert.deepEqual(doc.paths['/_scrumd/apps/{clientId}/open'].post.parameters.map((p: { name: string }) => p.name), ['clientId']);
});

test('an API-only app: created with its installation path, it gets the install callback; install runs it again', async () => {
  rx.received.length = 0;
  const made = await s.apps.create({ title: 'Sync', scope: 'task,user', installUrl: `${rx.url}/callback` });
  assert.match(made.client_id, /^local\.[0-9a-f]{14}\.\d+$/);
  assert.ok(made.client_secret);
  assert.match(made.application_token, /^[0-9a-f]{32}$/);
  assert.equal(made.installed, true);
  assert.deepEqual(await s.events.wait(), { pending: 0, retrying: 0 });
  const [cb] = rx.received;
  assert.equal(cb!.path, '/callback');
  assert.equal(cb!.body.event, 'ONAPPINSTALL');
  assert.deepEqual(cb!.body.data, { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' });
  assert.deepEqual(Object.keys(cb!.body.auth), ['access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token']);
  assert.equal(cb!.body.auth.application_token, made.application_token);
  assert.equal(cb!.body.auth.scope, 'task,user');
  const listed = (await s.apps.list()).find((a) => a.client_id === made.client_id)!;
  assert.deepEqual({ ...listed, id: 0 }, { id: 0, client_id: made.client_id, title: 'Sync', scope: 'task,user', url: null, install_url: `${rx.url}/callback`, only_api: true, installed: true, version: 1, application_token: made.application_token });

  await s.apps.install(made.client_id);
  await s.events.wait();
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONAPPINSTALL', 'ONAPPINSTALL']);
});

test('a UI app: open (the frame POST to its installation path) → bind with AUTH_ID → finish (ONAPPINSTALL) → events → deliveries → redeliver → uninstall', async () => {
  rx.received.length = 0;
  const made = await s.apps.create({ title: 'Board', scope: ['task'], onlyApi: false, url: `${rx.url}/app`, installUrl: `${rx.url}/install?step=1` });
  assert.equal(made.installed, false);
  await s.events.wait();
  assert.equal(rx.received.length, 0, 'nothing sent on creation');

  // the install wizard: the ten keys of the frame POST, decoded PHP-style, and the handler's answer
  const frame = await s.apps.open(made.client_id, { user: 1 });
  assert.equal(frame.install, true);
  assert.equal(frame.status, 200);
  assert.equal(frame.body, 'ok');
  const [post] = rx.received;
  const url = new URL(post!.path, rx.url);
  assert.equal(url.pathname, '/install');
  assert.deepEqual([...url.searchParams.keys()], ['step', 'DOMAIN', 'PROTOCOL', 'LANG', 'APP_SID']);
  assert.equal(url.searchParams.get('DOMAIN'), new URL(s.origin).host);
  assert.equal(url.searchParams.get('PROTOCOL'), '0');
  assert.match(url.searchParams.get('APP_SID')!, /^[0-9a-f]{32}$/);
  assert.equal(post!.contentType, 'application/x-www-form-urlencoded');
  const f = parsePhpQuery(post!.raw) as Record<string, string>;
  assert.deepEqual(Object.keys(f), ['AUTH_ID', 'AUTH_EXPIRES', 'REFRESH_ID', 'SERVER_ENDPOINT', 'APPLICATION_TOKEN', 'APPLICATION_SCOPE', 'member_id', 'status', 'PLACEMENT', 'PLACEMENT_OPTIONS']);
  assert.equal(f.AUTH_EXPIRES, '3600');
  assert.equal(f.SERVER_ENDPOINT, `${s.origin}/rest/`);
  assert.equal(f.APPLICATION_TOKEN, made.application_token);
  assert.equal(f.APPLICATION_SCOPE, 'task');
  assert.match(f.member_id!, /^[0-9a-f]{32}$/);
  assert.equal(f.status, 'L');
  assert.equal(f.PLACEMENT, 'DEFAULT');
  assert.equal(f.PLACEMENT_OPTIONS, '[]');

  // the wizard binds with the token it got; app.info says not installed yet
  const A = f.AUTH_ID!;
  assert.equal((await rest(A, 'app.info')).body.result.INSTALLED, false);
  for (const event of ['ONAPPINSTALL', 'ONTASKUPDATE', 'ONAPPUPDATE', 'ONAPPUNINSTALL']) {
    assert.equal((await rest(A, 'event.bind', { event, handler: `${rx.url}/events` })).body.result, true, event);
  }
  // a non-administrator cannot open an app that is not installed
  const userId = await createUser(s.server.app.store.db, { email: `plain.${process.pid}@example.com`, fields: { NAME: 'Plain' } }, nowSeconds());
  const denied = await ctl('POST', `/apps/${made.client_id}/open`, { user: userId });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error, 'APP_NOT_INSTALLED');

  rx.received.length = 0;
  await s.apps.finish(made.client_id);
  await s.events.wait();
  assert.deepEqual(rx.received.map((r) => [r.path, r.body.event]), [['/events', 'ONAPPINSTALL']]);
  assert.equal(rx.received[0]!.body.data.INSTALLED, 'Y');
  assert.equal((await rest(A, 'app.info')).body.result.INSTALLED, true);
  const again = await ctl('POST', `/apps/${made.client_id}/finish`, {});
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'ALREADY_INSTALLED');

  // installed: opening goes to the handler path, with the placement options given
  rx.received.length = 0;
  const page = await s.apps.open(made.client_id, { user: userId, options: { ID: 7 } });
  assert.equal(page.install, false);
  assert.equal(new URL(rx.received[0]!.path, rx.url).pathname, '/app');
  assert.equal(rx.received[0]!.body.PLACEMENT_OPTIONS, '{"ID":7}');

  // a change, its delivery, the record, a redelivery
  rx.received.length = 0;
  const task = (await hook('tasks.task.add', { fields: { TITLE: 'Loop', RESPONSIBLE_ID: 1 } })).body.result.task;
  await hook('tasks.task.update', { taskId: task.id, fields: { TITLE: 'Loop 2' } });
  assert.deepEqual(await s.events.wait(5), { pending: 0, retrying: 0 });
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONTASKUPDATE']);
  assert.equal(rx.received[0]!.body.data.FIELDS_AFTER.ID, String(task.id));
  const listed = await s.events.deliveries({ event: 'ontaskupdate', handler: `${rx.url}/events` });
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.status, 'delivered');
  assert.equal(listed[0]!.response_code, 200);
  assert.equal((await s.events.deliveries({ handler: listed[0]!.handler_id })).length >= 1, true);
  assert.deepEqual(await s.events.deliveries({ event: 'ONTASKUPDATE', status: 'failed' }), []);
  await s.events.redeliver(listed[0]!.id);
  await s.events.wait();
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONTASKUPDATE', 'ONTASKUPDATE']);
  assert.notEqual(rx.received[1]!.body.auth.access_token, rx.received[0]!.body.auth.access_token, 'fresh tokens');

  rx.received.length = 0;
  await s.apps.update(made.client_id, 2);
  await s.events.wait();
  assert.deepEqual(rx.received.map((r) => [r.body.event, r.body.data.VERSION, r.body.data.PREVIOUS_VERSION]), [['ONAPPUPDATE', '2', '1']]);

  rx.received.length = 0;
  await s.apps.uninstall(made.client_id);
  await s.events.wait();
  assert.deepEqual(rx.received.map((r) => r.body.event), ['ONAPPUNINSTALL']);
  assert.equal(rx.received[0]!.body.auth.access_token, undefined);
  assert.equal((await s.apps.list()).some((a) => a.client_id === made.client_id), false);
  assert.equal((await ctl('POST', `/apps/${made.client_id}/open`, {})).status, 404);
});

test('outgoing webhooks: create, deliveries with their application_token, list, delete', async () => {
  rx.received.length = 0;
  const w = await s.webhooks.addOutgoing(`${rx.url}/out`, ['ONTASKADD']);
  assert.match(w.application_token, /^[0-9a-z]{32}$/);
  assert.deepEqual(w.events, ['ONTASKADD']);
  assert.deepEqual(await s.webhooks.listOutgoing(), [w]);
  await hook('tasks.task.add', { fields: { TITLE: 'Out', RESPONSIBLE_ID: 1 } });
  await s.events.wait();
  assert.deepEqual(rx.received.map((r) => [r.path, r.body.event, r.body.auth.application_token]), [['/out', 'ONTASKADD', w.application_token]]);
  await s.webhooks.deleteOutgoing(w.id);
  assert.deepEqual(await s.webhooks.listOutgoing(), []);
  assert.equal((await ctl('DELETE', `/webhooks/outgoing/${w.id}`)).status, 404);
});

test('wait answers how many are still pending when its time runs out', async () => {
  rx.received.length = 0;
  rx.mode = 'hang';
  try {
    const w = await s.webhooks.addOutgoing(`${rx.url}/slow`, 'ONTASKADD');
    await hook('tasks.task.add', { fields: { TITLE: 'Slow', RESPONSIBLE_ID: 1 } });
    assert.deepEqual(await s.events.wait(0.3), { pending: 1, retrying: 0 });
    await s.webhooks.deleteOutgoing(w.id);
  } finally {
    rx.mode = 200;
  }
});

test('bad input: a JSON error with a 4xx status', async () => {
  const userId = await createUser(s.server.app.store.db, { email: `nonadmin.${process.pid}@example.com`, fields: { NAME: 'Non' } }, nowSeconds());
  await addWebhook(s.server.app.store.db, { userId, scopes: IMPLEMENTED_SCOPES }, nowSeconds());
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/apps/local.nope.1/install', {}, 404, 'APP_NOT_FOUND'],
    ['POST', '/apps/local.nope.1/open', {}, 404, 'APP_NOT_FOUND'],
    ['POST', '/apps/local.nope.1/finish', {}, 404, 'APP_NOT_FOUND'],
    ['POST', '/apps/local.nope.1/update', { version: 2 }, 404, 'APP_NOT_FOUND'],
    ['DELETE', '/apps/local.nope.1', undefined, 404, 'APP_NOT_FOUND'],
    ['POST', '/apps', { installUrl: 'ftp://example.com/x' }, 400, 'INVALID_URL'],
    ['POST', '/apps', { url: 'not a url' }, 400, 'INVALID_URL'],
    ['POST', '/apps', { scope: '' }, 400, 'EMPTY_SCOPE'],
    ['POST', '/apps', { scope: 'task,crm' }, 400, 'UNKNOWN_SCOPE'],
    ['POST', '/apps', { onlyApi: 'no' }, 400, 'INVALID_ARGUMENT'],
    ['POST', '/apps', { user: userId }, 403, 'ACCESS_DENIED'],
    ['POST', '/apps', { user: 999999 }, 404, 'USER_NOT_FOUND'],
    ['POST', '/apps', { user: 'x' }, 400, 'INVALID_ARGUMENT'],
    ['POST', '/apps', '{', 400, 'INVALID_JSON'],
    ['POST', '/webhooks/outgoing', { url: 'javascript:alert(1)', events: 'ONTASKADD' }, 400, 'INVALID_URL'],
    ['POST', '/webhooks/outgoing', { url: `${rx.url}/x`, events: 'ONAPPINSTALL' }, 400, 'INVALID_EVENTS'],
    ['POST', '/webhooks/outgoing', { url: `${rx.url}/x`, events: 'ONTASKADD', user: userId }, 403, 'ACCESS_DENIED'],
    ['DELETE', '/webhooks/outgoing/abc', undefined, 400, 'INVALID_ARGUMENT'],
    ['GET', '/events/deliveries?status=lost', undefined, 400, 'INVALID_FILTER'],
    ['GET', '/events/deliveries?limit=-1', undefined, 400, 'INVALID_ARGUMENT'],
    ['POST', '/events/deliveries/99999999/redeliver', undefined, 404, 'DELIVERY_NOT_FOUND'],
    ['POST', '/events/wait', { timeout: 601 }, 400, 'INVALID_ARGUMENT'],
    ['POST', '/events/wait', { timeout: '1' }, 400, 'INVALID_ARGUMENT'],
  ];
  for (const [method, path, body, status, error] of cases) {
    const r = await ctl(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error, error, `${method} ${path}`);
    assert.equal(typeof r.body.error_description, 'string');
  }
  const made = await s.apps.create({ scope: 'task', onlyApi: false });
  const r = await ctl('POST', `/apps/${made.client_id}/update`, { version: 2, user: userId });
  assert.deepEqual([r.status, r.body.error], [403, 'ACCESS_DENIED']);
  const noUrl = await ctl('POST', `/apps/${made.client_id}/open`, {});
  assert.deepEqual([noUrl.status, noUrl.body.error], [400, 'NO_APP_URL']);
  assert.equal((await ctl('GET', '/apps', undefined, null)).status, 401);
  assert.equal((await ctl('GET', '/apps', undefined, 'wrong')).status, 401);
});

// --- the same through the command line beside a running `scrumd serve` -------------------------------

const sc = scratch('scrumd-control-events-');

/** A CLI run that leaves this process's event loop free (the receiver answers from it). */
function runCli(args: string[], extra: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { env: cliEnv(extra), encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test('the command line: app add → list → open → finish → events wait/list/redeliver → outgoing webhooks → uninstall, through the running server', async () => {
  const database = await sc.database('cli');
  const rxc = await Receiver.start();
  const srv = await serveProcess(['--database', database, '--webhook-secret', 'clisecret'], { SCRUMD_LOG_LEVEL: 'silent' }, sc.children);
  try {
    const cli = async (args: string[]) => {
      const r = await runCli([...args, '--database', database], { SCRUMD_LOG_LEVEL: 'silent' });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    };
    const [made] = await cli(['app', 'add', '--title', 'Cli', '--scope', 'task', '--ui', '--redirect-uri', `${rxc.url}/app`, '--install-url', `${rxc.url}/install`]);
    assert.match(made.application_token, /^[0-9a-f]{32}$/);
    assert.equal(made.installed, false);
    assert.deepEqual((await cli(['app', 'list'])).map((a) => [a.client_id, a.installed, a.url]), [[made.client_id, false, `${rxc.url}/app`]]);

    const [frame] = await cli(['app', 'open', '--client-id', made.client_id, '--user', '1']);
    assert.deepEqual([frame.install, frame.status, frame.body], [true, 200, 'ok']);
    const A = rxc.received[0]!.body.AUTH_ID as string;
    assert.equal(rxc.received[0]!.body.PLACEMENT_OPTIONS, '[]');
    for (const event of ['ONAPPINSTALL', 'ONTASKUPDATE']) {
      assert.equal((await rawCall(`${srv.origin}/rest/event.bind`, { event, handler: `${rxc.url}/events`, auth: A }, 'json')).body.result, true);
    }
    rxc.received.length = 0;
    await cli(['app', 'finish', '--client-id', made.client_id]);
    const task = (await rawCall(`${srv.origin}/rest/1/clisecret/tasks.task.add`, { fields: { TITLE: 'Cli', RESPONSIBLE_ID: 1 } }, 'json')).body.result.task;
    await rawCall(`${srv.origin}/rest/1/clisecret/tasks.task.update`, { taskId: task.id, fields: { TITLE: 'Cli 2' } }, 'json');
    assert.deepEqual(await cli(['events', 'wait', '--timeout', '20']), [{ pending: 0, retrying: 0 }]);
    assert.deepEqual(rxc.received.map((r) => r.body.event), ['ONAPPINSTALL', 'ONTASKUPDATE']);
    const listed = await cli(['events', 'list', '--event', 'ONTASKUPDATE', '--status', 'delivered']);
    assert.equal(listed.length, 1);
    await cli(['events', 'redeliver', String(listed[0].id)]);
    await cli(['events', 'wait']);
    assert.deepEqual(rxc.received.map((r) => r.body.event), ['ONAPPINSTALL', 'ONTASKUPDATE', 'ONTASKUPDATE']);

    const [w] = await cli(['webhook', 'add', '--user', '1', '--outgoing', `${rxc.url}/out`, '--events', 'ONTASKADD']);
    assert.deepEqual(await cli(['webhook', 'list']), [w]);
    await cli(['webhook', 'delete', String(w.id)]);
    assert.deepEqual(await cli(['webhook', 'list']), []);

    rxc.received.length = 0;
    await cli(['app', 'uninstall', '--client-id', made.client_id]);
    assert.deepEqual(await cli(['app', 'list']), []);

    // errors: one line, exit 1
    const nope = await runCli(['app', 'open', '--client-id', 'local.nope.1', '--database', database], { SCRUMD_LOG_LEVEL: 'silent' });
    assert.equal(nope.status, 1);
    assert.match(nope.stderr, /no application with client id local\.nope\.1 .*APP_NOT_FOUND/);
    const bad = await runCli(['app', 'add', '--install-url', 'ftp://x', '--database', database], { SCRUMD_LOG_LEVEL: 'silent' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /INVALID_URL/);
  } finally {
    await stopProcess(srv.proc);
    await rxc.close();
  }
});

test('open keeps the first 256 KB of a large page and answers the handler status as it is', async () => {
  const { createServer } = await import('node:http');
  const big = createServer((q, r) => {
    q.resume();
    q.on('end', () => r.writeHead(418, { 'content-type': 'text/html' }).end('x'.repeat(3 * 1024 * 1024)));
  });
  await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
  try {
    const port = (big.address() as { port: number }).port;
    const made = await s.apps.create({ scope: 'task', onlyApi: false, url: `http://127.0.0.1:${port}/page` });
    const page = await s.apps.open(made.client_id);
    assert.equal(page.status, 418);
    assert.equal(page.contentType, 'text/html');
    assert.equal(page.body.length, 256 * 1024);
  } finally {
    big.closeAllConnections();
    await new Promise<void>((r) => big.close(() => r()));
  }
});
