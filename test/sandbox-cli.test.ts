/**
 * `scrumd journal`, `scrumd clock …` and `scrumd faults …` against a running `scrumd serve` (real
 * processes, SQLite file or PostgreSQL), found by its server file; with a server started with --workers
 * the process-local operations are refused; with no server the commands refuse with a clear message.
 * The log line per call at info carries the journal's fields without the secret.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawCall } from './helpers/harness.js';
import { testingPostgres } from './helpers/database.js';
import { runCli, scratch, serveProcess, stopProcess } from './helpers/cliProcess.js';

const { dir, children, database } = scratch('scrumd-sandbox-cli-');

test('journal, clock and faults through the running server; the info log line per call', async () => {
  const db = await database('live');
  const s = await serveProcess(['--database', db, '--webhook-secret', 's3cr3t', '--log-level', 'info'], {}, children);
  try {
    const base = `${s.origin}/rest/1/s3cr3t`;
    assert.equal((await rawCall(`${base}/server.time`, {}, 'get')).status, 200);
    assert.equal((await rawCall(`${base}/tasks.api.scrum.sprint.get`, { id: 'zz' }, 'get')).status, 400);
    const lines = runCli(['journal', '--database', db]);
    assert.equal(lines.status, 0, lines.stderr);
    const entries = lines.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(entries.map((e) => [e.method, e.status]), [['server.time', 200], ['tasks.api.scrum.sprint.get', 400]]);
    assert.equal(runCli(['journal', '--database', db, '--count', '--status', '400']).stdout.trim(), '1');
    assert.equal(runCli(['journal', '--database', db, '--count', '--method', 'server.*']).stdout.trim(), '1');
    assert.equal(runCli(['journal', '--database', db, '--clear']).status, 0);
    assert.equal(runCli(['journal', '--database', db, '--count']).stdout.trim(), '0');

    const frozen = runCli(['clock', 'freeze', '2031-05-01T08:00:00Z', '--database', db]);
    assert.equal(frozen.status, 0, frozen.stderr);
    assert.match(frozen.stdout, /^2031-05-01T08:00:00\+00:00\t.*frozen/);
    assert.match(runCli(['clock', 'advance', '3600', '--database', db]).stdout, /^2031-05-01T09:00:00\+00:00/);
    assert.equal((await rawCall(`${base}/server.time`, {}, 'get')).body.result, '2031-05-01T09:00:00+00:00');
    assert.doesNotMatch(runCli(['clock', 'release', '--database', db]).stdout, /frozen/);
    assert.equal(runCli(['clock', 'reset', '--database', db]).status, 0);
    assert.match(runCli(['clock', 'show', '--database', db]).stdout, /offset 0 s/);

    const added = runCli(['faults', 'add', '--method', 'profile', '--error', 'QUERY_LIMIT_EXCEEDED', '--times', '1', '--database', db]);
    assert.equal(added.status, 0, added.stderr);
    const rule = JSON.parse(added.stdout);
    const refused = await rawCall(`${base}/profile`, {}, 'get');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error, 'QUERY_LIMIT_EXCEEDED');
    assert.equal((await rawCall(`${base}/profile`, {}, 'get')).status, 200);
    assert.equal(JSON.parse(runCli(['faults', 'list', '--database', db]).stdout).hits, 1);
    assert.equal(runCli(['faults', 'remove', String(rule.id), '--database', db]).status, 0);
    const gone = runCli(['faults', 'remove', String(rule.id), '--database', db]);
    assert.notEqual(gone.status, 0);
    assert.match(gone.stderr, /no fault rule/);
    const bad = runCli(['faults', 'add', '--error', 'NOPE', '--database', db]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /INVALID_FAULT/);
    assert.equal(runCli(['faults', 'clear', '--database', db]).status, 0);

    // one line per REST call at info, with the journal's fields and no secret; no Fastify request lines for it
    const out = s.output();
    const calls = out.split('\n').filter((l) => l.includes('"REST call"'));
    assert.ok(calls.length >= 4, out.slice(-2000));
    const line = JSON.parse(calls.find((l) => l.includes('tasks.api.scrum.sprint.get'))!);
    assert.equal(line.call.status, 400);
    assert.equal(line.call.params.id, 'zz');
    assert.deepEqual(line.call.credential, { type: 'webhook', id: 1, user: 1 });
    // (the ready lines print the webhook URL on purpose; the log lines are the JSON ones)
    assert.ok(!out.split('\n').some((l) => l.startsWith('{') && l.includes('s3cr3t')), 'the secret is in the log');
    assert.ok(!out.split('\n').some((l) => l.includes('"incoming request"') && l.includes('/rest/')), 'Fastify logs REST requests too');
  } finally {
    await stopProcess(s.proc);
  }
});

test('with --workers the journal, clock and faults are refused; without a server the commands refuse', async () => {
  const db = await database('workers');
  const s = await serveProcess(['--database', db, '--webhook-secret', 's3cr3t', '--workers', '2'], {}, children);
  try {
    const r = runCli(['clock', 'advance', '10', '--database', db]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /NOT_SOLE_PROCESS/);
  } finally {
    await stopProcess(s.proc);
  }
  if (!testingPostgres()) {
    const none = runCli(['journal', '--database', join(dir, 'none.db')]);
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /no server runs/);
  }
});
