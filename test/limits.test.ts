/** The opt-in limits (protocol.md §10, checklist 75–79). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIMIT_PRESETS, readOperating, recordOperating } from '../src/protocol/limits.js';
import { errorOf, startTestServer } from './helpers/harness.js';

describe('request rate', () => {
  test('the bitrix preset: a burst of 50 passes, the 51st is refused with 503 (checklist 75)', async () => {
    // No drain so that the burst is "instantaneous" however slow the machine is.
    const t = await startTestServer({ limits: { ...LIMIT_PRESETS.bitrix, drainPerSecond: 0 } });
    try {
      for (let i = 0; i < 50; i++) assert.equal((await t.admin.call('server.time')).status, 200, `request ${i + 1}`);
      const r = await t.admin.call('server.time');
      assert.deepEqual(errorOf(r), { status: 503, error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
      // Refused requests are not counted; unknown methods and bad credentials are limited too.
      assert.equal((await t.admin.call('no.such')).status, 503);
    } finally {
      await t.close();
    }
  });

  test('the bucket drains 2 requests per second (checklist 75)', async () => {
    const t = await startTestServer({ limits: { ...LIMIT_PRESETS.bitrix, threshold: 5 } });
    try {
      const results: number[] = [];
      for (let i = 0; i < 7; i++) results.push((await t.admin.call('server.time')).status);
      assert.deepEqual(results.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.ok(results.slice(5).includes(503));
      await sleep(1100);
      assert.equal((await t.admin.call('server.time')).status, 200);
      assert.equal((await t.admin.call('server.time')).status, 200);
    } finally {
      await t.close();
    }
  });

  test('a batch of 50 commands counts as one request (checklist 76)', async () => {
    const t = await startTestServer({ limits: { threshold: 1, drainPerSecond: 0, operatingLimit: 480 } });
    try {
      const cmd = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`c${i}`, 'server.time']));
      const r = await t.admin.call('batch', { cmd });
      assert.equal(r.status, 200);
      assert.equal(Object.keys(r.body.result.result).length, 50);
      assert.equal((await t.admin.call('server.time')).status, 503);
    } finally {
      await t.close();
    }
  });

  test('limits are off by default', async () => {
    const t = await startTestServer();
    try {
      const statuses = await Promise.all(Array.from({ length: 80 }, () => t.admin.call('server.time').then((r) => r.status)));
      assert.ok(statuses.every((s) => s === 200));
    } finally {
      await t.close();
    }
  });
});

describe('operating time', () => {
  test('a method over its budget is blocked for that credential only (checklist 77, 79)', async () => {
    const t = await startTestServer({ limits: { threshold: 1000, drainPerSecond: 1000, operatingLimit: 1 } });
    try {
      const other = await t.user();
      const hook = await t.server.app.store.db.selectFrom('webhooks').select('id').where('user_id', '=', 1).executeTakeFirstOrThrow();
      const now = Date.now() / 1000;
      // Calls of server.time totalling 1.2 s (each over 0.1 s) in the current window.
      await recordOperating(t.server.app, `webhook:${hook.id}:server.time`, 0.6, now);
      await recordOperating(t.server.app, `webhook:${hook.id}:server.time`, 0.6, now);
      assert.deepEqual(errorOf(await t.admin.call('server.time')), { status: 429, error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' });
      assert.equal((await t.admin.call('profile')).status, 200, 'other methods still run');
      assert.equal((await other.call('server.time')).status, 200, 'other webhooks still run');
      const b = await t.admin.call('batch', { cmd: { a: 'server.time', b: 'profile' } });
      assert.equal(b.status, 200, 'batch itself is never blocked');
      assert.deepEqual(b.body.result.result_error.a, { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' });
      assert.ok(b.body.result.result.b);
    } finally {
      await t.close();
    }
  });

  test('time.operating and operating_reset_at report the account (checklist 28, 78)', async () => {
    const t = await startTestServer({ limits: { threshold: 1000, drainPerSecond: 1000, operatingLimit: 480 } });
    try {
      const fresh = await t.admin.call('server.time');
      assert.equal(fresh.body.time.operating, 0);
      assert.equal(fresh.body.time.operating_reset_at, Math.floor(fresh.body.time.start + 600));
      const hook = await t.server.app.store.db.selectFrom('webhooks').select('id').where('user_id', '=', 1).executeTakeFirstOrThrow();
      const account = `webhook:${hook.id}:profile`;
      const at = Date.now() / 1000 - 30;
      await recordOperating(t.server.app, account, 0.5, at);
      await recordOperating(t.server.app, account, 0.05, at); // under 0.1 s: never recorded
      assert.equal((await readOperating(t.server.app, account, Date.now() / 1000)).operating, 0.5);
      const r = await t.admin.call('profile');
      assert.equal(r.body.time.operating, 0.5);
      assert.equal(r.body.time.operating_reset_at, Math.floor(at + 600));
      assert.ok(Number.isInteger(r.body.time.operating_reset_at));
      // Fast calls do not add to it.
      assert.equal((await t.admin.call('profile')).body.time.operating, 0.5);
    } finally {
      await t.close();
    }
  });

  test('buckets expire after ten minutes', async () => {
    const t = await startTestServer({ limits: LIMIT_PRESETS.bitrix });
    try {
      const old = Date.now() / 1000 - 601;
      await recordOperating(t.server.app, 'x', 5, old);
      assert.deepEqual(await readOperating(t.server.app, 'x', Date.now() / 1000), { operating: 0 });
    } finally {
      await t.close();
    }
  });
});
