/** `batch` over real HTTP (protocol.md §7, checklist 49–66). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createScrum, startTestServer, type TestServer } from './helpers/harness.js';

let t: TestServer;
let g: number;
let backlogId: number;

before(async () => {
  t = await startTestServer();
  g = await createScrum(t.admin);
  backlogId = (await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } })).id;
});
after(() => t.close());

const batch = (params: Record<string, unknown>, enc: 'json' | 'form' | 'get' = 'json') => t.admin.call('batch', params, enc);

describe('shapes', () => {
  test('named commands (checklist 49)', async () => {
    const r = await batch({ cmd: { a: 'server.time', b: 'profile' } });
    assert.equal(r.status, 200);
    const res = r.body.result;
    assert.deepEqual(Object.keys(res), ['result', 'result_error', 'result_total', 'result_next', 'result_time']);
    assert.match(res.result.a, /^\d{4}-/);
    assert.equal(res.result.b.ID, '1');
    assert.deepEqual(Object.keys(res.result_time.a), ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating']);
    assert.ok(res.result_time.b);
    assert.deepEqual(res.result_error, []);
    assert.deepEqual(res.result_total, []);
    assert.deepEqual(res.result_next, []);
    assert.ok(r.body.time);
  });

  test('a list of commands gives lists (checklist 50)', async () => {
    const r = await batch({ cmd: ['server.time', 'profile'] });
    assert.ok(Array.isArray(r.body.result.result));
    assert.equal(r.body.result.result.length, 2);
    assert.ok(Array.isArray(r.body.result.result_time));
  });

  test('the same batch as a form with double-encoded commands (checklist 51)', async () => {
    const form = await batch({ cmd: { a: 'server.time', b: `tasks.api.scrum.backlog.get?id=${g}` }, halt: 0 }, 'form');
    const json = await batch({ cmd: { a: 'server.time', b: `tasks.api.scrum.backlog.get?id=${g}` }, halt: 0 });
    assert.equal(form.status, 200);
    assert.deepEqual(form.body.result.result.b, json.body.result.result.b);
    assert.deepEqual(Object.keys(form.body.result.result), ['a', 'b']);
    const get = await batch({ cmd: { b: `tasks.api.scrum.backlog.get?id=${g}` } }, 'get');
    assert.deepEqual(get.body.result.result.b, json.body.result.result.b);
  });

  test('with cmd a list and command 0 failing, result_error is a list and result a map', async () => {
    const r = await batch({ cmd: ['no.such', 'server.time', 'profile'] });
    assert.deepEqual(r.body.result.result_error, [{ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' }]);
    assert.deepEqual(Object.keys(r.body.result.result), ['1', '2']);
    assert.ok(!Array.isArray(r.body.result.result));
  });

  test('absent or scalar cmd: 200 with five empty maps', async () => {
    for (const params of [{}, { cmd: 'server.time' }, { cmd: 5 }]) {
      const r = await batch(params);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.result, { result: [], result_error: [], result_total: [], result_next: [], result_time: [] });
    }
  });

  test('CMD and HALT are matched case-insensitively', async () => {
    const r = await batch({ CMD: { a: 'no.such', b: 'server.time' }, HALT: 1 });
    assert.deepEqual(Object.keys(r.body.result.result_error), ['a']);
    assert.deepEqual(r.body.result.result, []);
  });
});

describe('references', () => {
  test('a whole-value reference keeps its type; embedded references become text (checklist 52, 53, 56)', async () => {
    const r = await batch({
      cmd: {
        b: `tasks.api.scrum.backlog.get?id=${g}`,
        again: 'tasks.api.scrum.backlog.get?id=$result[b][groupId]',
        text: 'tasks.api.scrum.backlog.get?id=x$result[b][groupId]',
      },
    });
    assert.equal(r.body.result.result.again.id, backlogId);
    // The embedded reference was replaced by its text: "x<id>" fails int binding with that text.
    assert.deepEqual(r.body.result.result_error.text, {
      error: '100',
      error_description: `Invalid value {x${g}} to match with parameter {id}. Should be value of type int.`,
    });
  });

  test('typed values: a reference to an object field passes the number, to the whole object an array', async () => {
    const r = await batch({
      cmd: {
        b: `tasks.api.scrum.backlog.get?id=${g}`,
        whole: 'tasks.api.scrum.backlog.get?id=$result[b]',
      },
    });
    assert.deepEqual(r.body.result.result_error.whole, {
      error: '100',
      error_description: 'Invalid value {Array} to match with parameter {id}. Should be value of type int.',
    });
  });

  test('a missing key resolves to the deepest existing value (checklist 54)', async () => {
    const r = await batch({ cmd: { b: `tasks.api.scrum.backlog.get?id=${g}`, miss: 'tasks.api.scrum.backlog.get?id=$result[b][NOPE]' } });
    assert.match(r.body.result.result_error.miss.error_description, /^Invalid value \{Array\}/);
  });

  test('$error references and upper-case names', async () => {
    const r = await batch({
      cmd: {
        bad: 'tasks.api.scrum.backlog.get?id=0',
        e: 'tasks.api.scrum.backlog.get?id=$error[bad][error_description]',
        up: 'tasks.api.scrum.backlog.get?id=$RESULT[bad]',
      },
    });
    assert.equal(r.body.result.result_error.e.error_description, 'Invalid value {Group id not found} to match with parameter {id}. Should be value of type int.');
    // An upper-case name resolves to null, which fails int binding rendered as empty.
    assert.equal(r.body.result.result_error.up.error_description, 'Invalid value {} to match with parameter {id}. Should be value of type int.');
  });

  test('sub-parameters arrive as strings (checklist 56)', async () => {
    const r = await batch({ cmd: { a: `tasks.api.scrum.backlog.add?fields[groupId]=${g}&fields[createdBy]=1` } });
    assert.equal(r.body.result.result_error.a.error_description, 'Backlog already added');
  });
});

describe('limits and errors', () => {
  test('51 commands: the 51st is refused, the first 50 run (checklist 57)', async () => {
    const cmd: Record<string, string> = {};
    for (let i = 1; i <= 51; i++) cmd[`c${i}`] = 'server.time';
    const r = await batch({ cmd });
    assert.equal(Object.keys(r.body.result.result).length, 50);
    assert.deepEqual(r.body.result.result_error, { c51: { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' } });
  });

  test('nested batch is not allowed (checklist 58)', async () => {
    const r = await batch({ cmd: { x: 'batch?cmd[y]=server.time', y: 'BATCH' } });
    for (const k of ['x', 'y']) assert.deepEqual(r.body.result.result_error[k], { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' });
  });

  test('halt falsy: every command is represented (checklist 59, 61)', async () => {
    for (const halt of [0, '0', '', false, undefined, null]) {
      const params: Record<string, unknown> = { cmd: { a: 'no.such', b: 'server.time', c: 'tasks.api.scrum.backlog.get' } };
      if (halt !== undefined) params.halt = halt;
      const r = await batch(params);
      assert.deepEqual(Object.keys(r.body.result.result), ['b'], String(halt));
      assert.deepEqual(Object.keys(r.body.result.result_error), ['a', 'c'], String(halt));
    }
  });

  test('halt truthy stops after the first failure (checklist 60)', async () => {
    for (const halt of [1, true, '1', 'Y', 'false']) {
      const r = await batch({ cmd: { a: 'server.time', b: 'no.such', c: 'server.time' }, halt });
      assert.deepEqual(Object.keys(r.body.result.result), ['a'], String(halt));
      assert.deepEqual(Object.keys(r.body.result.result_error), ['b'], String(halt));
    }
  });

  test('a command whose scope is missing (checklist 62); the batch is still 200 (checklist 65)', async () => {
    const u = await t.user({ scopes: ['task'] });
    const r = await u.call('batch', { cmd: { a: 'sonet_group.create?NAME=x', b: 'no.such' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result.result_error.a, { error: 'insufficient_scope', error_description: '' });
  });

  test('failed commands have no result_time; codes are strings (checklist 63, 66)', async () => {
    const r = await batch({ cmd: { bad: 'tasks.api.scrum.backlog.get?id=abc', zero: 'tasks.api.scrum.backlog.get?id=0' } });
    assert.deepEqual(r.body.result.result_time, []);
    assert.equal(r.body.result.result_error.bad.error, '100');
    assert.equal(r.body.result.result_error.zero.error, '0');
  });

  test('non-string entries produce no entry but use a slot (checklist 64)', async () => {
    const r = await batch({ cmd: { a: { method: 'server.time' }, b: 'server.time', c: 7 } });
    assert.deepEqual(Object.keys(r.body.result.result), ['b']);
    assert.deepEqual(r.body.result.result_error, []);
  });

  test('the batch itself needs authentication', async () => {
    const res = await fetch(`${t.origin}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cmd":["server.time"]}' });
    assert.equal(res.status, 401);
  });

  test('a fragment ends the command; reserved parameters are dropped', async () => {
    const r = await batch({ cmd: { a: `tasks.api.scrum.backlog.get?id=${g}#&id=abc`, b: `tasks.api.scrum.backlog.get?id=${g}&auth=zzz&start=10` } });
    assert.equal(r.body.result.result.a.groupId, g);
    assert.equal(r.body.result.result.b.groupId, g);
  });
});
