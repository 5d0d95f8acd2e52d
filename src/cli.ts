#!/usr/bin/env node
/**
 * The scrumd command line: `serve` (the default) runs the server; `user add`, `webhook add` and
 * `reset` manage a portal's database out of band (platform.md §13.4); `seed` fills one with a generated data set.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createApp } from './app.js';
import { defaultConfig, type Config } from './config.js';
import { ensurePortal } from './domain/portalSetup.js';
import { createUser, DuplicateEmailError } from './domain/users.js';
import { addWebhook } from './domain/webhooks.js';
import { recordedServerOrigin } from './domain/serverOrigin.js';
import { findApp, issueCode, issueTokens, type OauthApp } from './domain/oauth.js';
import { isValidTimeZone, nowSeconds } from './core/portalTime.js';
import { LIMIT_PRESETS } from './protocol/limits.js';
import { IMPLEMENTED_SCOPES, parseScopeList } from './core/scopes.js';
import { serve } from './serveProcesses.js';
import { exitOnStartupError } from './startupErrors.js';
import { seed } from './seed.js';
import { availableParallelism } from 'node:os';
import { isPostgresUrl, openStore } from './store/db.js';
import { control, registerControlCommands, runningServer, type Where } from './controlCli.js';
import { ControlError } from './control/state.js';
import { registerEventCommands } from './events/cli.js';
import { DEFAULT_KEEP_DELIVERIES } from './events/retention.js';
import { createLocalApp, createOutgoingWebhook } from './events/apps.js';
import { registerBoardCommands } from './board/cli.js';

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return Number(v);
  };
}

function zoneArg(v: string): string {
  if (!isValidTimeZone(v)) throw new InvalidArgumentError('not an IANA time zone name (e.g. UTC, Europe/Berlin).');
  return v;
}

const databaseOption = () =>
  new Option('--database <path|url>', 'SQLite file, :memory:, or a postgres:// URL').env('SCRUMD_DATABASE').default(defaultConfig.database);

/**
 * A `--database` that names another kind of database (`mysql://…`, `sqlite:…`, `file:…`) is refused:
 * taken as a SQLite path it would become a folder `mysql:/…` and a server on an empty database.
 * Only the scheme is echoed (the rest may hold a password). A one-letter scheme is a Windows drive.
 */
