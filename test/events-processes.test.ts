/**
 * Event delivery across processes (issue 13 §3): a server killed (SIGKILL) after a change committed but
 * before its event was delivered delivers it after a restart; two processes on one PostgreSQL database
 * deliver each event exactly once.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { rawCall } from './helpers/harness.js';
import { runCli, serveProcess, stopProcess } from './helpers/cliProcess.js';
import { testDatabase, testingPostgres, type TestDatabase } from './helpers/database.js';
import { Receiver } from './helpers/receiver.js';

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of cleanups.reverse()) await f();
});

async function database(): Promise<string> {
  if (testingPostgres()) {
    const d: TestDatabase = await testDatabase();
    cleanups.push(() => d.drop());
    return d.location;
  }
  const dir = mkdtempSync(join(tmpdir(), 'scrumd-events-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'portal.db');
}

/** An application with a token of admin 1, made with the CLI. */
function appToken(db: string): string {
  const add = runCli(['app', 'add', '--scope', 'task,sonet_group,user', '--database', db]);
  assert.equal(add.status, 0, add.stderr);
  const { client_id } = JSON.parse(add.stdout);
  const tok = runCli(['token', '--client-id', client_id, '--user', '1', '--database', db]);
  assert.equal(tok.status, 0, tok.stderr);
  return JSON.parse(tok.stdout).access_token;
}

async function ok(origin: string, token: string, method: string, params: Record<string, unknown>) {
  const r = await rawCall(`${origin}/rest/${method}`, { ...params, auth: token }, 'json');
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

test('SIGKILL between the commit and the delivery: the restarted server delivers', async () => {
  const db = await database();
  // a port for the receiver, which is not listening while the first server runs
  const probe = await Receiver.start();
  const port = Number(new URL(probe.url).port);
  await probe.close();
  const env = { SCRUMD_WEBHOOK_SECRET: 's3cr3t' };
  const first = await serveProcess(['--database', db], env, children);
  const token = appToken(db);
  assert.equal(await ok(first.origin, token, 'event.bind', { event: 'ONTASKADD', handler: `http://127.0.0.1:${port}/h` }), true);
  const task = await ok(first.origin, token, 'tasks.task.add', { fields: { TITLE: 'Survives a crash', RESPONSIBLE_ID: 1 } });
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));

  const rx = await Receiver.start(port);
  cleanups.push(() => rx.close());
  const second = await serveProcess(['--database', db], env, children);
  const [got] = await rx.waitFor(1, 45_000); // PostgreSQL: a delivery being sent when killed waits for its lease (20 s)
  assert.equal(got!.body.event, 'ONTASKADD');
  assert.equal(got!.body.data.FIELDS_AFTER.ID, String(task.task.id));
  await stopProcess(second.proc);
  assert.equal(rx.ofEvent('ONTASKADD').length, 1);
});

test('two processes on one PostgreSQL database deliver each event once', { skip: !testingPostgres() && 'PostgreSQL only' }, async () => {
  const db = await database();
  const rx = await Receiver.start();
  cleanups.push(() => rx.close());
  const env = { SCRUMD_WEBHOOK_SECRET: 's3cr3t' };
  const p1 = await serveProcess(['--database', db], env, children);
  const p2 = await serveProcess(['--database', db], env, children);
  const token = appToken(db);
  assert.equal(await ok(p1.origin, token, 'event.bind', { event: 'ONTASKADD', handler: `${rx.url}/h` }), true);
  assert.equal(await ok(p1.origin, token, 'event.bind', { event: 'ONTASKUPDATE', handler: `${rx.url}/h` }), true);
  const N = 30;
  const ids: number[] = [];
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const origin = i % 2 === 0 ? p1.origin : p2.origin;
      const r = await ok(origin, token, 'tasks.task.add', { fields: { TITLE: `T${i}`, RESPONSIBLE_ID: 1 } });
      ids.push(Number(r.task.id));
      await ok(i % 2 === 0 ? p2.origin : p1.origin, token, 'tasks.task.update', { taskId: r.task.id, fields: { TITLE: `U${i}` } });
    }),
  );
  await rx.waitFor(2 * N, 30_000);
  // everything claimed has been answered: nothing left pending or sending
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    for (let i = 0; ; i++) {
      const r = await c.query(`select count(*)::int as n from event_deliveries where status <> 'delivered'`);
      if (r.rows[0].n === 0) break;
      assert.ok(i < 100, 'deliveries left undelivered');
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    await c.end();
  }
  const adds = rx.ofEvent('ONTASKADD').map((r) => Number(r.body.data.FIELDS_AFTER.ID)).sort((a, b) => a - b);
  const updates = rx.ofEvent('ONTASKUPDATE').map((r) => Number(r.body.data.FIELDS_AFTER.ID)).sort((a, b) => a - b);
  const expected = [...ids].sort((a, b) => a - b);
  assert.deepEqual(adds, expected);
  assert.deepEqual(updates, expected);
  // per task, its ONTASKADD and ONTASKUPDATE go to different handlers, so no order is asserted across them
  await stopProcess(p1.proc);
  await stopProcess(p2.proc);
});
