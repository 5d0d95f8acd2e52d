/** The scrumd command line, run as a real process: serve, first start, restart, user add, webhook add, reset. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { errorOf, rawCall } from './helpers/harness.js';
import { testDatabase, testingPostgres } from './helpers/database.js';

const CLI = ['--import', 'tsx', 'src/cli.ts'];
const dir = mkdtempSync(join(tmpdir(), 'scrumd-cli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['HOST', 'PORT', 'SCRUMD_DATABASE', 'SCRUMD_WEBHOOK_SECRET', 'SCRUMD_TIMEZONE']) if (!(k in extra)) delete e[k];
  return e;
}

/** Starts `scrumd serve` and resolves with its printed lines once it is ready. */
function serve(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ proc: ChildProcess; lines: string[]; origin: string; stderr: () => string }> {
  const proc = spawn(process.execPath, [...CLI, 'serve', '--host', '127.0.0.1', ...args], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out} ${err}`)), 20_000);
    proc.stderr!.on('data', (d) => (err += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      if (/Webhook: .*\n/.test(out)) {
        clearTimeout(timer);
        const lines = out.split('\n');
        const origin = /listening on (\S+)/.exec(out)![1]!;
        resolve({ proc, lines, origin, stderr: () => err });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out} ${err}`));
    });
  });
}

function stop(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.on('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

function run(args: string[], extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...CLI, ...args], { env: env(extra), encoding: 'utf8', timeout: 30_000 });
}

test('first start creates user 1 and a webhook and prints the URL; a restart keeps the data', async () => {
  const db = join(dir, 'first.db');
  const first = await serve(['--port', '0', '--database', db]);
  const hookLine = first.lines.find((l) => l.startsWith('Webhook: '))!;
  const url = hookLine.slice('Webhook: '.length).trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/rest\/1\/[a-z0-9]{16}\/$/);
  const profile = await rawCall(`${url}profile`, {}, 'get');
  assert.equal(profile.body.result.ID, '1');
  assert.equal(profile.body.result.ADMIN, true);
  assert.equal(profile.body.result.NAME, 'Admin');
  const group = await rawCall(`${url}sonet_group.create`, { NAME: 'Kept', SCRUM_MASTER_ID: 1 }, 'json');
  assert.equal(group.status, 200);
  assert.equal(first.stderr(), '', 'no warnings (deprecations included) at the default log level');
  assert.equal(await stop(first.proc), 0);

  // Later starts create nothing; the secret (stored hashed) cannot be printed again.
  const second = await serve(['--port', '0', '--database', db]);
  assert.ok(second.lines.some((l) => l.includes('<secret>')));
  const again = url.replace(/^http:\/\/[^/]+/, second.origin);
  const r = await rawCall(`${again}tasks.api.scrum.backlog.add`, { fields: { groupId: group.body.result, createdBy: 1 } }, 'json');
  assert.equal(r.status, 200, 'the old secret still works and the group survived the restart');
  assert.equal(await stop(second.proc), 0);
});

test('a fixed secret from the environment; HOST/PORT/SCRUMD_DATABASE are read', async () => {
  const db = join(dir, 'env.db');
  const s = await serve([], { PORT: '0', SCRUMD_DATABASE: db, SCRUMD_WEBHOOK_SECRET: 'fixedsecret1' });
  assert.ok(s.lines.some((l) => l === `Webhook: ${s.origin}/rest/1/fixedsecret1/`), s.lines.join('\n'));
  assert.ok(existsSync(db));
  assert.equal((await rawCall(`${s.origin}/rest/1/fixedsecret1/server.time`, {}, 'get')).status, 200);
  assert.equal(await stop(s.proc), 0);
  // With the same setting, a restart prints (and accepts) the same URL.
  const s2 = await serve(['--port', '0', '--webhook-secret', 'fixedsecret1', '--database', db]);
  assert.ok(s2.lines.some((l) => l === `Webhook: ${s2.origin}/rest/1/fixedsecret1/`));
  assert.equal(await stop(s2.proc), 0);
});

