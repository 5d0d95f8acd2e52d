/**
 * The official JS SDK (@bitrix24/b24jssdk) driving scrumd over HTTPS, trusting the local CA the way
 * an integrator's test setup does (an https.Agent with the CA on the SDK's axios client).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiVersion, B24Hook } from '@bitrix24/b24jssdk';
import { createUser } from '../src/domain/users.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { ADMIN_SECRET, startTestServer, type TestServer } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-sdk-'));
let t: TestServer;
let b24: B24Hook;
let groupId: number;

before(async () => {
  t = await startTestServer({ https: true, tlsDir: dir });
  b24 = B24Hook.fromWebhookUrl(`${t.origin}/rest/1/${ADMIN_SECRET}/`);
  b24.offClientSideWarning();
  b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = new Agent({ ca: readFileSync(t.server.caFile!, 'utf8') });
  // Set-up through the SDK too (the harness's fetch client does not trust the local CA).
  groupId = (await b24.actions.v2.call.make<number>({ method: 'sonet_group.create', params: { NAME: 'SDK team', SCRUM_MASTER_ID: 1 } })).getData()!.result;
  await b24.actions.v2.call.make({ method: 'tasks.api.scrum.backlog.add', params: { fields: { groupId, createdBy: 1 } } });
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('single calls', () => {
  test('server.time and profile', async () => {
    const r = await b24.actions.v2.call.make({ method: 'server.time' });
    assert.ok(r.isSuccess);
    assert.match(r.getData()!.result as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const p = await b24.actions.v2.call.make<{ ID: string; ADMIN: boolean }>({ method: 'profile' });
    assert.equal(p.getData()!.result.ID, '1');
    assert.equal(p.getData()!.result.ADMIN, true);
  });

  test('a Scrum call with JSON parameters', async () => {
    const r = await b24.actions.v2.call.make<{ id: number; groupId: number }>({ method: 'tasks.api.scrum.backlog.get', params: { id: groupId } });
    assert.equal(r.getData()!.result.groupId, groupId);
  });

  test('errors surface with their codes and messages', async () => {
    await assert.rejects(b24.actions.v2.call.make({ method: 'tasks.api.scrum.backlog.get', params: {} }), (e: any) => {
      assert.equal(e.code, '100');
      assert.equal(e.status, 400);
      assert.match(e.message, /Could not find value for parameter \{id\}/);
      return true;
    });
    // Code "0": the SDK keeps the message.
    await assert.rejects(b24.actions.v2.call.make({ method: 'tasks.api.scrum.backlog.get', params: { id: 0 } }), (e: any) => {
      assert.equal(e.status, 400);
      assert.equal(e.message, 'Group id not found');
      return true;
    });
    await assert.rejects(b24.actions.v2.call.make({ method: 'no.such.method' }), (e: any) => {
      assert.equal(e.code, 'ERROR_METHOD_NOT_FOUND');
      assert.equal(e.status, 404);
      return true;
    });
  });

  test('a wrong secret is reported as INVALID_CREDENTIALS', async () => {
    const bad = B24Hook.fromWebhookUrl(`${t.origin}/rest/1/wrongsecret/`);
    bad.offClientSideWarning();
    bad.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = new Agent({ ca: readFileSync(t.server.caFile!, 'utf8') });
    await assert.rejects(bad.actions.v2.call.make({ method: 'server.time' }), (e: any) => {
      assert.equal(e.code, 'INVALID_CREDENTIALS');
      assert.equal(e.status, 401);
      return true;
    });
  });
});

describe('batch', () => {
  test('named commands with references, not halting on error', async () => {
    const r = await b24.actions.v2.batch.make({
      calls: {
        backlog: { method: 'tasks.api.scrum.backlog.get', params: { id: groupId } },
        again: ['tasks.api.scrum.backlog.get', { id: '$result[backlog][groupId]' }],
        bad: ['tasks.api.scrum.backlog.get', { id: 0 }],
        time: { method: 'server.time' },
      },
      options: { isHaltOnError: false, returnAjaxResult: true },
    });
    assert.equal(r.isSuccess, false);
    assert.deepEqual(r.getErrorMessages(), ['Group id not found']);
    const data = r.getData() as Record<string, any>;
    assert.equal(data.again.getData().result.groupId, groupId);
    assert.equal(data.backlog.getData().result.groupId, groupId);
    assert.ok(data.time.isSuccess);
    assert.equal(data.bad.isSuccess, false);
  });

  test('an array of commands, halting on the first error', async () => {
    const r = await b24.actions.v2.batch.make({
      calls: [
        ['server.time', {}],
        ['tasks.api.scrum.backlog.get', { id: 'abc' }],
        ['profile', {}],
      ],
      options: { isHaltOnError: true, returnAjaxResult: true },
    });
    assert.equal(r.isSuccess, false);
    assert.match(r.getErrorMessages().join(' '), /Invalid value \{abc\} to match with parameter \{id\}/);
  });

  test('an array of commands that all succeed gives results in order', async () => {
    const r = await b24.actions.v2.batch.make<{ groupId: number }>({
      calls: [
        ['tasks.api.scrum.backlog.get', { id: groupId }],
        ['tasks.api.scrum.backlog.getFields', {}],
      ],
      options: { isHaltOnError: true },
    });
    assert.ok(r.isSuccess, r.getErrorMessages().join());
    const data = r.getData() as any[];
    assert.equal(data.length, 2);
    assert.equal(data[0].groupId, groupId);
    assert.ok(data[1].fields.groupId);
  });
});

describe('lists', () => {
  before(async () => {
    const db = t.server.app.store.db;
    for (let i = 0; i < 75; i++) await createUser(db, { email: `sdk${i}@example.com`, fields: { NAME: `Sdk${i}` } }, nowSeconds());
    for (let i = 0; i < 60; i += 20) {
      const calls = Array.from({ length: 20 }, (_, j) => ['tasks.task.add', { fields: { TITLE: `Task ${i + j}`, RESPONSIBLE_ID: 1, GROUP_ID: groupId } }] as [string, object]);
      const r = await b24.actions.v2.batch.make({ calls, options: { isHaltOnError: true } });
      assert.ok(r.isSuccess, r.getErrorMessages().join());
    }
  });

  test('callList over more than 50 users of user.get (start=-1, >ID)', async () => {
    const r = await b24.actions.v2.callList.make<{ ID: string }>({ method: 'user.get', params: { filter: { ACTIVE: true } } });
    assert.ok(r.isSuccess, r.getErrorMessages().join());
    const ids = r.getData()!.map((u) => Number(u.ID));
    assert.equal(ids.length, 76);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('callList over tasks.task.list (camelCase ids, result key "tasks")', async () => {
    const r = await b24.actions.v2.callList.make<{ id: string }>({
      method: 'tasks.task.list',
      params: { filter: { GROUP_ID: groupId }, select: ['ID', 'TITLE'] },
      idKey: 'id',
      cursorIdKey: 'ID',
      customKeyForResult: 'tasks',
    });
    assert.ok(r.isSuccess, r.getErrorMessages().join());
    assert.equal(r.getData()!.length, 60);
  });

  test('fetchList yields pages until the end', async () => {
    let count = 0;
    let pages = 0;
    for await (const chunk of b24.actions.v2.fetchList.make<{ ID: string }>({ method: 'user.get', params: {} })) {
      pages++;
      count += chunk.length;
    }
    assert.equal(count, 76);
    assert.ok(pages >= 2);
  });

  test('plain paging with next/total as the SDK reads it', async () => {
    const first = await b24.actions.v2.call.make<unknown[]>({ method: 'user.get', params: {} });
    assert.equal((first.getData()!.result as unknown[]).length, 50);
    assert.equal(first.isMore(), true);
    assert.equal(first.getTotal(), 76);
    const last = await b24.actions.v2.call.make<unknown[]>({ method: 'user.get', params: { start: 50 } });
    assert.equal((last.getData()!.result as unknown[]).length, 26);
    assert.equal(last.isMore(), false);
  });
});
