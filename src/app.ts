/** What every layer below the transport shares: the store, the portal clock and the settings. */
import type { Config } from './config.js';
import { PortalTime } from './core/portalTime.js';
import { PortalClock } from './control/clock.js';
import { Journal } from './control/journal.js';
import { FaultRules } from './control/faults.js';
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
  /** the portal's clock (real time unless the control API moved it): every "now" with portal meaning */
  clock: PortalClock;
  /** the request journal of the control API (size 0: off) */
  journal: Journal;
  /** the fault rules of the control API */
  faults: FaultRules;
}

export function createApp(config: Config, store: Store, log: Log): App {
  return {
    config,
    store,
    log,
    time: new PortalTime(config.timezone),
    clock: new PortalClock(),
    // one log line per REST call at info (src/protocol/dispatch.ts); Fastify's own request lines are off for /rest
    journal: new Journal(config.journalSize ?? 1000, ['info', 'debug', 'trace'].includes(config.logLevel)),
    faults: new FaultRules(),
  };
}
