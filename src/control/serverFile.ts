/**
 * How the command line finds the running server of a database: the server writes a small file beside
 * the database (`<file>.server.json`; for `:memory:` and PostgreSQL under ./data) with its origin, its
 * process id and the control token, readable by its owner only (mode 0600), and removes it when it
 * stops. A file left by a server that died is recognised: nothing answers at its origin.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isPostgresUrl } from '../store/db.js';

export interface ServerFile {
  origin: string;
  pid: number;
  controlToken?: string;
  /** the local CA's certificate, when the server speaks HTTPS with it */
  caFile?: string;
}

/** Where the server of a database location writes its file. */
export function serverFilePath(location: string): string {
  if (location === ':memory:') return join('data', 'memory.server.json');
  if (isPostgresUrl(location)) {
    // the URL names the database; a hash keeps its password out of the file name
    const id = createHash('sha256').update(location).digest('hex').slice(0, 16);
    return join('data', `postgres-${id}.server.json`);
  }
  return join(dirname(location), `${basename(location)}.server.json`);
}

export function writeServerFile(location: string, info: ServerFile): string {
  const path = serverFilePath(location);
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true }); // a file of another owner or mode is replaced, not reused
  writeFileSync(path, `${JSON.stringify(info)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return path;
}

export function readServerFile(location: string): ServerFile | undefined {
  try {
    const info = JSON.parse(readFileSync(serverFilePath(location), 'utf8')) as ServerFile;
    return typeof info?.origin === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file if it is still this process's (a newer server on the same database may have replaced it). */
export function removeServerFile(location: string, pid = process.pid): void {
  if (readServerFile(location)?.pid === pid) rmSync(serverFilePath(location), { force: true });
}
