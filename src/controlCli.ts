/**
 * The command line of the sandbox state: `scrumd reset`, `scrumd snapshot save|restore|list|delete`,
 * `scrumd fixture export|import`; and `scrumd journal`, `scrumd clock …`, `scrumd faults …`, which only a running
 * server has (they live in its process). The command line never changes a database under a running server
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

export interface Target {
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

export interface Where {
  database: string;
  server?: string;
  controlToken?: string;
}

/**
 * The running server to ask, or undefined when none runs on the database (the work is then done on it
 * directly). Exits with a message when a server runs that cannot be asked.
 */
export async function runningServer(o: Where): Promise<Target | undefined> {
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
export async function control(target: Target, method: string, path: string, body?: unknown): Promise<unknown> {
  let a: Answer;
  try {
    a = await call(target, method, path, body === undefined ? undefined : JSON.stringify(body));
  } catch (e) {
    return fail(`error: ${target.origin}: ${(e as Error).message}`);
  }
  if (a.status === 200) return a.body;
  const err = a.body as { error?: string; error_description?: string } | undefined;
  if (a.status === 404 && !/_NOT_FOUND$/.test(err?.error ?? '')) fail(`error: ${target.origin} has no control API (started with --no-control?)`);
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

/** The running server for an operation only a server has (journal, clock, faults); exits when none runs. */
export async function liveServer(o: Where, what: string): Promise<Target> {
  const target = await runningServer(o);
  if (!target) fail(`error: no server runs on ${o.database}: the ${what} lives in a running server (start \`scrumd serve\`, or give --server <origin>)`);
  return target;
}

/** A query string from the options that are set. */
function query(o: Record<string, unknown>, names: string[]): string {
  const q = new URLSearchParams();
  for (const n of names) if (o[n] !== undefined) q.set(n, String(o[n]));
  return q.size > 0 ? `?${q}` : '';
}

function printClock(answer: unknown): void {
  const c = (answer as { result: { now: number; date: string; offset: number; frozen: boolean } }).result;
  console.log(`${c.date}\t${c.now.toFixed(3)}\toffset ${Math.round(c.offset)} s${c.frozen ? '\tfrozen' : ''}`);
}

/** The options of a command that asks the running server: --database, --server, --control-token. */
export function serverOptions(c: Command, databaseOption: () => Option): Command {
  return c
    .addOption(databaseOption())
    .option('--server <origin>', 'the running server to ask (default: the one running on --database, found by its file beside the database)')
    .option('--control-token <token>', 'its control token (default: from the server file, or SCRUMD_CONTROL_TOKEN)');
}

/** Adds `reset`, `snapshot …` and `fixture …` to the program. */
export function registerControlCommands(program: Command, databaseOption: () => Option): void {
  const where = (c: Command) => serverOptions(c, databaseOption);

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

  // --- the request journal, the clock and fault rules (only a running server has them) ---------------
  where(
    program
      .command('journal')
      .description('the request journal of the running server: one JSON entry per line, oldest first')
      .option('--method <glob>', 'method name glob (tasks.api.scrum.*)')
      .option('--status <status>', 'HTTP status')
      .option('--error <code>', 'error code')
      .option('--since <seconds>', 'portal Unix seconds')
      .option('--until <seconds>', 'portal Unix seconds')
      .option('--limit <n>', 'the latest N only')
      .option('--count', 'print how many entries match')
      .option('--clear', 'empty the journal'),
  ).action(async (o: Where & Record<string, unknown>) => {
    const target = await liveServer(o, 'request journal');
    if (o.clear) {
      await control(target, 'DELETE', '/_scrumd/journal');
      console.log('journal cleared');
      return;
    }
    const q = query(o, ['method', 'status', 'error', 'since', 'until', 'limit']);
    if (o.count) {
      console.log(((await control(target, 'GET', `/_scrumd/journal/count${q}`)) as { result: number }).result);
      return;
    }
    for (const e of ((await control(target, 'GET', `/_scrumd/journal${q}`)) as { result: unknown[] }).result) console.log(JSON.stringify(e));
  });

  const clock = program.command('clock').description("the running server's portal clock: show, set, advance, freeze, release, reset");
  const clockOp = (name: string, description: string, path: string, body?: (arg: string | undefined) => unknown, arg?: string) => {
    const c = clock.command(name).description(description);
    if (arg) c.argument(arg);
    where(c).action(async (...args: unknown[]) => {
      const a = arg ? (args[0] as string | undefined) : undefined;
      const o = (arg ? args[1] : args[0]) as Where;
      const target = await liveServer(o, 'clock');
      printClock(await control(target, path === '' ? 'GET' : 'POST', `/_scrumd/clock${path}`, body?.(a)));
    });
  };
  const timeValue = (v: string | undefined) => (v === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  clockOp('show', 'print the portal time, its offset from real time, and whether it is frozen', '');
  clockOp('set', 'set the portal time (Unix seconds or ISO 8601)', '/set', (a) => ({ time: timeValue(a) }), '<time>');
  clockOp('advance', 'move the portal time by seconds (negative: back)', '/advance', (a) => ({ seconds: Number(a) }), '<seconds>');
  clockOp('freeze', 'stop the portal clock (at TIME, or where it stands)', '/freeze', (a) => (a === undefined ? {} : { time: timeValue(a) }), '[time]');
  clockOp('release', 'let a frozen clock run from where it stands', '/release');
  clockOp('reset', 'back to real time', '/reset');

  const faults = program.command('faults').description('fault rules of the running server: list, add, remove, clear');
  where(faults.command('list').description('the fault rules, one JSON rule per line')).action(async (o: Where) => {
    const target = await liveServer(o, 'fault rules');
    for (const r of ((await control(target, 'GET', '/_scrumd/faults')) as { result: unknown[] }).result) console.log(JSON.stringify(r));
  });
  where(
    faults
      .command('add')
      .description('add a rule: one of --error, --delay, --drop; matching --method and/or --credential (default: every call)')
      .option('--method <glob>', 'method name glob')
      .option('--credential <credential>', 'webhook:<id>, oauth:<app id> or user:<id>')
      .option('--times <n>', 'answer N times only')
      .option('--probability <p>', 'answer with probability p (0 < p <= 1)')
      .option('--error <code>', 'QUERY_LIMIT_EXCEEDED, OPERATION_TIME_LIMIT, expired_token, INTERNAL_SERVER_ERROR, or any code with --description and --status')
      .option('--description <text>', 'the error description')
      .option('--status <status>', 'the HTTP status of the error')
      .option('--delay <ms>', 'wait this long before the real answer')
      .option('--drop', 'drop the connection without an answer'),
  ).action(async (o: Where & Record<string, string | boolean | undefined>) => {
    const target = await liveServer(o, 'fault rules');
    const num = (v: unknown) => (v === undefined ? undefined : Number(v));
    const rule = {
      method: o.method,
      credential: o.credential,
      times: num(o.times),
      probability: num(o.probability),
      error:
        o.error === undefined
          ? undefined
          : o.description === undefined && o.status === undefined
            ? o.error
            : { code: o.error, description: o.description, status: num(o.status) },
      delay: num(o.delay),
      drop: o.drop ? true : undefined,
    };
    const added = (await control(target, 'POST', '/_scrumd/faults', rule)) as { result: { id: number } };
    console.log(JSON.stringify(added.result));
  });
  where(faults.command('remove').description('remove a rule').argument('<id>')).action(async (id: string, o: Where) => {
    const target = await liveServer(o, 'fault rules');
    await control(target, 'DELETE', `/_scrumd/faults/${enc(id)}`);
    console.log(`removed fault rule ${id}`);
  });
  where(faults.command('clear').description('remove every rule')).action(async (o: Where) => {
    const target = await liveServer(o, 'fault rules');
    await control(target, 'DELETE', '/_scrumd/faults');
    console.log('fault rules cleared');
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
