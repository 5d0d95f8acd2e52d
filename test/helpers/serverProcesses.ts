/**
 * Real `scrumd serve` processes for the multi-process tests: on PostgreSQL, N separate processes sharing
 * one fresh database; on SQLite, one process on a file (`--workers N` when more than one is asked for).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawCall, type Reply } from './harness.js';
import { testDatabase, testingPostgres, type TestDatabase } from './database.js';

export interface ServerProcesses {
  /** webhook base URLs of user 1 (an administrator), one per process (repeated on SQLite) */
  bases: string[];
  /** the database location (a file path or a postgres:// URL) */
  location: string;
  /** alternates between the processes */
  call(method: string, params: Record<string, unknown>): Promise<Reply>;
  close(): Promise<void>;
}

export async function startServerProcesses(count: number, extraArgs: string[] = [], secret = 'procs'): Promise<ServerProcesses> {
  const dir = mkdtempSync(join(tmpdir(), 'scrumd-procs-'));
  const procs: ChildProcess[] = [];
  let database: TestDatabase | undefined;

  const serve = (args: string[]): Promise<string> => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--webhook-secret', secret, ...extraArgs, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCRUMD_LOG_LEVEL: 'silent' } },
    );
    procs.push(proc);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 60_000);
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m && out.includes('Webhook:')) {
          clearTimeout(timer);
          resolve(`${m[1]}/rest/1/${secret}`);
        }
      });
      proc.stderr!.on('data', (d) => (out += d));
      proc.on('exit', (c) => {
        clearTimeout(timer);
        reject(new Error(`exited ${c}: ${out}`));
      });
    });
  };

  const close = async () => {
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGTERM');
          }),
      ),
    );
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  };

  let bases: string[] = [];
  let location: string;
  try {
    if (testingPostgres()) {
      database = await testDatabase();
      location = database.location;
      // One process first (it runs the migrations), then the others.
      bases.push(await serve(['--database', location]));
      for (let i = 1; i < count; i++) bases.push(await serve(['--database', location]));
    } else {
      location = join(dir, 'procs.db');
      const base = await serve(['--database', location, ...(count > 1 ? ['--workers', String(count)] : [])]);
      bases = Array.from({ length: count }, () => base);
    }
  } catch (e) {
    await close();
    throw e;
  }
  let n = 0;
  return {
    bases,
    location,
    call: (method, params) => rawCall(`${bases[n++ % bases.length]}/${method}`, params, 'json'),
    close,
  };
}
