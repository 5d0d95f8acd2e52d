/**
 * The `scrumd` command line as a real process, for the tests that start it: a clean environment, a
 * `serve` that resolves once the server printed its ready lines, and a stop that waits for the exit.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { testDatabase, testingPostgres, type TestDatabase } from './database.js';

export const CLI = ['--import', 'tsx', 'src/cli.ts'];

/** Settings a developer's shell may carry that would change what a test's server does. */
const SETTINGS = ['HOST', 'PORT', 'SCRUMD_DATABASE', 'SCRUMD_WEBHOOK_SECRET', 'SCRUMD_TIMEZONE', 'SCRUMD_LOG_LEVEL', 'SCRUMD_HTTPS'];

/** The test process's environment without scrumd's settings, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of SETTINGS) if (!(k in extra)) delete e[k];
  return e;
}

/** Runs a CLI command to its end. */
export function runCli(args: string[], extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...CLI, ...args], { env: cliEnv(extra), encoding: 'utf8', timeout: 60_000 });
}

export interface ServeProcess {
  proc: ChildProcess;
  origin: string;
  /** everything the process printed so far (stdout and stderr) */
  output: () => string;
}

/**
 * Starts `scrumd serve` on 127.0.0.1 and a free port; resolves once it printed where it listens and
 * its webhook. `children` collects the process so the test's `after` can kill what is left.
 */
export function serveProcess(args: string[], extra: Record<string, string>, children: ChildProcess[]): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [...CLI, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    env: cliEnv(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 60_000);
    const check = () => {
      const m = /listening on (\S+)/.exec(out);
      if (m && /Webhook: .*\n/.test(out)) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve({ proc, origin: m[1]!, output: () => out });
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
}

/** SIGTERM, resolved when the process has exited. */
export function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.on('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

export interface Scratch {
  /** a temporary folder, removed after the file's tests */
  dir: string;
  /** processes the tests start; whatever still runs after the file's tests is killed */
  children: ChildProcess[];
  /** a database location: a SQLite file in `dir`, or a fresh PostgreSQL database on the PostgreSQL pass */
  database(name: string): Promise<string>;
}

/** The scratch space of a test file that starts CLI processes; cleaned up in the file's `after`. */
export function scratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const d of databases) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    children,
    async database(name) {
      if (!testingPostgres()) return join(dir, `${name}.db`);
      const d = await testDatabase();
      databases.push(d);
      return d.location;
    },
  };
}