function databaseProblem(location: string): string | undefined {
  if (location === ':memory:' || isPostgresUrl(location)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(location)?.[1];
  if (scheme === undefined) return undefined;
  return `error: --database ${scheme}: is not supported; give a SQLite file path, :memory:, or a postgres:// (postgresql://) URL`;
}

/** A failure of a command's work (not of its usage): one line on stderr, exit 1, no usage hint. */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('scrumd')
  .description('A Bitrix24 Scrum REST API server')
  .version(version, '-v, --version', 'print the version')
  .showSuggestionAfterError();
program.hook('preAction', (_program, command) => {
  const database = command.opts().database;
  if (typeof database === 'string') {
    const problem = databaseProblem(database);
    if (problem) fail(problem);
  }
});

program
  .command('serve', { isDefault: true })
  .description('run the server')
  .addOption(new Option('--host <host>', 'address to listen on').env('HOST').default(defaultConfig.host))
  .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').env('PORT').default(defaultConfig.port).argParser(intArg('port', 0, 65535)))
  .addOption(databaseOption())
  .addOption(new Option('--timezone <zone>', 'portal time zone (IANA name)').env('SCRUMD_TIMEZONE').default(defaultConfig.timezone).argParser(zoneArg))
  .addOption(new Option('--webhook-secret <secret>', "fixed secret of user 1's webhook").env('SCRUMD_WEBHOOK_SECRET'))
  .addOption(new Option('--admin-name <name>', 'name of user 1 on a new database').env('SCRUMD_ADMIN_NAME').default(defaultConfig.adminName))
  .addOption(new Option('--admin-email <email>', 'e-mail of user 1 on a new database').env('SCRUMD_ADMIN_EMAIL').default(defaultConfig.adminEmail))
  .addOption(new Option('--webhook-https-only', 'refuse webhook calls over plain HTTP ("Https required.")').env('SCRUMD_WEBHOOK_HTTPS_ONLY').default(false))
  .addOption(new Option('--body-limit <bytes>', 'largest request body').env('SCRUMD_BODY_LIMIT').default(defaultConfig.bodyLimit).argParser(intArg('body limit', 1024, 1 << 30)))
  .addOption(new Option('--strict-errors', 'report as HTTP 400 the failures the reference swallows').env('SCRUMD_STRICT_ERRORS').default(false))
  .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').env('SCRUMD_LOG_LEVEL').default(defaultConfig.logLevel))
  .addOption(new Option('--limits <preset>', 'the request-rate and operating-time limits: off, bitrix (50 queued, 2/s) or enterprise (250, 5/s)').env('SCRUMD_LIMITS').choices(['off', 'bitrix', 'enterprise']).default('off'))
  .addOption(new Option('--operating-limit <seconds>', 'operating-time budget of a method per credential over 10 minutes, with --limits').env('SCRUMD_OPERATING_LIMIT').argParser(intArg('operating limit', 1, 86400)))
  .addOption(new Option('--workers <n|auto>', 'worker processes sharing the port (auto: one per core)').env('SCRUMD_WORKERS').default('1').argParser((v: string) => {
    if (v === 'auto') return v;
    return String(intArg('workers', 1, 256)(v));
  }))
  .addOption(new Option('--https', 'serve HTTPS with a certificate from a local CA kept in the data folder').env('SCRUMD_HTTPS').default(false))
  .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)').env('SCRUMD_TLS_CERT'))
  .addOption(new Option('--tls-key <file>', 'the private key of --tls-cert (PEM)').env('SCRUMD_TLS_KEY'))
  .addOption(new Option('--control-token <token>', 'fixed token of the sandbox control API /_scrumd/ (default: random, printed)').env('SCRUMD_CONTROL_TOKEN'))
  .addOption(new Option('--no-control', 'no sandbox control API (/_scrumd/ answers 404): for self-hosted production'))
  .addOption(new Option('--journal-size <n>', 'REST calls kept by the request journal of the control API (0: off)').env('SCRUMD_JOURNAL_SIZE').default(1000).argParser(intArg('journal size', 0, 1_000_000)))
  .addOption(new Option('--keep-deliveries <n>', 'finished event deliveries kept, the newest; older ones are deleted (0: keep all)').env('SCRUMD_KEEP_DELIVERIES').default(DEFAULT_KEEP_DELIVERIES).argParser(intArg('keep deliveries', 0, 1_000_000_000)))
  .addOption(new Option('--fixture <file>', 'load a fixture (JSON, see `scrumd fixture export`) at start, replacing the state').env('SCRUMD_FIXTURE'))
  .action(async (o) => {
    if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) program.error('error: --tls-cert and --tls-key go together');
    if (o.webhookSecret !== undefined && (o.webhookSecret === '' || o.webhookSecret.includes('/'))) {
      program.error('error: --webhook-secret must be non-empty and contain no "/"');
    }
    const config: Config = {
      ...defaultConfig,
      host: o.host,
      port: o.port,
      database: o.database,
      timezone: o.timezone,
      webhookSecret: o.webhookSecret,
      adminName: o.adminName,
      adminEmail: o.adminEmail,
      webhookHttpsOnly: Boolean(o.webhookHttpsOnly),
      bodyLimit: o.bodyLimit,
      strictErrors: Boolean(o.strictErrors),
      logLevel: o.logLevel,
      https: Boolean(o.https),
      limits:
        o.limits === 'off'
          ? undefined
          : { ...LIMIT_PRESETS[o.limits as 'bitrix' | 'enterprise'], ...(o.operatingLimit ? { operatingLimit: o.operatingLimit } : {}) },
      tlsCert: o.tlsCert,
      tlsKey: o.tlsKey,
      controlToken: o.controlToken,
      noControl: o.control === false,
      fixture: o.fixture,
      journalSize: o.journalSize,
      keepDeliveries: o.keepDeliveries,
    };
    try {
      await serve(config, o.workers === 'auto' ? availableParallelism() : Number(o.workers));
    } catch (e) {
      // one line naming the problem and what to do; the stack only at --log-level debug
      exitOnStartupError(e, config);
    }
  });

/** Opens the database of a CLI command (migrated, first start applied) and closes it afterwards. */
async function withPortal<T>(database: string, fn: (app: ReturnType<typeof createApp>) => Promise<T>): Promise<T> {
  const store = await openStore(database);
  const log = { error: console.error, warn: console.error, info: () => {} };
  try {
    const app = createApp({ ...defaultConfig, database }, store, log);
    await ensurePortal(app, nowSeconds());
    return await fn(app);
  } finally {
    await store.close();
  }
}

const user = program.command('user').description('manage users');
user
  .command('add')
  .description('add a user (an active employee); prints its id')
  .requiredOption('--email <email>', 'e-mail (unique)')
  .option('--name <name>', 'first name', '')
  .option('--last-name <name>', 'last name', '')
  .option('--admin', 'make the user a portal administrator', false)
  .addOption(databaseOption())
  .action(async (o) => {
    await withPortal(o.database, async (app) => {
      try {
        const id = await createUser(app.store.db, { email: o.email, isAdmin: o.admin, fields: { NAME: o.name, LAST_NAME: o.lastName } }, nowSeconds());
        console.log(id);
      } catch (e) {
        if (e instanceof DuplicateEmailError) fail(`error: ${e.message}`);
        throw e;
      }
    });
  });

