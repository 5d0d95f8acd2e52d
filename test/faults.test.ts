/**
 * Faults that must be loud (issue 10 §6): the database file deleted or replaced under a running
 * server, a missing database that was expected at start, a full disk, and a server that cannot start
 * (read-only file system, port in use, bad host, unreadable certificate).
 *
 * The database-file faults are SQLite's (a PostgreSQL server keeps its own files): those tests use a
 * SQLite file in both test passes. The start-up failures run on the pass's database.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { defaultConfig } from '../src/config.js';
import { startServer } from '../src/serve.js';
import { testDatabase, testingPostgres, type TestDatabase } from './helpers/database.js';
import { CLI, cliEnv, serveProcess, stopProcess, type ServeProcess } from './helpers/cliProcess.js';
import { ADMIN_SECRET, rawCall, type Reply } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-faults-'));
const children: ChildProcess[] = [];
const databases: TestDatabase[] = [];
const mounts: string[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const m of mounts) spawnSync('umount', [m]);
  for (const d of databases) await d.drop();
  rmSync(dir, { recursive: true, force: true });
});

function serve(args: string[]): Promise<ServeProcess> {
  return serveProcess(args, { SCRUMD_WEBHOOK_SECRET: ADMIN_SECRET }, children);
}

/** pino lines at error level (50) or above. */
function errorLines(output: string): { level: number; msg: string; err?: { code?: string; message?: string } }[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((o) => o.level >= 50);
}

function assertInternalError(r: Reply, what: string): void {
  assert.equal(r.status, 500, `${what}: ${r.text}`);
  assert.deepEqual(r.body, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' }, what);
  assert.equal(r.headers.get('access-control-allow-origin'), '*', what);
}

describe('the database file under a running server', () => {
  test('the data folder deleted: writes are refused with the internal-error envelope and an error in the log', async () => {
    const root = join(dir, 'deleted');
    const db = join(root, 'data', 'scrumd.db');
    const s = await serve(['--database', db]);
    const W = `${s.origin}/rest/1/${ADMIN_SECRET}`;
    const before = await rawCall(`${W}/sonet_group.create`, { NAME: 'Before', SCRUM_MASTER_ID: 1 }, 'json');
    assert.equal(before.status, 200, before.text);
    rmSync(root, { recursive: true, force: true });
    for (const [method, params] of [
      ['sonet_group.create', { NAME: 'After', SCRUM_MASTER_ID: 1 }],
      ['tasks.task.add', { fields: { TITLE: 'After', RESPONSIBLE_ID: 1 } }],
      ['batch', { cmd: { a: 'sonet_group.create?NAME=InBatch' } }],
      ['sonet_group.create', { NAME: 'Again', SCRUM_MASTER_ID: 1 }],
    ] as const) {
      assertInternalError(await rawCall(`${W}/${method}`, params, 'json'), method);
    }
    // what is read is still answered (the open file is still readable)
    assert.equal((await rawCall(`${W}/user.current`, {}, 'get')).status, 200);
    await stopProcess(s.proc);
    const errors = errorLines(s.output());
    assert.ok(
      errors.some((e) => /was deleted while scrumd had it open; writes are refused/.test(e.msg)),
      `no loud log line:\n${s.output()}`,
    );
    assert.equal(existsSync(db), false, 'nothing re-created the deleted file');
  });

  test('the database file replaced by another: writes are refused, the log says replaced', async () => {
    const db = join(dir, 'replaced', 'scrumd.db');
    const s = await serve(['--database', db]);
    const W = `${s.origin}/rest/1/${ADMIN_SECRET}`;
    assert.equal((await rawCall(`${W}/sonet_group.create`, { NAME: 'Before', SCRUM_MASTER_ID: 1 }, 'json')).status, 200);
    // a new database made by the command line elsewhere, then moved over the file behind the server's
    // back in one rename (`scrumd reset` now goes through the running server's control API instead).
    // One rename, so that no write of the server — the event deliverer polls too — finds the path
    // empty in between and reports the file deleted rather than replaced.
    const other = join(dir, 'replaced', 'other.db');
    const added = spawnSync(process.execPath, [...CLI, 'user', 'add', '--email', 'new@example.com', '--database', other], { env: cliEnv(), encoding: 'utf8' });
    assert.equal(added.status, 0, added.stderr);
    for (const f of [`${other}-wal`, `${other}-shm`]) assert.equal(existsSync(f), false, `${f} left behind: the new database is not whole`);
    renameSync(other, db);
    assertInternalError(await rawCall(`${W}/sonet_group.create`, { NAME: 'After', SCRUM_MASTER_ID: 1 }, 'json'), 'after replace');
    await stopProcess(s.proc);
    assert.ok(errorLines(s.output()).some((e) => /was replaced while scrumd had it open/.test(e.msg)), s.output());
  });

  test('at start, a missing database that was expected is created only with a log line saying so', async () => {
    const data = join(dir, 'restart', 'data');
    const db = join(data, 'scrumd.db');
    // a genuine first start (with --https, which makes tls/) says nothing of the kind
    const first = await serve(['--database', db, '--https']);
    await stopProcess(first.proc);
    assert.doesNotMatch(first.output(), /missing/);
    assert.ok(existsSync(join(data, 'tls')));
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    const second = await serve(['--database', db, '--https']);
    await stopProcess(second.proc);
    const line = second
      .output()
      .split('\n')
      .find((l) => l.includes('is missing although'));
    assert.ok(line, second.output());
    assert.match(line!, /tls/);
    assert.match(line!, /new EMPTY database/);
    assert.equal(JSON.parse(line!).level, 40, 'a warning, printed at the default log level');
  });
});

/** A server in this process on `database`, its log lines (at warn and above) collected as they come. */
async function loggedServer(database: string): Promise<{ server: Awaited<ReturnType<typeof startServer>>; lines: string[] }> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const server = await startServer(
    { ...defaultConfig, host: '127.0.0.1', port: 0, database, webhookSecret: ADMIN_SECRET, logLevel: 'warn' },
    { logger: { level: 'warn', stream } },
  );
  return { server, lines };
}

