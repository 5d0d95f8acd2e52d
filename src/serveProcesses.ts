/**
 * `scrumd serve`: one process, or (with --workers N) N worker processes sharing the port through
 * node:cluster. Nothing a request depends on lives in a process's memory — webhooks, tokens, limit
 * accounts and ids are all in the database — so the workers answer as one server. The primary runs
 * the first start (migrations, user 1, the local CA) once before forking, and restarts a worker that dies.
 */
import cluster from 'node:cluster';
import type { Config } from './config.js';
import { createApp } from './app.js';
import { ensurePortal, type PortalState } from './domain/portalSetup.js';
import { nowSeconds } from './core/portalTime.js';
import { missingDatabaseNote, startServer, tlsMaterial } from './serve.js';
import { isPostgresUrl, openStore } from './store/db.js';
import { controlTokenProblem, withControlToken } from './control/token.js';
import { removeServerFile, writeServerFile } from './control/serverFile.js';

interface Ready {
  type: 'scrumd-ready';
  origin: string;
  webhookUrl?: string;
  caFile?: string;
  signInUrl?: string;
}

function printReady(config: Config, r: Omit<Ready, 'type'>, workers: number): void {
  const where = isPostgresUrl(config.database) ? 'PostgreSQL' : config.database;
  const procs = workers > 1 ? `, ${workers} worker processes` : '';
  console.log(`scrumd listening on ${r.origin} (database: ${where}, time zone: ${config.timezone}${procs})`);
  if (r.caFile) console.log(`HTTPS certificate authority: ${r.caFile} (trust it: NODE_EXTRA_CA_CERTS=${r.caFile})`);
  if (config.controlToken && !config.noControl) {
    // the command line (`scrumd reset`, `snapshot`, `fixture`) finds the server by this file (mode 0600)
    try {
      writeServerFile(config.database, { origin: r.origin, pid: process.pid, controlToken: config.controlToken, caFile: r.caFile });
      process.once('exit', () => removeServerFile(config.database));
    } catch (e) {
      console.error(`scrumd: could not write the server file for the command line: ${(e as Error).message}`);
    }
    console.log(`Control: ${r.origin}/_scrumd/ (token: ${config.controlToken}; see ${r.origin}/_scrumd/openapi.json)`);
  }
  if (r.webhookUrl) {
    console.log(`Webhook: ${r.webhookUrl}`);
    console.log(`Try:     curl ${r.webhookUrl}user.current`);
  } else {
    console.log(`Webhook: ${r.origin}/rest/1/<secret>/ — the secret of user 1 was printed at first start and is stored only hashed;`);
    console.log('         set SCRUMD_WEBHOOK_SECRET (or --webhook-secret) to fix one, or run `scrumd webhook add --user 1`.');
  }
  if (r.signInUrl) console.log(`Board:   ${r.signInUrl} (a one-time sign-in link for user 1; more: scrumd login --user N)`);
  else console.log(`Board:   ${r.origin}/_scrumd/board/ (sign in: scrumd login --user N, or a password set by scrumd user passwd)`);
}

async function runOne(config: Config, report: (r: Ready) => void): Promise<void> {
  const server = await startServer(config);
  // Stop handlers go in before the ready lines: whoever reads them may signal at once.
  const stop = async (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  report({ type: 'scrumd-ready', origin: server.origin, webhookUrl: server.webhookUrl, caFile: server.caFile, signInUrl: server.signInUrl });
}

async function firstStart(config: Config): Promise<PortalState> {
  const missing = missingDatabaseNote(config.database);
  if (missing) console.error(`scrumd: ${missing}`);
  const store = await openStore(config.database);
  try {
    const log = { error: console.error, warn: console.error, info: () => {} };
    return await ensurePortal(createApp(config, store, log), nowSeconds());
  } finally {
    await store.close();
  }
}

export async function serve(givenConfig: Config, workers: number): Promise<void> {
  // one token for every worker: the primary's (or the fixed one) is handed to them
  const config = cluster.isPrimary ? withControlToken(givenConfig) : givenConfig;
  const tokenProblem = config.controlToken ? controlTokenProblem(config.controlToken) : undefined;
  if (tokenProblem) throw new Error(tokenProblem);
  if (config.fixture && workers > 1) throw new Error('--fixture loads a fixture into one process: start without --workers, or import it with `scrumd fixture import` after the start');
  if (workers <= 1) {
    await runOne(config, (r) => printReady(config, r, 1));
    return;
  }
  if (!cluster.isPrimary) {
    // Another worker's reader could see a commit before this worker synced it: every COMMIT syncs.
    await runOne({ ...config, soleProcess: false }, (r) => process.send?.(r));
    return;
  }
  const portal = await firstStart(config);
  tlsMaterial(config); // make the local CA once, before the workers read it
  let stopping = false;
  let printed = false;
  const started = new Set<number>();
  const fork = () => {
    const w = cluster.fork(config.controlToken ? { SCRUMD_CONTROL_TOKEN: config.controlToken } : {});
    w.on('message', (m: Ready) => {
      if (m?.type !== 'scrumd-ready') return;
      started.add(w.id);
      if (!printed && started.size >= workers) {
        printed = true;
        const webhookUrl = portal.secret ? `${m.origin}/rest/1/${portal.secret}/` : m.webhookUrl;
        printReady(config, { origin: m.origin, webhookUrl, caFile: m.caFile }, workers);
      }
    });
  };
  cluster.on('exit', (w, code, signal) => {
    const wasReady = started.has(w.id);
    started.delete(w.id);
    if (!stopping && !wasReady && !printed) {
      // A worker that could not start (it printed why) would fail again: stop instead of forking forever.
      stopping = true;
      process.exitCode = 1;
      const others = Object.values(cluster.workers ?? {});
      if (others.length === 0) process.exit(1);
      for (const o of others) o?.process.kill('SIGTERM');
      return;
    }
    if (!stopping) {
      console.error(`scrumd worker ${w.process.pid} stopped (${signal ?? code}); starting another`);
      fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  const stop = () => {
    stopping = true;
    const all = Object.values(cluster.workers ?? {});
    if (all.length === 0) process.exit(0);
    for (const w of all) w?.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (let i = 0; i < workers; i++) fork();
}
