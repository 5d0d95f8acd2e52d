/**
 * Fault rules of the sandbox control API, seen by the official JS SDK (@bitrix24/b24jssdk) over HTTPS
 * as the portal's real errors, through the testing helper `startScrumd` (src/testing.ts): 503, 429, 401,
 * 500 and any code, a delay, a dropped connection (a network error); N times, per credential, per
 * batch command; list and remove. SQLite (:memory:) or PostgreSQL (SCRUMD_TEST_DIALECT).
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApiVersion, B24Hook, ParamsFactory } from '@bitrix24/b24jssdk';
import { startScrumd, type Scrumd } from '../src/testing.js';
import { testDatabase } from './helpers/database.js';

let s: Scrumd;
let b24: B24Hook;
let dropDb: (() => Promise<void>) | undefined;

function hook(url: string): B24Hook {
  const h = B24Hook.fromWebhookUrl(url);
  h.offClientSideWarning();
  const http = h.getHttpClient(ApiVersion.v2);
  http.ajaxClient.defaults.httpsAgent = new Agent({ ca: s.ca! });
  return h;
}

before(async () => {
  const db = await testDatabase();
  dropDb = db?.drop;
  s = await startScrumd({ https: true, database: db?.location });
  b24 = hook(s.webhookUrl);
  // the SDK retries 503/429 and network errors (3 times, 1 s apart by default): one quick retry here
  await b24.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), maxRetries: 2, retryDelay: 20 });
});
after(async () => {
  await s.stop();
  await dropDb?.();
});
beforeEach(async () => {
  await s.faults.clear();
  await s.clearJournal();
});

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('the call succeeded');
}

describe('error faults, as the SDK sees them', () => {
  for (const [code, status, message] of [
    ['QUERY_LIMIT_EXCEEDED', 503, 'Too many requests'],
    ['OPERATION_TIME_LIMIT', 429, 'Method is blocked due to operation time limit.'],
    ['expired_token', 401, 'The access token provided has expired'],
    ['INTERNAL_SERVER_ERROR', 500, 'Internal server error'],
  ] as const) {
    test(`${code}: HTTP ${status}, the error the SDK reports`, async () => {
      await s.faults.add({ method: 'profile', error: code });
      const e = await rejection(b24.actions.v2.call.make({ method: 'profile' }));
      assert.equal(e.status, status, String(e));
      assert.equal(e.code, code);
      if (code !== 'QUERY_LIMIT_EXCEEDED') assert.match(e.message, new RegExp(message.replace('.', '\\.')));
      const calls = await s.count({ method: 'profile', status });
      assert.ok(calls >= 1);
      assert.equal((await s.faults.list())[0]!.hits, calls);
      await s.faults.clear();
      const ok = await b24.actions.v2.call.make<{ ID: string }>({ method: 'profile' });
      assert.equal(ok.getData()!.result.ID, '1');
    });
  }

  test('times: the rule answers once; the SDK retries a 503 and gets the real answer', async () => {
    await s.faults.add({ method: 'profile', error: 'QUERY_LIMIT_EXCEEDED', times: 1 });
    const ok = await b24.actions.v2.call.make<{ ID: string }>({ method: 'profile' });
    assert.equal(ok.getData()!.result.ID, '1');
    assert.deepEqual((await s.journal({ method: 'profile' })).map((e) => e.status), [503, 200]);
  });

  test('any code, description and status', async () => {
    await s.faults.add({ method: 'tasks.api.scrum.*', error: { code: 'PORTAL_DELETED', description: 'Portal was deleted', status: 418 } });
    const e = await rejection(b24.actions.v2.call.make({ method: 'tasks.api.scrum.sprint.getFields' }));
    assert.equal(e.status, 418);
    assert.equal(e.code, 'PORTAL_DELETED');
    // another method is not matched
    assert.ok((await b24.actions.v2.call.make({ method: 'server.time' })).isSuccess);
    const [entry] = await s.journal({ method: 'tasks.api.scrum.sprint.getfields' });
    assert.equal(entry!.status, 418);
    assert.equal(entry!.error, 'PORTAL_DELETED');
  });

  test('a rule for one credential leaves the others alone', async () => {
    const other = await s.server.app.store.db
      .selectFrom('webhooks')
      .select('id')
      .where('user_id', '=', 1)
      .executeTakeFirstOrThrow();
    await s.faults.add({ credential: `webhook:${other.id + 1000}`, error: 'INTERNAL_SERVER_ERROR' });
    assert.ok((await b24.actions.v2.call.make({ method: 'server.time' })).isSuccess);
    await s.faults.add({ credential: `webhook:${other.id}`, error: 'INTERNAL_SERVER_ERROR' });
    assert.equal((await rejection(b24.actions.v2.call.make({ method: 'server.time' }))).status, 500);
  });

  test('in batch, a rule answers a command under its own method', async () => {
    await s.faults.add({ method: 'server.time', error: 'OPERATION_TIME_LIMIT' });
    const r = await b24.actions.v2.batch.make({
      calls: { time: { method: 'server.time' }, me: { method: 'profile' } },
      options: { isHaltOnError: false, returnAjaxResult: true },
    });
    const data = r.getData() as Record<string, any>;
    assert.equal(data.time.isSuccess, false);
    assert.equal(data.me.getData().result.ID, '1');
    const commands = await s.journal({ method: 'server.time' });
    assert.equal(commands[0]!.error, 'OPERATION_TIME_LIMIT');
    assert.equal(typeof commands[0]!.batch, 'number');
  });
});

describe('delay and dropped connection', () => {
  test('a delay comes before the real answer', async () => {
    await s.faults.add({ method: 'server.time', delay: 400, times: 1 });
    const t0 = performance.now();
    const r = await b24.actions.v2.call.make({ method: 'server.time' });
    assert.ok(r.isSuccess);
    assert.ok(performance.now() - t0 >= 390, 'answered before the delay');
    const [entry] = await s.journal({ method: 'server.time' });
    assert.ok(entry!.duration >= 390);
  });

  test('a dropped connection is a network error, and the journal says so', async () => {
    await s.faults.add({ method: 'profile', drop: true });
    const e = await rejection(b24.actions.v2.call.make({ method: 'profile' }));
    assert.match(`${e.code} ${e.message}`, /NETWORK_ERROR|socket hang up|ECONNRESET/i, String(e));
    const entries = await s.journal({ method: 'profile' });
    assert.ok(entries.length >= 1);
    for (const entry of entries) {
      assert.equal(entry.status, -1);
      assert.equal(entry.error, 'DROPPED');
    }
    await s.faults.clear();
    // the server goes on serving
    assert.ok((await b24.actions.v2.call.make({ method: 'profile' })).isSuccess);
  });
});

describe('rules', () => {
  test('list, remove, refusals', async () => {
    const a = await s.faults.add({ method: 'x.*', error: 'QUERY_LIMIT_EXCEEDED', probability: 0.5 });
    const b = await s.faults.add({ delay: 1 });
    assert.deepEqual((await s.faults.list()).map((r) => r.id), [a.id, b.id]);
    await s.faults.remove(a.id);
    assert.deepEqual((await s.faults.list()).map((r) => r.id), [b.id]);
    await assert.rejects(s.faults.remove(a.id), (e: any) => e.status === 404);
    for (const bad of [{}, { error: 'NOT_KNOWN' }, { delay: -1 }, { drop: true, delay: 1 }, { error: 'INTERNAL_SERVER_ERROR', times: 0 }, { credential: 'me', drop: true }, { error: { code: 'X', description: 'y', status: 200 } }]) {
      await assert.rejects(s.faults.add(bad as never), (e: any) => e.status === 400 && e.code === 'INVALID_FAULT', JSON.stringify(bad));
    }
  });
});
