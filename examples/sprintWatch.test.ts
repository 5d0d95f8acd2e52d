/**
 * An integration test of examples/sprintWatch.ts against a scrumd sandbox started in the test process
 * with `scrumd/testing`: no real portal, no secret webhook. The JS SDK wants HTTPS in webhook mode, so
 * the sandbox serves HTTPS with a local CA the SDK's HTTP client is told to trust.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, before, beforeEach, test } from 'node:test';
import { ApiVersion, B24Hook, ParamsFactory } from '@bitrix24/b24jssdk';
import { startScrumd, type Scrumd } from 'scrumd/testing';
import { createTeam, overdueSprints, startSprint } from './sprintWatch.js';

let scrumd: Scrumd;
let b24: B24Hook;
let teamId: number;

before(async () => {
  scrumd = await startScrumd({ https: true });
  b24 = B24Hook.fromWebhookUrl(scrumd.webhookUrl);
  b24.offClientSideWarning();
  b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = new Agent({ ca: scrumd.ca });
  await b24.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), retryDelay: 20 });
  // a known starting state, saved once and restored before each test
  teamId = await createTeam(b24, 'Platform team');
  await scrumd.snapshot('team');
});
after(() => scrumd.stop());
beforeEach(async () => {
  await scrumd.restore('team');
  await scrumd.clock.reset();
  await scrumd.faults.clear();
  await scrumd.clearJournal();
});

test('a sprint is overdue once the portal clock passes its end', async () => {
  await startSprint(b24, teamId, 'Sprint 1', 14);
  assert.deepEqual(await overdueSprints(b24, teamId), []);
  await scrumd.clock.advance(15 * 86400);
  assert.deepEqual(await overdueSprints(b24, teamId), ['Sprint 1']);
});

test('the application made exactly the calls expected (the request journal)', async () => {
  await startSprint(b24, teamId, 'Sprint 1');
  assert.equal(await scrumd.count({ method: 'tasks.api.scrum.sprint.add' }), 1);
  const [add] = await scrumd.journal({ method: 'tasks.api.scrum.sprint.add' });
  assert.equal(add!.status, 200);
  assert.equal((add!.params as any).fields.name, 'Sprint 1');
  assert.equal(await scrumd.count({ status: 400 }), 0);
});

test('the application survives a portal that is busy once (503, retried by the SDK)', async () => {
  await scrumd.faults.add({ method: 'tasks.api.scrum.sprint.list', error: 'QUERY_LIMIT_EXCEEDED', times: 1 });
  assert.deepEqual(await overdueSprints(b24, teamId), []);
  assert.deepEqual((await scrumd.journal({ method: 'tasks.api.scrum.sprint.list' })).map((e) => e.status), [503, 200]);
});

test('a broken portal surfaces as the SDK error', async () => {
  await scrumd.faults.add({ method: 'tasks.api.scrum.sprint.list', error: 'INTERNAL_SERVER_ERROR' });
  await assert.rejects(overdueSprints(b24, teamId), (e: any) => e.status === 500 && e.code === 'INTERNAL_SERVER_ERROR');
});
