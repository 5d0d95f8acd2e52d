/**
 * Every shell command block of README.md that calls the server is run, as written, by bash and the
 * real curl against a real server started with the README's fixed secret (on a free port: the
 * README's `http://127.0.0.1:8080` is replaced by the server's origin). Blocks that cannot run here
 * are listed below with the reason; a new block is either run (it calls curl) or must be listed.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/harness.js';
import { Receiver } from './helpers/receiver.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The ```sh blocks of the README, in order. */
const blocks = [...README.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1]!);

/** Blocks not run, each recognized by a line it holds, and why. */
const SKIPPED: { holds: string; why: string }[] = [
  { holds: 'npm ci && npm start', why: 'installs the packages and starts a long-running server on port 8080' },
  { holds: 'npx scrumd seed --groups 100 --tasks 1000000', why: 'changes a database file, not the server (test/cli.test.ts runs these commands); the seed takes a minute' },
  { holds: 'npm start -- --https', why: 'starts a long-running HTTPS server on port 8080 (test/https.test.ts covers --https)' },
  { holds: '--workers auto --host 0.0.0.0', why: 'needs a PostgreSQL server at db.internal and listens on every interface' },
  { holds: 'npm test', why: 'runs the whole test suite (this file included)' },
  { holds: "createServer((q,s)", why: 'a long-running event handler on port 9000 (test/helpers/receiver.ts is the tests\' one)' },
  { holds: 'npx scrumd app list', why: "the command-line equivalents of the application walkthrough (run below); test/control-events.test.ts runs them beside a running server" },
];

/**
 * The walkthrough of "Developing an application against scrumd": it needs the application's handler,
 * which the README runs on port 9000 and this test as a receiver on a free port (put in its place).
 */
const isWalkthrough = (block: string): boolean => block.includes('"$C/apps"');

const skipReason = (block: string): string | undefined => SKIPPED.find((s) => block.split('\n').some((l) => l.trim() === s.holds || l.includes(s.holds)))?.why;

/** The fixed webhook secret the README starts the server with (`SCRUMD_WEBHOOK_SECRET=…`). */
const secret = /SCRUMD_WEBHOOK_SECRET=(\S+)/.exec(README)?.[1];

let server: TestServer;
before(async () => {
  assert.ok(secret, 'the README names a fixed webhook secret');
  server = await startTestServer({ webhookSecret: secret, controlToken: /SCRUMD_CONTROL_TOKEN=(\S+)/.exec(README)?.[1] });
});
after(() => server?.close());

test('curl is installed (these tests run the real one)', () => {
  const r = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'curl is needed to run the README commands');
});

test('every README shell block is either run here or listed with the reason it is not', () => {
  assert.ok(blocks.length >= 3, 'the README has shell blocks');
  for (const b of blocks) {
    assert.ok(b.includes('curl ') || skipReason(b), `a README block neither calls the server with curl nor is listed in SKIPPED:\n${b}`);
  }
  for (const s of SKIPPED) assert.ok(blocks.some((b) => b.includes(s.holds)), `SKIPPED names a block the README no longer has: ${s.holds}`);
});

/**
 * Runs a block with bash (asynchronously: the server answers in this process), stopping at the first failing command. curl is run as written plus
 * `-sS --fail-with-body -w '\n'`: a curl error (`bad range`) or an HTTP error status fails the block,
 * and every answer is on a line of its own.
 */
function runBlock(block: string, handler?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  let script = block.replaceAll('http://127.0.0.1:8080', server.origin);
  if (handler) script = script.replaceAll('http://127.0.0.1:9000', handler);
  const prelude = `set -euo pipefail\ncurl() { command curl -sS --fail-with-body -w '\\n' "$@"; }\n`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', prelude + script], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
    });
  });
}

test('the README curl commands run as written against a server and every call succeeds', async () => {
  const runnable = blocks.filter((b) => b.includes('curl ') && !skipReason(b) && !isWalkthrough(b));
  assert.ok(runnable.length >= 1);
  let calls = 0;
  for (const block of runnable) {
    const r = await runBlock(block);
    assert.equal(r.status, 0, `the block failed (exit ${r.status}): ${r.stderr}\n${r.stdout}\n--- block:\n${block}`);
    const answers = r.stdout.split('\n').filter((l) => l.trim() !== '');
    const curls = block.split('\n').filter((l) => /^\s*curl\s/.test(l)).length;
    assert.equal(answers.length, curls, `one answer per curl: ${r.stdout}`);
    for (const a of answers) {
      const body = JSON.parse(a);
      assert.ok('result' in body && !('error' in body), `a call failed: ${a}`);
      calls++;
    }
  }
  assert.ok(calls >= 4);
});

test('the quick start calls build the Scrum they describe: the sprint list of group 1 holds Sprint 1', async () => {
  // the block above ran on this server: the README's "→ {"result":1,…}" and the filtered list hold
  const sprints = await server.admin.result('tasks.api.scrum.sprint.list', { filter: { GROUP_ID: 1 } });
  assert.deepEqual(
    sprints.map((s: { name: string; groupId: number }) => [s.name, s.groupId]),
    [['Sprint 1', 1]],
  );
});

test('the application walkthrough runs as written: its handler gets the install page, ONAPPINSTALL, ONTASKUPDATE (and again), ONAPPUNINSTALL', async () => {
  const walk = blocks.filter(isWalkthrough);
  assert.equal(walk.length, 1, 'one walkthrough block');
  const rx = await Receiver.start();
  try {
    const r = await runBlock(walk[0]!, rx.url);
    assert.equal(r.status, 0, `the walkthrough failed (exit ${r.status}): ${r.stderr}\n${r.stdout}`);
    for (const line of r.stdout.split('\n').filter((l) => l.trim() !== '')) {
      const body = JSON.parse(line);
      assert.ok('result' in body && !('error' in body), `a call failed: ${line}`);
    }
    const got = rx.received.map((x) => `${new URL(x.path, rx.url).pathname} ${x.body.event ?? ''}`.trim());
    assert.deepEqual(got.slice(0, 3), ['/install', '/events ONAPPINSTALL', '/events ONTASKUPDATE']);
    // the redelivery and the uninstall event are of different objects: either may go first
    assert.deepEqual(got.slice(3).sort(), ['/events ONAPPUNINSTALL', '/events ONTASKUPDATE']);
    assert.ok(rx.received[0]!.body.AUTH_ID, 'the frame POST carries AUTH_ID');
    assert.equal(rx.received[0]!.body.PLACEMENT_OPTIONS, '[]');
    assert.equal(rx.received[4]!.body.auth.application_token, rx.received[1]!.body.auth.application_token);
  } finally {
    await rx.close();
  }
});