describe('a full disk', () => {
  test('SQLITE_FULL: the internal-error envelope, the real cause in the log, and writes work again once there is room', async () => {
    const { server, lines } = await loggedServer(join(dir, 'full', 'scrumd.db'));
    try {
      const W = `${server.origin}/rest/1/${ADMIN_SECRET}`;
      const db = server.app.store.db;
      const pages = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
      // the disk is full: SQLite may not grow the file beyond its size now (a realistic SQLITE_FULL)
      await sql.raw(`PRAGMA max_page_count = ${pages.rows[0]!.page_count}`).execute(db);
      /** Writes until one fails; that answer. */
      const fill = async (method: string, params: (i: number) => Record<string, unknown>): Promise<Reply> => {
        for (let i = 0; i < 300; i++) {
          const r = await rawCall(`${W}/${method}`, params(i), 'json');
          if (r.status !== 200) return r;
        }
        throw new Error(`${method}: the writes never filled the database`);
      };
      const full = await fill('sonet_group.create', (i) => ({ NAME: `Group ${i}`, DESCRIPTION: 'x'.repeat(4000), SCRUM_MASTER_ID: 1 }));
      assertInternalError(full, 'disk full');
      // a task too (its method catches failures of its own)
      assertInternalError(await fill('tasks.task.add', (i) => ({ fields: { TITLE: `${i} ${'y'.repeat(4000)}`, RESPONSIBLE_ID: 1 } })), 'task on a full disk');
      const log = lines.map((l) => JSON.parse(l));
      assert.ok(
        log.some((o) => o.level >= 50 && /SQLITE_FULL/.test(o.msg) && o.err?.code === 'SQLITE_FULL'),
        `the cause is not in the log:\n${lines.join('\n')}`,
      );
      assert.ok(!lines.some((l) => l.includes('cannot rollback')), lines.join('\n'));
      // room again: writes work (a full disk is not a permanent fault)
      await sql.raw('PRAGMA max_page_count = 1073741823').execute(db);
      const ok = await rawCall(`${W}/sonet_group.create`, { NAME: 'After', SCRUM_MASTER_ID: 1 }, 'json');
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await server.close();
    }
  });
});