const webhook = program.command('webhook').description('manage incoming webhooks');
webhook
  .command('add')
  .description("add an incoming webhook for a user; prints its URL")
  .requiredOption('--user <id>', 'the user the webhook acts as', intArg('user', 1, Number.MAX_SAFE_INTEGER))
  .option('--scope <list>', 'comma-separated scopes', IMPLEMENTED_SCOPES.join(','))
  .option('--secret <secret>', 'a fixed secret (default: random)')
  .option('--origin <url>', `server origin to print in the URL (default: the server that last started on the database, else http://${defaultConfig.host}:${defaultConfig.port})`)
  .option('--outgoing <url>', 'an outgoing webhook instead: POST the --events to this URL (prints its application_token)')
  .option('--events <list>', 'with --outgoing: comma-separated events, e.g. ONTASKADD,ONTASKUPDATE')
  .addOption(databaseOption())
  .option('--server <origin>', 'with --outgoing: the running server to ask (default: the one running on --database)')
  .option('--control-token <token>', 'its control token (default: from the server file, or SCRUMD_CONTROL_TOKEN)')
  .action(async (o) => {
    const scopes = checkedScopes(o.scope);
    if (o.outgoing) {
      // through the running server's control API when one runs, else on the database: src/events/apps.ts either way
      const body = { url: o.outgoing, events: String(o.events ?? ''), user: o.user };
      return console.log(JSON.stringify(await viaServer(o, 'POST', '/_scrumd/webhooks/outgoing', body, (app) => createOutgoingWebhook(app, body))));
    }
    await withPortal(o.database, async (app) => {
      await userOrExit(app, o.user);
      const hook = await addWebhook(app.store.db, { userId: o.user, scopes, secret: o.secret }, nowSeconds());
      const origin: string = o.origin ?? (await recordedServerOrigin(app.store.db)) ?? `http://${defaultConfig.host}:${defaultConfig.port}`;
      console.log(`${origin.replace(/\/+$/, '')}/rest/${o.user}/${hook.secret}/`);
    });
  });