test('user add and webhook add, then calling as that user with its scopes', async () => {
  const db = join(dir, 'users.db');
  const added = run(['user', 'add', '--email', 'anna@example.com', '--name', 'Anna', '--database', db]);
  assert.equal(added.status, 0, added.stderr);
  assert.equal(added.stdout.trim(), '2');
  const dup = run(['user', 'add', '--email', 'ANNA@example.com', '--database', db]);
  assert.notEqual(dup.status, 0);
  assert.match(dup.stderr, /already exists/);
  const hook = run(['webhook', 'add', '--user', '2', '--scope', 'task', '--database', db]);
  assert.equal(hook.status, 0, hook.stderr);
  const path = new URL(hook.stdout.trim()).pathname; // /rest/2/<secret>/
  assert.match(path, /^\/rest\/2\/[a-z0-9]{16}\/$/);
  assert.notEqual(run(['webhook', 'add', '--user', '99', '--database', db]).status, 0);
  assert.notEqual(run(['webhook', 'add', '--user', '2', '--scope', 'task,bogus', '--database', db]).status, 0);

  const s = await serve(['--port', '0', '--database', db]);
  const profile = await rawCall(`${s.origin}${path}profile`, {}, 'get');
  assert.equal(profile.body.result.ID, '2');
  assert.equal(profile.body.result.ADMIN, false);
  assert.deepEqual(errorOf(await rawCall(`${s.origin}${path}sonet_group.create`, { NAME: 'x' }, 'json')), {
    status: 401,
    error: 'insufficient_scope',
    error_description: 'The request requires higher privileges than provided by the webhook token',
  });
  assert.equal(await stop(s.proc), 0);
});

test('bad options are refused with a message', () => {
  const tz = run(['serve', '--timezone', 'Mars/Olympus', '--database', ':memory:']);
  assert.notEqual(tz.status, 0);
  assert.match(tz.stderr, /time zone/);
  const port = run(['serve', '--port', 'http', '--database', ':memory:']);
  assert.notEqual(port.status, 0);
  assert.match(port.stderr, /port/);
});

test('reset deletes the embedded database', () => {
  const db = join(dir, 'reset.db');
  assert.equal(run(['user', 'add', '--email', 'x@example.com', '--database', db]).status, 0);
  assert.ok(existsSync(db));
  const r = run(['reset', '--database', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(db));
});

test('app add, app code and token mint OAuth credentials usable over REST', async () => {
  const db = join(dir, 'oauth.db');
  const added = run(['app', 'add', '--title', 'CI', '--scope', 'task,user', '--database', db]);
  assert.equal(added.status, 0, added.stderr);
  const creds = JSON.parse(added.stdout);
  assert.match(creds.client_id, /^local\./);
  assert.equal(creds.scope, 'task,user');
  const minted = run(['token', '--client-id', creds.client_id, '--user', '1', '--expires-in', '86400', '--database', db]);
  assert.equal(minted.status, 0, minted.stderr);
  const pair = JSON.parse(minted.stdout);
  const code = run(['app', 'code', '--client-id', creds.client_id, '--user', '1', '--database', db]).stdout.trim();
  assert.match(code, /^[0-9a-f]{48}$/);
  assert.notEqual(run(['token', '--client-id', 'local.nope', '--user', '1', '--database', db]).status, 0);

  const s = await serve(['--port', '0', '--database', db]);
  const r = await rawCall(`${s.origin}/rest/tasks.api.scrum.backlog.getFields`, { auth: pair.access_token }, 'json');
  assert.equal(r.status, 200);
  assert.ok(pair.expires > Date.now() / 1000 + 80_000);
  const exchanged = await fetch(`${s.origin}/oauth/token/?grant_type=authorization_code&client_id=${creds.client_id}&client_secret=${creds.client_secret}&code=${code}`);
  assert.equal(exchanged.status, 200);
  assert.equal(await stop(s.proc), 0);
});

test('--workers 2 serves from two processes sharing the port, on one database', async () => {
  const db = join(dir, 'workers.db');
  const s = await serve(['--port', '0', '--database', db, '--webhook-secret', 'workersecret', '--workers', '2']);
  assert.ok(s.lines[0]!.includes('2 worker processes'), s.lines[0]);
  const base = `${s.origin}/rest/1/workersecret`;
  const group = (await rawCall(`${base}/sonet_group.create`, { NAME: 'W', SCRUM_MASTER_ID: 1 }, 'json')).body.result;
  // Concurrent adds of the group's backlog from both processes: exactly one wins.
  const adds = await Promise.all(Array.from({ length: 20 }, () => rawCall(`${base}/tasks.api.scrum.backlog.add`, { fields: { groupId: group, createdBy: 1 } }, 'json')));
  assert.equal(adds.filter((r) => r.status === 200).length, 1);
  for (const r of adds.filter((x) => x.status !== 200)) assert.equal(r.body.error_description, 'Backlog already added');
  assert.equal(await stop(s.proc), 0);
});

test('--version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-v']) {
    const r = run([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  }
});

