
/** The opt-in request-rate and operating-time limits (presets in protocol/limits.ts). */
export interface LimitSettings {
  /** requests that may be queued before refusal */
  threshold: number;
  /** requests drained per second */
  drainPerSecond: number;
  /** operating-time budget per method and credential over 10 minutes, seconds */
  operatingLimit: number;
}

/** Server settings, from the command line and the environment (the CLI fills them in). */
export interface Config {
  host: string;
  port: number;
  /** SQLite file path, `:memory:`, or a `postgres://` URL */
  database: string;
  /** IANA name of the portal time zone */
  timezone: string;
  /** fixes the secret of user 1's webhook (sandboxes and CI need a known URL) */
  webhookSecret?: string;
  adminName: string;
  adminEmail: string;
  /** answer plain-HTTP webhook calls with INVALID_REQUEST "Https required." (off by default) */
  webhookHttpsOnly: boolean;
  /** largest accepted request body in bytes */
  bodyLimit: number;
  /** report the failures the reference swallows as HTTP 400 errors (scrum-api.md B9) */
  strictErrors: boolean;
  logLevel: string;
  /** serve HTTPS (with the local CA's certificate unless tlsCert/tlsKey are given) */
  https: boolean;
  tlsCert?: string;
  tlsKey?: string;
  /** where the local CA lives; default: the database's folder (./data for :memory: and PostgreSQL) */
  tlsDir?: string;
  /** the request-rate and operating-time limits of protocol.md §10; off when absent */
  limits?: LimitSettings;
  /**
   * This one process serves the database (false with `--workers`): for a SQLite file, answers wait for
   * one shared sync of the WAL instead of every COMMIT syncing on its own (src/store/groupCommit.ts);
   * on SQLite, the lookups nearly every call makes are remembered until the next write
   * (src/store/prepared.ts). No effect on PostgreSQL.
   */
  soleProcess: boolean;
  /** the token of the sandbox control API (`/_scrumd/…`); random at start when not fixed */
  controlToken?: string;
  /** `--no-control`: no control API (`/_scrumd/…` answers 404), for self-hosted production */
  noControl?: boolean;
  /** the request journal's size (last N calls; 0: off); default 1,000 */
  journalSize?: number;
  /** finished event deliveries kept, the newest (older ones are pruned; 0: all); default 100,000 */
  keepDeliveries?: number;
  /** a fixture document (JSON file) to load at start, replacing the state (src/control/state.ts) */
  fixture?: string;
}

export const defaultConfig: Config = {
  host: '127.0.0.1',
  port: 8080,
  database: './data/scrumd.db',
  timezone: 'UTC',
  adminName: 'Admin',
  adminEmail: 'admin@example.com',
  webhookHttpsOnly: false,
  bodyLimit: 8 * 1024 * 1024,
  strictErrors: false,
  logLevel: 'warn',
  https: false,
  soleProcess: true,
};
