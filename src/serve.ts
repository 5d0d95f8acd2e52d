/** Starting and stopping a scrumd server: store, migrations, first start, HTTP listener. */
import type { FastifyInstance } from 'fastify';
import { createApp, type App } from './app.js';
import type { Config } from './config.js';
import { ensurePortal, type PortalState } from './domain/portalSetup.js';
import { recordServerOrigin } from './domain/serverOrigin.js';
import { createRegistry } from './methods/index.js';
import { nowSeconds } from './core/portalTime.js';
import { isPostgresUrl, openStore } from './store/db.js';
import { localCaMaterial, ownMaterial, type TlsMaterial } from './transport/tls.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildServer, createFastify, type LoggerOption } from './transport/server.js';
import { Deliverer } from './events/deliverer.js';
import { withControlToken } from './control/token.js';
import { loadFixtureFile } from './control/fixtureFile.js';
import { createSignInLink, signInUrl } from './board/auth.js';

export interface RunningServer {
  app: App;
  fastify: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  origin: string;
  portal: PortalState;
  /** user 1's webhook base URL when its secret is known */
  webhookUrl?: string;
  /** the local CA certificate clients should trust, when serving HTTPS with it */
  caFile?: string;
  /** a one-time sign-in link of the web board for user 1, made on a first start */
  signInUrl?: string;
  /** the token of the control API under `${origin}/_scrumd/` (absent with --no-control) */
  controlToken?: string;
  close(): Promise<void>;
}

/** The folder of the local CA: beside the SQLite file, or ./data. */
export function tlsDirOf(config: Config): string {
  if (config.tlsDir) return config.tlsDir;
  const db = config.database;
  return join(db === ':memory:' || isPostgresUrl(db) ? './data' : dirname(db), 'tls');
}

/**
 * When an embedded database file is missing although its folder shows that one was there (the local
 * CA's tls/ folder, or a leftover -wal/-shm file), the line to log before a new empty one is created:
 * a data folder lost by mistake must not pass for a first start.
 */
export function missingDatabaseNote(location: string): string | undefined {
  if (location === ':memory:' || isPostgresUrl(location) || existsSync(location)) return undefined;
  const signs = [join(dirname(location), 'tls'), `${location}-wal`, `${location}-shm`].filter((f) => existsSync(f));
  if (signs.length === 0) return undefined;
  return (
    `the database ${location} is missing although ${signs.join(' and ')} ${signs.length > 1 ? 'are' : 'is'} there from an earlier start: ` +
    'creating a new EMPTY database (user 1 and a new webhook). If the data was deleted by mistake, stop scrumd and restore the file.'
  );
}

export function tlsMaterial(config: Config): TlsMaterial | undefined {
  if (config.tlsCert || config.tlsKey) {
    if (!config.tlsCert || !config.tlsKey) throw new Error('--tls-cert and --tls-key go together');
    return ownMaterial(config.tlsCert, config.tlsKey);
  }
  return config.https ? localCaMaterial(tlsDirOf(config), config.host) : undefined;
}

export async function startServer(givenConfig: Config, opts: { logger?: LoggerOption } = {}): Promise<RunningServer> {
  const config = withControlToken(givenConfig);
  // before the local CA is made: a first start with --https creates tls/ itself
  const missing = missingDatabaseNote(config.database);
  const tls = tlsMaterial(config);
  const fastify = createFastify(config, opts.logger ?? { level: config.logLevel }, tls);
  if (missing) fastify.log.warn(missing);
  const store = await openStore(config.database, { soleProcess: config.soleProcess });
  try {
    const app = createApp(config, store, fastify.log);
    let portal = await ensurePortal(app, nowSeconds());
    if (config.fixture) {
      await loadFixtureFile(store, config.database, config.fixture);
      portal = { ...(await ensurePortal(app, nowSeconds())), created: portal.created };
    }
    await store.durable();
    buildServer(app, createRegistry(), fastify);
    await fastify.listen({ host: config.host, port: config.port });
    const addr = fastify.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const origin = `${tls ? 'https' : 'http'}://${host}:${port}`;
    // event deliveries (src/events/deliverer.ts): what earlier processes left undelivered goes too
    const deliverer = new Deliverer(app, origin).start();
    // for `scrumd webhook add` beside a running server; a failure here must not stop it serving
    if (config.database !== ':memory:') {
      await recordServerOrigin(app.store.db, origin).catch((e: Error) => fastify.log.warn(`could not record the server origin: ${e.message}`));
    }
    // the web board's first way in (README: "The web board"); later ones: `scrumd login --user N`.
    // Not beside --fixture: the fixture is the whole state, a link would be a row it does not have.
    const signIn = portal.created && !config.fixture ? signInUrl(origin, await createSignInLink(app.store.db, 1, nowSeconds())) : undefined;
    return {
      app,
      fastify,
      origin,
      portal,
      signInUrl: signIn,
      webhookUrl: portal.secret ? `${origin}/rest/1/${portal.secret}/` : undefined,
      caFile: tls?.caFile,
      controlToken: config.noControl ? undefined : config.controlToken,
      close: async () => {
        await deliverer.stop();
        await fastify.close();
        await store.close();
      },
    };
  } catch (e) {
    await fastify.close().catch(() => {});
    await store.close();
    throw e;
  }
}
