/**
 * Why `scrumd serve` could not start, as one line that names the problem and what to do about it
 * (the stack trace only at `--log-level debug` or `trace`).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from './config.js';
import { maskDatabase } from './protocol/redact.js';
import { isPostgresUrl } from './store/db.js';

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

const FS_REASONS: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
};

/** Why a path cannot be written, asked of its nearest existing folder (a recursive mkdir on a read-only disk says ENOENT). */
function writeProblem(path: string): string | undefined {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    accessSync(p, constants.W_OK);
    return undefined;
  } catch (e) {
    const code = (e as SystemError).code ?? '';
    return `${p}: ${FS_REASONS[code] ?? code}`;
  }
}

function tlsFiles(config: Config): string[] {
  return [config.tlsCert, config.tlsKey].filter((f): f is string => !!f);
}

/** One line: what went wrong, and what to do. */
export function describeStartupError(e: unknown, config: Config): string {
  const err = (e instanceof Error ? e : new Error(String(e))) as SystemError;
  const code = err.code ?? '';
  const db = config.database;
  const where = `${config.host}:${config.port}`;

  // Listening
  if (err.syscall === 'listen' || err.syscall === 'bind' || code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
    if (code === 'EADDRINUSE') return `port ${config.port} on ${config.host} is already in use: stop the program that holds it, or choose another --port (0: any free port).`;
    if (code === 'EADDRNOTAVAIL') return `cannot listen on ${config.host}: no network interface of this machine has that address; use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).`;
    if (code === 'EACCES' || code === 'EPERM') return `no permission to listen on ${where}: ports below 1024 need privileges; choose a --port above 1023.`;
    return `cannot listen on ${where} (${code || err.message}): check --host and --port.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || (err.syscall === 'getaddrinfo' && !isPostgresUrl(db))) {
    return `cannot listen on ${config.host}: the host name does not resolve to an address of this machine; use an IP address such as --host 127.0.0.1 or --host 0.0.0.0.`;
  }

  // The certificate of --tls-cert/--tls-key
  const files = tlsFiles(config);
  if (err.path && files.includes(err.path)) {
    const which = err.path === config.tlsCert ? 'certificate (--tls-cert)' : 'private key (--tls-key)';
    return `cannot read the ${which} ${err.path}: ${FS_REASONS[code] ?? code}; give a readable PEM file.`;
  }
  if (code.startsWith('ERR_OSSL') || /PEM|certificate|private key/i.test(err.message)) {
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' || /key values mismatch/i.test(err.message)) {
      return `the private key (--tls-key) does not belong to the certificate (--tls-cert): give the key the certificate was issued for.`;
    }
    const source = files.length > 0 ? `${files.join(' and ')} (--tls-cert, --tls-key)` : 'the local certificate authority';
    return `cannot use the HTTPS certificate from ${source}: ${err.message}; give a PEM certificate and its PEM private key.`;
  }

  // The database
  if (isPostgresUrl(db)) {
    const at = maskDatabase(db);
    if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND') {
      return `cannot connect to PostgreSQL at ${at} (${code}): start the server or correct --database.`;
    }
    if (code === '28P01' || code === '28000') return `PostgreSQL refused the login of ${at}: check the user and password in --database.`;
    if (code === '3D000') return `the PostgreSQL database of ${at} does not exist: create it (createdb) or correct --database.`;
    return `cannot use the PostgreSQL database ${at}: ${err.message}`;
  }
  if (err.path || code in FS_REASONS) {
    const path = err.path ?? db;
    const problem = writeProblem(path) ?? `${path}: ${FS_REASONS[code] ?? code}`;
    return `cannot write the data folder (${problem}): give a --database path on a writable disk, or fix the folder's permissions.`;
  }
  if (/^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(code)) {
    const problem = writeProblem(dirname(db));
    if (problem) return `cannot write the database ${db} (${problem}): give a --database path on a writable disk, or fix the folder's permissions.`;
    return `cannot open the database ${db} for writing (${code}: ${err.message}): scrumd needs to write the file and its folder ${dirname(db)}; give a --database path on a writable disk.`;
  }
  if (/^SQLITE_(FULL|IOERR)/.test(code)) return `cannot write the database ${db} (${code}: ${err.message}): free disk space or move --database.`;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return `the file ${db} is not a usable SQLite database (${code}): restore it from a backup or point --database elsewhere.`;
  return err.message ? `${err.message}${code ? ` (${code})` : ''}` : String(e);
}

/** Prints why the server could not start and ends the process with exit code 1. */
export function exitOnStartupError(e: unknown, config: Config): never {
  console.error(`scrumd: cannot start: ${describeStartupError(e, config)}`);
  if (config.logLevel === 'debug' || config.logLevel === 'trace') console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
}
