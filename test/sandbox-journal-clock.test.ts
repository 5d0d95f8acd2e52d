/**
 * The sandbox control API, second part, over real HTTP on SQLite and PostgreSQL alike: the request
 * journal (plain calls, batch commands, secrets absent, filters, count, clear, size 0), the portal's
 * clock (envelope time, dates written, OAuth token expiry and authorization codes, the limits windows),
 * and the limit-state setters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOauthApp, findApp, issueCode } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { ADMIN_SECRET, rawCall, controlCall, startTestServer, toReply, type TestServer } from './helpers/harness.js';

const ctl = controlCall;

async function ok(t: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctl(t, method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  return r.body.result;
}

describe('request journal', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test('plain calls: credential, method, parsed parameters, status, error, duration; no secret', async () => {
    await ok(t, 'DELETE', '/_scrumd/journal');
    await t.admin.result('server.time');
    const failed = await t.admin.call('tasks.api.scrum.backlog.get', { id: 'x', fields: { password: 'hunter2', nested: { client_secret: 'cs-123' } } });
    assert.equal(failed.status, 400);
    // a token-style call that fails authentication: the token never shows
    await rawCall(`${t.origin}/rest/profile`, { auth: 'tok-SECRET-1' }, 'get');
    const entries = await ok(t, 'GET', '/_scrumd/journal');
    assert.equal(entries.length, 3);
    const [a, b, c] = entries;
    assert.equal(a.method, 'server.time');
    assert.deepEqual(a.credential, { type: 'webhook', id: 1, user: 1 });
    assert.equal(a.status, 200);
    assert.equal(a.error, null);
    assert.ok(a.duration >= 0 && typeof a.time === 'number' && /^\d{4}-/.test(a.date));
    assert.equal(b.method, 'tasks.api.scrum.backlog.get');
    assert.equal(b.status, 400);
    assert.equal(b.error, failed.body.error);
    assert.equal(b.params.id, 'x');
    assert.equal(b.params.fields.password, '***');
    assert.equal(b.params.fields.nested.client_secret, '***');
    assert.equal(c.method, 'profile');
    assert.equal(c.credential, null);
    assert.equal(c.status, 401);
    const text = JSON.stringify(entries);
    for (const secret of [ADMIN_SECRET, 'hunter2', 'cs-123', 'tok-SECRET-1']) assert.ok(!text.includes(secret), `${secret} in the journal`);
    assert.ok(b.id > a.id && c.id > b.id);
  });

  test('batch: one entry, and each command its own linked to it', async () => {
    await ok(t, 'DELETE', '/_scrumd/journal');
    const r = await t.admin.call('batch', { halt: 0, cmd: { one: 'server.time', two: 'tasks.api.scrum.backlog.get?id=0', three: 'user.current?auth=leak-789' } });
    assert.equal(r.status, 200);
    const entries = await ok(t, 'GET', '/_scrumd/journal');
    const batch = entries.find((e: any) => e.method === 'batch');
    assert.ok(batch);
    assert.equal(batch.status, 200);
    const commands = entries.filter((e: any) => e.batch === batch.id);
    assert.deepEqual(commands.map((e: any) => [e.command, e.method, e.status]), [
      ['one', 'server.time', 200],
      ['two', 'tasks.api.scrum.backlog.get', 400],
      ['three', 'user.current', 200],
    ]);
    assert.equal(commands[1].error, r.body.result.result_error.two.error);
    assert.deepEqual(commands[1].params, { id: '0' });
    assert.deepEqual(commands[0].credential, { type: 'webhook', id: 1, user: 1 });
    assert.ok(!JSON.stringify(entries).includes('leak-789'));
    assert.equal((await ok(t, 'GET', `/_scrumd/journal?batch=${batch.id}`)).length, 3);
  });

  test('filters, count and clear', async () => {
    await ok(t, 'DELETE', '/_scrumd/journal');
    const t0 = (await ok(t, 'GET', '/_scrumd/clock')).now;
    await t.admin.result('server.time');
    await t.admin.result('server.time');
    await t.admin.call('tasks.api.scrum.sprint.get', { id: 999999 });
    await t.admin.result('tasks.api.scrum.sprint.getFields');
    assert.equal(await ok(t, 'GET', '/_scrumd/journal/count?method=server.time'), 2);
    assert.equal(await ok(t, 'GET', '/_scrumd/journal/count?method=tasks.api.scrum.*'), 2);
    assert.equal(await ok(t, 'GET', '/_scrumd/journal/count?method=TASKS.API.SCRUM.SPRINT.GET'), 1);
    assert.equal(await ok(t, 'GET', '/_scrumd/journal/count?status=200'), 3);
    const bad = await ok(t, 'GET', '/_scrumd/journal?status=400');
    assert.equal(bad.length, 1);
    assert.equal(await ok(t, 'GET', `/_scrumd/journal/count?error=${encodeURIComponent(bad[0].error)}`), 1);
    assert.equal(await ok(t, 'GET', '/_scrumd/journal/count?error='), 3);
    assert.equal(await ok(t, 'GET', `/_scrumd/journal/count?since=${t0 - 1}`), 4);
    assert.equal(await ok(t, 'GET', `/_scrumd/journal/count?until=${t0 - 1}`), 0);
    assert.equal((await ok(t, 'GET', '/_scrumd/journal?limit=1'))[0].method, 'tasks.api.scrum.sprint.getfields');
    const r = await ctl(t, 'GET', '/_scrumd/journal?status=abc');
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'INVALID_FILTER');
    await ok(t, 'DELETE', '/_scrumd/journal');
    assert.equal(await ok(t, 'GET', '/_scrumd/journal/count'), 0);
  });

  test('the ring keeps the last N; size 0 keeps nothing', async () => {
    const small = await startTestServer({ journalSize: 3 });
    const off = await startTestServer({ journalSize: 0 });
    try {
      for (let i = 0; i < 5; i++) await small.admin.result('server.time', { n: i });
      const kept = await ok(small, 'GET', '/_scrumd/journal');
      assert.deepEqual(kept.map((e: any) => e.params.n), ['2', '3', '4'].map(Number).map(String).map((x) => (isNaN(Number(x)) ? x : Number(x))));
      await off.admin.result('server.time');
      assert.deepEqual(await ok(off, 'GET', '/_scrumd/journal'), []);
    } finally {
      await small.close();
      await off.close();
    }
  });
});

describe('clock', () => {
  let t: TestServer;
  let oauth: { clientId: string; clientSecret: string };
  before(async () => {
    t = await startTestServer({ limits: { threshold: 3, drainPerSecond: 1, operatingLimit: 480 } });
    oauth = await addOauthApp(t.server.app.store.db, { title: 'Clock app', scopes: ['task', 'user'] }, nowSeconds());
  });
  after(() => t.close());

  async function token(): Promise<string> {
    const a = (await findApp(t.server.app.store.db, oauth.clientId))!;
    // the code is issued at the portal's now, as the server would
    const c = await issueCode(t.server.app.store.db, a, 1, t.server.app.clock.nowSeconds());
    const q = new URLSearchParams({ grant_type: 'authorization_code', client_id: oauth.clientId, client_secret: oauth.clientSecret, code: c });
    const r = await toReply(await fetch(`${t.origin}/oauth/token/?${q}`));
    assert.equal(r.status, 200, r.text);
    return r.body.access_token;
  }

  test('set, freeze, advance, release: the envelope and the dates the server writes', async () => {
    const at = Date.UTC(2030, 0, 15, 12, 0, 0) / 1000;
    const frozen = await ok(t, 'POST', '/_scrumd/clock/freeze', { time: '2030-01-15T12:00:00Z' });
    assert.equal(frozen.now, at);
    assert.equal(frozen.frozen, true);
    const r = await t.admin.call('server.time');
    assert.equal(r.body.result, '2030-01-15T12:00:00+00:00');
    assert.equal(r.body.time.start, at);
    assert.equal(r.body.time.date_start, '2030-01-15T12:00:00+00:00');
    const groupId = await t.admin.result('sonet_group.create', { NAME: 'Clocked', PROJECT: 'Y', SCRUM_MASTER_ID: 1 });
    const group = (await t.admin.result('sonet_group.get', { FILTER: { ID: groupId } }))[0];
    assert.match(group.DATE_CREATE, /^(01\/15\/2030 12:00:00|2030-01-15)/);
    const advanced = await ok(t, 'POST', '/_scrumd/clock/advance', { seconds: 86400 });
    assert.equal(advanced.now, at + 86400);
    assert.equal((await t.admin.call('server.time')).body.result, '2030-01-16T12:00:00+00:00');
    const released = await ok(t, 'POST', '/_scrumd/clock/release');
    assert.equal(released.frozen, false);
    assert.ok(released.now >= at + 86400 && released.now < at + 86400 + 60);
    const set = await ok(t, 'POST', '/_scrumd/clock/set', { time: at });
    assert.ok(set.now >= at && set.now < at + 60);
    const reset = await ok(t, 'POST', '/_scrumd/clock/reset');
    assert.ok(Math.abs(reset.now - Date.now() / 1000) < 60);
    const bad = await ctl(t, 'POST', '/_scrumd/clock/set', { time: 'yesterday-ish' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'INVALID_TIME');
  });

  test('an OAuth token expires when the clock passes 3600 s; an authorization code after its lifetime', async () => {
    await ok(t, 'POST', '/_scrumd/clock/reset');
    const access = await token();
    const before = await rawCall(`${t.origin}/rest/user.current`, { auth: access }, 'get');
    assert.equal(before.status, 200, before.text);
    await ok(t, 'POST', '/_scrumd/clock/advance', { seconds: 3601 });
    const afterExpiry = await rawCall(`${t.origin}/rest/user.current`, { auth: access }, 'get');
    assert.equal(afterExpiry.status, 401);
    assert.equal(afterExpiry.body.error, 'expired_token');
    // a code issued now is refused by the token endpoint once the clock has moved past its lifetime
    const a = (await findApp(t.server.app.store.db, oauth.clientId))!;
    const c = await issueCode(t.server.app.store.db, a, 1, t.server.app.clock.nowSeconds());
    await ok(t, 'POST', '/_scrumd/clock/advance', { seconds: 3600 });
    const q = new URLSearchParams({ grant_type: 'authorization_code', client_id: oauth.clientId, client_secret: oauth.clientSecret, code: c });
    const r = await toReply(await fetch(`${t.origin}/oauth/token/?${q}`));
    assert.equal(r.status, 400, r.text);
    await ok(t, 'POST', '/_scrumd/clock/reset');
  });

  test('the request-rate bucket: set full, refused; the clock drains it', async () => {
    await ok(t, 'POST', '/_scrumd/clock/freeze');
    await ok(t, 'POST', '/_scrumd/limits/bucket', { client: '127.0.0.1', level: 3 });
    const refused = await t.admin.call('server.time');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error, 'QUERY_LIMIT_EXCEEDED');
    const [journaled] = await ok(t, 'GET', '/_scrumd/journal?status=503');
    assert.equal(journaled.method, 'server.time');
    assert.equal(journaled.error, 'QUERY_LIMIT_EXCEEDED');
    await ok(t, 'POST', '/_scrumd/clock/advance', { seconds: 2 });
    assert.equal((await t.admin.call('server.time')).status, 200);
    await ok(t, 'POST', '/_scrumd/limits/bucket', { client: '127.0.0.1', level: 0 });
    await ok(t, 'POST', '/_scrumd/clock/reset');
  });

  test('the operating-time account: set over the budget, refused with 429; the window moves on with the clock', async () => {
    await ok(t, 'POST', '/_scrumd/limits/bucket', { client: '127.0.0.1', level: 0 });
    await ok(t, 'POST', '/_scrumd/limits/operating', { credential: 'webhook:1', method: 'server.time', seconds: 481 });
    const refused = await t.admin.call('server.time');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, 'OPERATION_TIME_LIMIT');
    assert.equal((await t.admin.call('profile')).status, 200, 'another method is not blocked');
    await ok(t, 'POST', '/_scrumd/clock/advance', { seconds: 601 });
    await ok(t, 'POST', '/_scrumd/limits/bucket', { client: '127.0.0.1', level: 0 });
    assert.equal((await t.admin.call('server.time')).status, 200);
    const bad = await ctl(t, 'POST', '/_scrumd/limits/operating', { credential: 'nobody', method: 'x', seconds: 1 });
    assert.equal(bad.status, 400);
    await ok(t, 'POST', '/_scrumd/clock/reset');
  });

  test('the control operations want the token', async () => {
    for (const [m, p] of [['GET', '/_scrumd/journal'], ['POST', '/_scrumd/clock/advance'], ['GET', '/_scrumd/faults'], ['POST', '/_scrumd/limits/bucket']] as const) {
      const r = await toReply(await fetch(`${t.origin}${p}`, { method: m }));
      assert.equal(r.status, 401, `${m} ${p}`);
    }
  });
});
