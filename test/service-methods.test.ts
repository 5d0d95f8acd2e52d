/** Service methods (protocol.md §8, checklist 67–71). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { errorOf, startTestServer, type Client, type TestServer } from './helpers/harness.js';

let t: TestServer;
let w: Client; // scopes task, sonet_group, like the checklist's webhook W
before(async () => {
  t = await startTestServer();
  w = await t.user({ scopes: ['task', 'sonet_group'] });
});
after(() => t.close());

test('scope lists the granted scopes in order; full=true a superset (checklist 68)', async () => {
  assert.deepEqual(await w.result('scope'), ['task', 'sonet_group']);
  const full: string[] = await w.result('scope', { full: true });
  for (const s of ['task', 'sonet_group', 'socialnetwork', 'user', 'user_basic', 'user_brief', 'tasks']) assert.ok(full.includes(s), s);
  assert.deepEqual(await w.result('scope', { FULL: 'Y' }), full);
  assert.deepEqual(await w.result('scope', { full: 0 }), ['task', 'sonet_group']);
});

test('methods: by scope, global only, all (checklist 69)', async () => {
  const global: string[] = await w.result('methods', { scope: '' });
  for (const m of ['batch', 'scope', 'methods', 'method.get', 'server.time', 'profile', 'app.info']) assert.ok(global.includes(m), m);
  assert.ok(!global.includes('sonet_group.create'));
  const sonet: string[] = await w.result('methods', { scope: 'sonet_group' });
  assert.ok(sonet.includes('sonet_group.create'));
  assert.ok(!sonet.includes('batch'));
  const mine: string[] = await w.result('methods');
  assert.ok(mine.includes('sonet_group.create') && mine.includes('batch'));
  // Controller methods are never listed.
  const all: string[] = await w.result('methods', { full: true });
  assert.ok(!all.some((m) => m.startsWith('tasks.api.')));
  for (const m of all) assert.equal(m, m.toLowerCase());
  const noSonet = await t.user({ scopes: ['task'] });
  assert.ok(!(await noSonet.result('methods')).includes('sonet_group.create'));
});

test('method.get (checklist 70)', async () => {
  assert.deepEqual(await w.result('method.get', { name: 'batch' }), { isExisting: true, isAvailable: true });
  assert.deepEqual(await w.result('method.get', { name: 'no.such' }), { isExisting: false, isAvailable: false });
  assert.deepEqual(await w.result('method.get'), { isExisting: false, isAvailable: false });
  assert.deepEqual(await w.result('method.get', { name: 'tasks.api.scrum.sprint.get' }), { isExisting: true, isAvailable: true });
  const noTask = await t.user({ scopes: ['sonet_group'] });
  assert.deepEqual(await noTask.result('method.get', { name: 'tasks.api.scrum.backlog.get' }), { isExisting: true, isAvailable: false });
  assert.deepEqual(await w.result('method.get', { name: 'SERVER.TIME' }), { isExisting: false, isAvailable: false });
});

test('app.info for a webhook (checklist 71)', async () => {
  assert.deepEqual(await w.result('app.info'), { SCOPE: ['task', 'sonet_group'], LICENSE: 'en_selfhosted' });
});

test('server.time and profile need no scope', async () => {
  const bare = await t.user({ scopes: [] });
  assert.match(await bare.result('server.time'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  const p = await bare.result('profile');
  assert.deepEqual(Object.keys(p), ['ID', 'ADMIN', 'NAME', 'LAST_NAME', 'PERSONAL_GENDER', 'TIME_ZONE']);
  assert.equal(p.ID, String(bare.userId));
  assert.deepEqual(errorOf(await bare.call('tasks.api.scrum.backlog.getFields')).error, 'insufficient_scope');
});

test('user.admin tells whether the caller is an administrator, without any scope', async () => {
  assert.equal(await t.admin.result('user.admin'), true);
  const bare = await t.user({ scopes: [] });
  assert.equal(await bare.result('user.admin'), false);
  assert.ok((await w.result('methods', { scope: '' })).includes('user.admin'));
});