test('a mistyped command or option gets one line with a suggestion and a hint, not the whole help', () => {
  const cases: [string[], RegExp][] = [
    [['sreve', '--database', ':memory:', '--port', '0'], /^error: unknown command 'sreve'\n\(Did you mean serve\?\)\n\(see: scrumd --help\)\n$/],
    [['webhok', 'add', '--user', '1'], /^error: unknown command 'webhok'\n\(Did you mean webhook\?\)\n/],
    [['webhook', 'ad'], /^error: unknown command 'ad'\n\(Did you mean add\?\)\n\(see: scrumd webhook --help\)\n$/],
    [['serve', '--prot', '0', '--database', ':memory:'], /^error: unknown option '--prot'\n\(Did you mean --port\?\)\n\(see: scrumd serve --help\)\n$/],
    [['--prot', '0', '--database', ':memory:'], /^error: unknown option '--prot'\n\(Did you mean --port\?\)\n/],
  ];
  for (const [args, expected] of cases) {
    const r = run(args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, expected, args.join(' '));
    assert.doesNotMatch(r.stderr + r.stdout, /Usage:|Options:/, 'no help text');
  }
  // a failure of the work itself is one line, without a usage hint
  const none = run(['webhook', 'add', '--user', '99', '--database', join(dir, 'hint.db')]);
  assert.equal(none.status, 1);
  assert.equal(none.stderr, 'error: no user 99\n');
});

test('a --database URL of another kind (mysql://) is refused in one line; nothing is created', () => {
  for (const args of [['serve', '--port', '0'], ['user', 'add', '--email', 'm@example.com'], ['reset']]) {
    const r = spawnSync(process.execPath, [...CLI, ...args, '--database', 'mysql://root:hunter2@db.internal/scrum'], { env: env(), encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /--database mysql: is not supported.*SQLite.*postgres:\/\//);
    assert.doesNotMatch(r.stderr, /hunter2/, 'no password in the message');
  }
  const env2 = run(['serve', '--port', '0'], { SCRUMD_DATABASE: 'sqlite:./x.db' });
  assert.equal(env2.status, 1, env2.stdout + env2.stderr);
  assert.ok(!existsSync('mysql:') && !existsSync('sqlite:.'), 'no folder named after the URL');
});

test('webhook add prints the URL of the server running on the database (or --origin)', async () => {
  const database = testingPostgres() ? await testDatabase() : { location: join(dir, 'origin.db'), drop: async () => {} };
  try {
    const s = await serve(['--port', '0', '--database', database.location]);
    assert.doesNotMatch(s.origin, /:8080$/);
    const hook = run(['webhook', 'add', '--user', '1', '--scope', 'user', '--database', database.location]);
    assert.equal(hook.status, 0, hook.stderr);
    const url = hook.stdout.trim();
    assert.ok(url.startsWith(`${s.origin}/rest/1/`), `${url} is on ${s.origin}`);
    const profile = await rawCall(`${url}profile`, {}, 'get');
    assert.equal(profile.status, 200, 'the printed URL works as printed');
    assert.equal(profile.body.result.ID, '1');
    const other = run(['webhook', 'add', '--user', '1', '--origin', 'https://scrum.example.com/', '--database', database.location]);
    assert.match(other.stdout.trim(), /^https:\/\/scrum\.example\.com\/rest\/1\/[a-z0-9]{16}\/$/);
    assert.equal(await stop(s.proc), 0);
  } finally {
    await database.drop();
  }
});

test('npm scripts: `prepare` (run by npm ci) builds dist/, `npm start` rebuilds only when a source is newer', () => {
  // A copy of the project's scripts and build setup around a one-file source (tsc on the real sources takes a minute here).
  const root = join(dir, 'project');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'scripts'), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', 'scripts/build-if-stale.mjs']) copyFileSync(f, join(root, f));
  symlinkSync(join(process.cwd(), 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'src', 'cli.ts'), 'console.log("built 1");\n');
  const npm = (script: string) => spawnSync('npm', ['run', '--silent', script], { cwd: root, env: env(), encoding: 'utf8', timeout: 120_000 });

  const prepared = npm('prepare');
  assert.equal(prepared.status, 0, prepared.stderr);
  assert.equal(spawnSync(process.execPath, [join(root, 'dist', 'cli.js')], { encoding: 'utf8' }).stdout, 'built 1\n');
  const builtAt = statSync(join(root, 'dist', 'cli.js')).mtimeMs;

  const fresh = npm('prestart');
  assert.equal(fresh.status, 0, fresh.stderr);
  assert.doesNotMatch(fresh.stderr + fresh.stdout, /building/);
  assert.equal(statSync(join(root, 'dist', 'cli.js')).mtimeMs, builtAt, 'an up-to-date build is not rebuilt');

  writeFileSync(join(root, 'src', 'cli.ts'), 'console.log("built 2");\n');
  utimesSync(join(root, 'src', 'cli.ts'), new Date(), new Date(builtAt + 5_000));
  const stale = npm('prestart');
  assert.equal(stale.status, 0, stale.stderr);
  assert.match(stale.stderr, /building/);
  assert.equal(spawnSync(process.execPath, [join(root, 'dist', 'cli.js')], { encoding: 'utf8' }).stdout, 'built 2\n');

  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.match(pkg.scripts.dev, /tsx watch src\/cli\.ts serve/, 'the quick path for development');
});
