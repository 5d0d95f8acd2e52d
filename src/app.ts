/** What every layer below the transport shares: the store, the portal clock and the settings. */
import type { Config } from './config.js';
import { PortalTime } from './core/portalTime.js';
import type { Store } from './store/db.js';

/** The part of the logger the lower layers use (Fastify's pino logger in the server). */
export interface Log {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
}

export interface App {
  config: Config;
  log: Log;
  store: Store;
  time: PortalTime;
}

export function createApp(config: Config, store: Store, log: Log): App {
  return { config, store, log, time: new PortalTime(config.timezone) };
}
