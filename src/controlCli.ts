/**
 * The command line of the sandbox state: `scrumd reset`, `scrumd snapshot save|restore|list|delete`,
 * `scrumd fixture export|import`. The command line never changes a database under a running server
 * behind its back: when a server runs on the database (it wrote its file beside it, see
 * src/control/serverFile.ts, or `--server` names one) the command goes through its control API; when
 * one answers at the origin recorded in the database but cannot be asked (started with --no-control),
 * the command refuses; only when none runs does it work on the database itself.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Command, Option } from 'commander';
import { createApp } from './app.js';
import { defaultConfig } from './config.js';
import { ensurePortal } from './domain/portalSetup.js';
import { recordedServerOrigin } from './domain/serverOrigin.js';
import { nowSeconds } from './core/portalTime.js';
import { isPostgresUrl, openStore } from './store/db.js';
import { checkSnapshotName, ControlError, PortalState, type SnapshotInfo } from './control/state.js';
import { readServerFile } from './control/serverFile.js';

interface Target {
  origin: string;
  token?: string;
  caFile?: string;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** One HTTP request (HTTPS with the local CA when the server file names it); rejects when nothing answers. */
function call(target: Target, method: string, path: string, body?: string, timeoutMs = 600_000): Promise<Answer> {
  const url = new URL(`${target.origin.replace(/\/+$/, '')}${path}`);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const ca = target.caFile && existsSync(target.caFile) ? readFileSync(target.caFile) : undefined;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        ...(ca ? { ca } : {}),
        headers: {
          accept: 'application/json',
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin} in ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether anything answers HTTP at an origin (a short wait: a server that runs answers at once). */
async function answers(target: Target): Promise<boolean> {
  try {
    await call(target, 'GET', '/_scrumd/openapi.json', undefined, 2000);
    return true;
  } catch {
    return false;
  }
}

interface Where {
  database: string;
  server?: string;
  controlToken?: string;
}

/**
 * The running server to ask, or undefined when none runs on the database (the work is then done on it
 * directly). Exits with a message when a server runs that cannot be asked.
 */
async function runningServer(o: Where): Promise<Target | undefined> {
  if (o.server) return { origin: o.server, token: o.controlToken ?? process.env.SCRUMD_CONTROL_TOKEN };
  const file = readServerFile(o.database);
  if (file) {
    const target = { origin: file.origin, token: o.controlToken ?? file.controlToken, caFile: file.caFile };
    if (await answers(target)) return target;
  }
  if (o.database === ':memory:') fail('error: no running server on :memory: was found (its file under ./data is missing); give --server <origin> and --control-token');
  // a server started with --no-control (or before the control API existed) writes no file: ask its origin
  const recorded = existsSync(o.database) || isPostgresUrl(o.database) ? await originRecorded(o.database) : undefined;
  if (recorded && (await answers({ origin: recorded }))) {
    fail(
      `error: a server answers at ${recorded}, the origin recorded in ${isPostgresUrl(o.database) ? 'the database' : o.database}, but it left no control file ` +
        '(started with --no-control?): stop it first, or give --server <origin> --control-token <token>',
    );
  }
  return undefined;
}

async function originRecorded(database: string): Promise<string | undefined> {
  const store = await openStore(database);
  try {
    return await recordedServerOrigin(store.db);
  } finally {
    await store.close();
  }
}

/** Calls a control operation of a running server; exits with its error on failure. */
async function control(target: Target, method: string, path: string, body?: unknown): Promise<unknown> {
  let a: Answer;
  try {
    a = await call(target, method, path, body === undefined ? undefined : JSON.stringify(body));
  } catch (e) {
    return fail(`error: ${target.origin}: ${(e as Error).message}`);
  }
  if (a.status === 200) return a.body;
  const err = a.body as { error?: string; error_description?: string } | undefined;
  if (a.status === 404 && !err?.error?.startsWith('SNAPSHOT')) fail(`error: ${target.origin} has no control API (started with --no-control?)`);
  return fail(`error: ${err?.error_description ?? a.text.slice(0, 200)} (HTTP ${a.status}${err?.error ? ` ${err.error}` : ''})`);
}

/** Runs `fn` on the database itself (no server runs on it). */
async function offline<T>(database: string, fn: (state: PortalState) => Promise<T>): Promise<T> {
  const store = await openStore(database);
  const log = { error: console.error, warn: console.error, info: () => {} };
  const state = new PortalState(store, database);
  try {
    await ensurePortal(createApp({ ...defaultConfig, database }, store, log), nowSeconds());
    return await fn(state);
  } catch (e) {
    if (e instanceof ControlError) fail(`error: ${e.message}`);
    throw e;
  } finally {
    state.close();
    await store.close();
  }
}

function snapshotName(name: string): string {
  try {
    return checkSnapshotName(name);
  } catch (e) {
    return fail(`error: ${(e as Error).message}`);
  }
}

const enc = encodeURIComponent;

/** Adds `reset`, `snapshot …` and `fixture …` to the program. */
export function registerControlCommands(program: Command, databaseOption: () => Option): void {
  const where = (c: Command) =>
    c
      .addOption(databaseOption())
      .option('--server <origin>', 'the running server to ask (default: the one running on --database, found by its file beside the database)')
      .option('--control-token <token>', 'its control token (default: from the server file, or SCRUMD_CONTROL_TOKEN)');

  where(
    program
      .command('reset')
      .description('empty the portal but for user 1 and its webhooks (through the running server; with none, an embedded database file is deleted)')
      .option('--to <snapshot>', 'reset to a snapshot instead of to empty'),
  ).action(async (o: Where & { to?: string }) => {
    if (o.to !== undefined) snapshotName(o.to);
    const target = await runningServer(o);
    if (target) {
      await control(target, 'POST', '/_scrumd/reset', o.to !== undefined ? { snapshot: o.to } : {});
      console.log(o.to !== undefined ? `restored snapshot ${o.to} on ${target.origin}` : `reset ${target.origin}`);
      return;
    }
    if (o.to !== undefined || isPostgresUrl(o.database)) {
      await offline(o.database, (s) => (o.to !== undefined ? s.restore(o.to) : s.reset()));
      console.log(o.to !== undefined ? `restored snapshot ${o.to}` : 'reset');
      return;
    }
    for (const f of [o.database, `${o.database}-wal`, `${o.database}-shm`]) if (existsSync(f)) rmSync(f);
    console.log(`deleted ${o.database}`);
  });

  const snapshot = program.command('snapshot').description('save, restore, list and delete named snapshots of the whole state');
  where(snapshot.command('save').description('save the whole state under a name (replacing one of that name)').argument('<name>')).action(
    async (name: string, o: Where) => {
      snapshotName(name);
      const target = await runningServer(o);
      const info = target ? ((await control(target, 'POST', `/_scrumd/snapshots/${enc(name)}`)) as { result: SnapshotInfo }).result : await offline(o.database, (s) => s.save(name));
      console.log(`saved snapshot ${info.name}`);
    },
  );
  where(snapshot.command('restore').description('replace the whole state by a snapshot').argument('<name>')).action(async (name: string, o: Where) => {
    snapshotName(name);
    const target = await runningServer(o);
    if (target) await control(target, 'POST', `/_scrumd/snapshots/${enc(name)}/restore`);
    else await offline(o.database, (s) => s.restore(name));
    console.log(`restored snapshot ${name}`);
  });
  where(snapshot.command('list').description('the saved snapshots, one per line: name and time saved')).action(async (o: Where) => {
    const target = await runningServer(o);
    const list = target
      ? ((await control(target, 'GET', '/_scrumd/snapshots')) as { result: SnapshotInfo[] }).result
      : await offline(o.database, (s) => s.list());
    for (const s of list) console.log(`${s.name}\t${new Date(s.created * 1000).toISOString()}`);
  });
  where(snapshot.command('delete').description('delete a snapshot').argument('<name>')).action(async (name: string, o: Where) => {
    snapshotName(name);
    const target = await runningServer(o);
    if (target) await control(target, 'DELETE', `/_scrumd/snapshots/${enc(name)}`);
    else if (!(await offline(o.database, (s) => s.delete(name)))) fail(`error: no snapshot named ${name}`);
    console.log(`deleted snapshot ${name}`);
  });

  const fixture = program.command('fixture').description('export the whole state as a JSON fixture, or import one');
  where(fixture.command('export').description('write the whole state as a fixture (to FILE, or to standard output)').argument('[file]')).action(
    async (file: string | undefined, o: Where) => {
      const target = await runningServer(o);
      const doc = target ? await control(target, 'GET', '/_scrumd/fixture') : await offline(o.database, (s) => s.exportFixture());
      const text = `${JSON.stringify(doc, null, 1)}\n`;
      if (file) writeFileSync(file, text);
      else process.stdout.write(text);
    },
  );
  where(fixture.command('import').description('replace the whole state by a fixture file (ids as in it)').argument('<file>')).action(
    async (file: string, o: Where) => {
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        fail(`error: ${file}: ${(e as Error).message}`);
      }
      const target = await runningServer(o);
      if (target) await control(target, 'POST', '/_scrumd/fixture', doc);
      else await offline(o.database, (s) => s.importFixture(doc));
      console.log(`imported ${file}`);
    },
  );
}
