/**
 * Crash safety: the server is killed with SIGKILL in the middle of a write load and started again.
 * Every write that was acknowledged is there, and the database passes its integrity check.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { rawCall } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-crash-'));
const procs: ChildProcess[] = [];
after(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(db: string): Promise<{ proc: ChildProcess; origin: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--database', db, '--webhook-secret', 'crash'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SCRUMD_LOG_LEVEL: 'silent' },
  });
  procs.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m && out.includes('Webhook:')) {
        clearTimeout(timer);
        resolve({ proc, origin: m[1]! });
      }
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

test('acknowledged writes survive SIGKILL; the database stays intact', async () => {
  const db = join(dir, 'crash.db');
  const first = await start(db);
  const base = `${first.origin}/rest/1/crash`;
  const group = (await rawCall(`${base}/sonet_group.create`, { NAME: 'Crash', SCRUM_MASTER_ID: 1 }, 'json')).body.result as number;
  await rawCall(`${base}/tasks.api.scrum.backlog.add`, { fields: { groupId: group, createdBy: 1 } }, 'json');

  const acknowledged = new Map<number, string>(); // task id → title
  const sprints = new Map<number, string>();
  let stop = false;
  let n = 0;
  const worker = async () => {
    while (!stop) {
      const i = n++;
      try {
        if (i % 3 === 0) {
          const name = `Sprint ${i}`;
          const r = await rawCall(`${base}/tasks.api.scrum.sprint.add`, { fields: { groupId: group, name, createdBy: 1, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' } }, 'json');
          if (r.status === 200) sprints.set(r.body.result.id, name);
        } else {
          const title = `Task ${i}`;
          const r = await rawCall(`${base}/tasks.task.add`, { fields: { TITLE: title, RESPONSIBLE_ID: 1, GROUP_ID: group } }, 'json');
          if (r.status === 200) acknowledged.set(Number(r.body.result.task.id), title);
        }
      } catch {
        // the connection died with the server: that write was not acknowledged
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await sleep(1500);
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  stop = true;
  await Promise.all(workers);
  assert.ok(acknowledged.size > 10, `only ${acknowledged.size} writes were acknowledged before the kill`);

  // The file itself: integrity, and every acknowledged row.
  const check = new BetterSqlite3(db);
  assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
  check.close();

  const second = await start(db);
  try {
    const b2 = `${second.origin}/rest/1/crash`;
    for (const [id, title] of acknowledged) {
      const r = await rawCall(`${b2}/tasks.task.get`, { taskId: id, select: ['ID', 'TITLE'] }, 'json');
      assert.equal(r.body.result?.task?.title, title, `task ${id} was acknowledged but is missing`);
    }
    for (const [id, name] of sprints) {
      const r = await rawCall(`${b2}/tasks.api.scrum.sprint.get`, { id }, 'json');
      assert.equal(r.body.result?.name, name, `sprint ${id} was acknowledged but is missing`);
    }
    // The server keeps working after recovery.
    assert.equal((await rawCall(`${b2}/tasks.task.add`, { fields: { TITLE: 'after', RESPONSIBLE_ID: 1, GROUP_ID: group } }, 'json')).status, 200);
  } finally {
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
  }
});
