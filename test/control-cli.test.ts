/**
 * `scrumd reset`, `scrumd snapshot …` and `scrumd fixture …` against a running `scrumd serve` (real
 * processes, SQLite file or PostgreSQL): they go through its control API, found by the server file
 * (mode 0600) it writes beside the database; a server started with --no-control makes them refuse.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratch } from './helpers/cliProcess.js';
import { testingPostgres } from './helpers/database.js';
import { rawCall } from './helpers/harness.js';
import { serverFilePath } from '../src/control/serverFile.js';

const CLI = ['--import', 'tsx', 'src/cli.ts'];
const { dir, children, database } = scratch('scrumd-control-cli-');
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, SCRUMD_LOG_LEVEL: 'silent' };
  for (const k of ['HOST', 'PORT', 'SCRUMD_DATABASE', 'SCRUMD_WEBHOOK_SECRET', 'SCRUMD_CONTROL_TOKEN']) delete e[k];
  return e;
}

function serve(args: string[]): Promise<{ proc: ChildProcess; out: () => string; origin: string }> {
  const proc = spawn(process.execPath, [...CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--webhook-secret', 's3cr3t', ...args], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 60_000);
    proc.stderr!.on('data', (d) => (out += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      if (/Webhook: .*\n/.test(out)) {
        clearTimeout(timer);
        resolve({ proc, out: () => out, origin: /listening on (\S+)/.exec(out)![1]! });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [...CLI, ...args], { env: env(), encoding: 'utf8', timeout: 120_000 });
}

async function groups(origin: string): Promise<number> {
  const r = await rawCall(`${origin}/rest/1/s3cr3t/sonet_group.get`, {}, 'get');
  assert.equal(r.status, 200, r.text);
  return r.body.result.length;
}

async function addGroup(origin: string, name: string): Promise<void> {
  const r = await rawCall(`${origin}/rest/1/s3cr3t/sonet_group.create`, { NAME: name, PROJECT: 'Y', SCRUM_MASTER_ID: 1 }, 'json');
  assert.equal(r.status, 200, r.text);
}

test('reset, snapshot and fixture commands go through the running server', async () => {
  const db = await database('running');
  const s = await serve(['--database', db]);
  try {
    const line = s.out().split('\n').find((l) => l.startsWith('Control: '));
    assert.ok(line, `a Control: line at start:\n${s.out()}`);
    const token = /token: (\S+?);/.exec(line)![1]!;
    // the server file: the origin and the token, readable by its owner only
    const file = serverFilePath(db);
    assert.ok(existsSync(file), file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const info = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(info.origin, s.origin);
    assert.equal(info.controlToken, token);

    await addGroup(s.origin, 'A');
    let r = cli(['snapshot', 'save', 'one', '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    await addGroup(s.origin, 'B');
    r = cli(['snapshot', 'list', '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^one\t\d{4}-\d\d-\d\dT/);

    r = cli(['fixture', 'export', join(dir, 'two.json'), '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    const exported = JSON.parse(readFileSync(join(dir, 'two.json'), 'utf8'));
    assert.equal(exported.tables.sonet_groups.length, 2);

    // reset under the running server: through its API, the file is not deleted, the server sees it at once
    r = cli(['reset', '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^reset http/);
    assert.equal(await groups(s.origin), 0);
    await addGroup(s.origin, 'After reset');
    assert.equal(await groups(s.origin), 1, 'writes after the reset are kept (the file is the one served)');

    r = cli(['snapshot', 'restore', 'one', '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await groups(s.origin), 1);
    r = cli(['fixture', 'import', join(dir, 'two.json'), '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await groups(s.origin), 2);
    r = cli(['reset', '--to', 'one', '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await groups(s.origin), 1);

    r = cli(['snapshot', 'delete', 'one', '--database', db]);
    assert.equal(r.status, 0, r.stderr);
    r = cli(['snapshot', 'restore', 'one', '--database', db]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no snapshot named one/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    await stop(s.proc);
  }
  assert.ok(!existsSync(serverFilePath(db)), 'the server file is removed when the server stops');
});

test('a server started with --no-control: the commands refuse instead of changing the database behind its back', async () => {
  const db = await database('nocontrol');
  const s = await serve(['--database', db, '--no-control']);
  try {
    assert.doesNotMatch(s.out(), /Control:/);
    await addGroup(s.origin, 'Kept');
    for (const args of [['reset'], ['snapshot', 'save', 'x'], ['fixture', 'import', join(dir, 'none.json')]]) {
      const r = cli([...args, '--database', db]);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
      if (args[0] !== 'fixture') assert.match(r.stderr, /a server answers at .*--no-control/);
    }
    assert.equal(await groups(s.origin), 1);
    if (!testingPostgres()) assert.ok(existsSync(db), 'the file was not deleted');
  } finally {
    await stop(s.proc);
  }
  // with no server running, reset works on the database itself again
  const r = cli(['reset', '--database', db]);
  assert.equal(r.status, 0, r.stderr);
});