/** Checks a scope list against the implemented scopes, exiting with a message when one is unknown. */
function checkedScopes(list: string): string[] {
  const scopes = parseScopeList(list);
  const unknown = scopes.filter((s) => !(IMPLEMENTED_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) fail(`error: unknown scope(s): ${unknown.join(', ')} (known: ${IMPLEMENTED_SCOPES.join(', ')})`);
  return scopes;
}

/** A control operation through the running server (its `result`), else `offline` on the database; a ControlError exits with its message. */
async function viaServer<T>(o: Where, method: string, path: string, body: unknown, offline: (app: ReturnType<typeof createApp>) => Promise<T>): Promise<T> {
  const target = await runningServer(o);
  if (target) return ((await control(target, method, path, body)) as { result: T }).result;
  try {
    return await withPortal(o.database, offline);
  } catch (e) {
    if (e instanceof ControlError) fail(`error: ${e.message} (${e.code})`);
    throw e;
  }
}

async function appOrExit(app: ReturnType<typeof createApp>, clientId: string): Promise<OauthApp> {
  const found = await findApp(app.store.db, clientId);
  if (!found) return fail(`error: no application with client id ${clientId}`);
  return found;
}

async function userOrExit(app: ReturnType<typeof createApp>, id: number): Promise<void> {
  const u = await app.store.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
  if (!u) fail(`error: no user ${id}`);
}

const oauthApp = program.command('app').description('manage local OAuth applications');
oauthApp
  .command('add')
  .description('add a local application; prints its client id and secret as JSON')
  .option('--title <title>', 'a name for it', '')
  .option('--scope <list>', 'comma-separated scopes', IMPLEMENTED_SCOPES.join(','))
  .option('--redirect-uri <url>', 'where the authorization endpoint sends the code')
  .option('--client-id <id>', 'a fixed client id (default: random local.… id)')
  .option('--client-secret <secret>', 'a fixed client secret (default: random)')
  .option('--install-url <url>', 'initial installation path: an API-only app gets the install callback (ONAPPINSTALL) there at once')
  .option('--ui', 'the app has a user interface (not "uses API only"): with --install-url it is installed by `scrumd app install`')
  .option('--user <id>', 'the installing administrator', '1')
  .addOption(databaseOption())
  .option('--server <origin>', 'the running server to ask (default: the one running on --database)')
  .option('--control-token <token>', 'its control token (default: from the server file, or SCRUMD_CONTROL_TOKEN)')
  .action(async (o) => {
    const scopes = checkedScopes(o.scope);
    const body = { title: o.title, scope: scopes, url: o.redirectUri, installUrl: o.installUrl, onlyApi: !o.ui, clientId: o.clientId, clientSecret: o.clientSecret, user: Number(o.user) };
    // through the running server's control API when one runs, else on the database: src/events/apps.ts either way
    console.log(JSON.stringify(await viaServer(o, 'POST', '/_scrumd/apps', body, (app) => createLocalApp(app, body))));
  });
oauthApp
  .command('code')
  .description('issue an authorization code (valid 30 s) of an application for a user')
  .requiredOption('--client-id <id>', 'the application')
  .requiredOption('--user <id>', 'the user who consents', intArg('user', 1, Number.MAX_SAFE_INTEGER))
  .addOption(databaseOption())
  .action(async (o) => {
    await withPortal(o.database, async (app) => {
      const a = await appOrExit(app, o.clientId);
      await userOrExit(app, o.user);
      console.log(await issueCode(app.store.db, a, o.user, nowSeconds()));
    });
  });

program
  .command('token')
  .description('mint an access/refresh token pair of an application for a user (no browser needed); prints JSON')
  .requiredOption('--client-id <id>', 'the application')
  .requiredOption('--user <id>', 'the user the tokens act as', intArg('user', 1, Number.MAX_SAFE_INTEGER))
  .option('--expires-in <seconds>', 'access token lifetime (clients that cannot refresh want a long one)', intArg('expires-in', 1, 100 * 365 * 86400), 3600)
  .addOption(databaseOption())
  .action(async (o) => {
    await withPortal(o.database, async (app) => {
      const a = await appOrExit(app, o.clientId);
      await userOrExit(app, o.user);
      const pair = await issueTokens(app.store.db, a, o.user, a.scopes, nowSeconds(), o.expiresIn);
      console.log(JSON.stringify({ access_token: pair.accessToken, refresh_token: pair.refreshToken, expires: pair.expires, scope: pair.scopes, user_id: pair.userId }));
    });
  });

program
  .command('seed')
  .description('generate a realistic data set: Scrum groups with backlogs, sprints, boards, epics and tasks')
  .requiredOption('--groups <n>', 'Scrum groups to add', intArg('groups', 1, 1_000_000))
  .requiredOption('--tasks <n>', 'tasks to add, spread evenly over the groups', intArg('tasks', 0, 100_000_000))
  .option('--now <unix seconds>', '"today" of the data set (default: now); with --random-seed the same data set every time', intArg('now', 0, 4_102_444_800))
  .option('--random-seed <n>', 'seed of its random choices (names, GUIDs included)', intArg('random seed', 0, 2 ** 31 - 1))
  .addOption(databaseOption())
  .action(async (o) => {
    await withPortal(o.database, async (app) => {
      const t0 = Date.now();
      // loaded here: `serve` (the same process image) has no use for it
      const { default: cliProgress } = await import('cli-progress');
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'seeding [{bar}] {percentage}% | {value}/{total} tasks | {duration_formatted}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(o.tasks, 0);
      const summary = await seed(app.store, { groups: o.groups, tasks: o.tasks, now: o.now, randomSeed: o.randomSeed, onProgress: (done) => bar.update(done) });
      bar.stop();
      console.log(JSON.stringify({ ...summary, seconds: (Date.now() - t0) / 1000 }));
    });
  });

registerControlCommands(program, databaseOption); // reset, snapshot, fixture: src/controlCli.ts
registerEventCommands(program, databaseOption, withPortal); // app install/uninstall, events list/redeliver: src/events/cli.ts
registerBoardCommands(program, user, databaseOption); // user passwd, login: src/board/cli.ts

// Every usage error is one line and a hint, not the whole help.
for (const c of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
  const name = c.parent?.parent ? `${c.parent.name()} ${c.name()}` : c.parent ? c.name() : '';
  c.showHelpAfterError(`(see: scrumd ${name ? `${name} ` : ''}--help)`);
}

/**
 * `serve` is the default command, so commander would take a mistyped command (`scrumd sreve`) as an
 * argument of `serve` ("too many arguments"). A first word that names no command is refused as an
 * unknown command, with commander's own suggestion, by a parser that has the same command names but
 * no default.
 */
function refuseUnknownCommand(args: string[]): void {
  const first = args[0];
  if (first === undefined || first.startsWith('-') || first === 'help') return;
  if (program.commands.some((c) => c.name() === first || c.aliases().includes(first))) return;
  const probe = new Command('scrumd').showSuggestionAfterError().showHelpAfterError('(see: scrumd --help)');
  for (const c of program.commands) probe.command(c.name());
  probe.parse([first], { from: 'user' });
}

refuseUnknownCommand(process.argv.slice(2));
await program.parseAsync(process.argv);