describe('a full disk on PostgreSQL', () => {
  // The PostgreSQL pass only: the database's own error (SQLSTATE 53100) is raised by a trigger, as a
  // server whose disk is full would answer the INSERT.
  test('53100 disk_full: the internal-error envelope, the real cause in the log, writes work again once it passes', { skip: !testingPostgres() && 'PostgreSQL pass only' }, async () => {
    const d = await testDatabase();
    databases.push(d);
    const { server, lines } = await loggedServer(d.location);
    try {
      const W = `${server.origin}/rest/1/${ADMIN_SECRET}`;
      const db = server.app.store.db;
      await sql.raw(`create function scrumd_test_disk_full() returns trigger language plpgsql as $$
        begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`).execute(db);
      for (const table of ['sonet_groups', 'tasks']) {
        await sql.raw(`create trigger scrumd_test_full before insert on ${table} for each row execute function scrumd_test_disk_full()`).execute(db);
      }
      assertInternalError(await rawCall(`${W}/sonet_group.create`, { NAME: 'Full', SCRUM_MASTER_ID: 1 }, 'json'), 'disk full');
      assertInternalError(await rawCall(`${W}/tasks.task.add`, { fields: { TITLE: 'Full', RESPONSIBLE_ID: 1 } }, 'json'), 'task on a full disk');
      const log = lines.map((l) => JSON.parse(l));
      assert.ok(
        log.some((o) => o.level >= 50 && /storage fault \(53100\)/.test(o.msg) && o.err?.code === '53100'),
        `the cause is not in the log:\n${lines.join('\n')}`,
      );
      for (const table of ['sonet_groups', 'tasks']) await sql.raw(`drop trigger scrumd_test_full on ${table}`).execute(db);
      const ok = await rawCall(`${W}/sonet_group.create`, { NAME: 'After', SCRUM_MASTER_ID: 1 }, 'json');
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await server.close();
    }
  });
});

describe('a server that cannot start', () => {
  /** The pass's database: a SQLite file, or a fresh PostgreSQL database. */
  async function database(name: string): Promise<string> {
    const d = await testDatabase();
    if (d.location === ':memory:') return join(dir, `${name}.db`);
    databases.push(d);
    return d.location;
  }

  function start(args: string[]) {
    return spawnSync(process.execPath, [...CLI, 'serve', ...args], { env: cliEnv(), encoding: 'utf8', timeout: 60_000 });
  }

  /** Exit code 1, one line on stderr naming the problem, no stack trace; with --log-level debug, the stack. */
  function assertOneLine(args: string[], pattern: RegExp): void {
    const r = start(args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
    assert.match(lines[0]!, /^scrumd: cannot start: /);
    assert.match(lines[0]!, pattern);
    assert.doesNotMatch(r.stderr + r.stdout, /^\s+at /m);
    const debug = start([...args, '--log-level', 'debug']);
    assert.equal(debug.status, 1);
    assert.match(debug.stderr, /^scrumd: cannot start: /);
    assert.match(debug.stderr, /^\s+at /m, 'the stack at --log-level debug');
  }

  test('a port in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const db = await database('port');
      assertOneLine(['--host', '127.0.0.1', '--port', String(port), '--database', db], new RegExp(`port ${port} .*already in use.*--port`));
      // with worker processes: the same message (once per worker that got to say it), and no endless restarts
      const workers = start(['--host', '127.0.0.1', '--port', String(port), '--database', db, '--workers', '2']);
      assert.equal(workers.status, 1, `${workers.stdout} ${workers.stderr}`);
      const lines = workers.stderr.split('\n').filter((l) => l.trim() !== '');
      assert.ok(lines.length >= 1 && lines.length <= 2, workers.stderr);
      for (const l of lines) assert.match(l, new RegExp(`^scrumd: cannot start: port ${port} .*already in use`));
    } finally {
      blocker.close();
    }
  });

  test('a host that is not an address of this machine, or does not resolve', async () => {
    const db = await database('host');
    assertOneLine(['--host', '203.0.113.77', '--port', '0', '--database', db], /203\.0\.113\.77.*--host 127\.0\.0\.1/);
    assertOneLine(['--host', 'no-such-host.invalid', '--port', '0', '--database', db], /no-such-host\.invalid.*--host/);
  });

  test('an unreadable or invalid certificate', async () => {
    const db = await database('cert');
    const missing = join(dir, 'missing-cert.pem');
    assertOneLine(['--host', '127.0.0.1', '--port', '0', '--database', db, '--tls-cert', missing, '--tls-key', missing], /certificate \(--tls-cert\).*missing-cert\.pem.*no such file/);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    assertOneLine(['--host', '127.0.0.1', '--port', '0', '--database', db, '--tls-cert', garbage, '--tls-key', garbage], /HTTPS certificate.*garbage\.pem.*PEM/);
  });

  test('a read-only file system', async (t) => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    // a read-only mount (root only); a folder's write bits do not stop root
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    if (mounted.status !== 0) return t.skip('cannot mount a read-only file system here (needs root)');
    mounts.push(ro);
    assertOneLine(['--host', '127.0.0.1', '--port', '0', '--database', join(ro, 'data', 'scrumd.db')], /read-only.*--database/);
  });
});
