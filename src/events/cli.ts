/**
 * Command-line tools of applications and events: `scrumd app list|install|open|finish|update|uninstall`,
 * `scrumd webhook list|delete` (outgoing webhooks), `scrumd events list|redeliver|wait`. Each asks the
 * running server's control API when one runs on the database (or `--server` names one), else works on
 * the database itself; the work is done by the same functions either way (src/events/apps.ts), and a
 * running server's deliverer picks up what the command line wrote (it polls).
 */
import { Command, type Option } from 'commander';
import type { App } from '../app.js';
import { ControlError } from '../control/state.js';
import { control, liveServer, runningServer, serverOptions, type Where } from '../controlCli.js';
import { recordedServerOrigin } from '../domain/serverOrigin.js';
import {
  deleteOutgoingWebhook,
  findDeliveries,
  finishLocalApp,
  installLocalApp,
  listLocalApps,
  listOutgoingWebhooks,
  openLocalApp,
  redeliver,
  uninstallLocalApp,
  updateLocalApp,
} from './apps.js';

type WithPortal = <T>(database: string, fn: (app: App) => Promise<T>) => Promise<T>;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const enc = encodeURIComponent;

/**
 * One operation: through the running server (`method path body`, its `result`), or on the database
 * with `offline`; a ControlError of either is one line on stderr and exit 1.
 */
async function run<T>(o: Where, withPortal: WithPortal, method: string, path: string, body: unknown, offline: (app: App) => Promise<T>): Promise<T> {
  const target = await runningServer(o);
  if (target) return ((await control(target, method, `/_scrumd${path}`, body)) as { result: T }).result;
  try {
    return await withPortal(o.database, offline);
  } catch (e) {
    if (e instanceof ControlError) fail(`error: ${e.message} (${e.code})`);
    throw e;
  }
}

const userNumber = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);

export function registerEventCommands(program: Command, databaseOption: () => Option, withPortal: WithPortal): void {
  const where = (c: Command) => serverOptions(c, databaseOption);
  const appCmd = program.commands.find((c) => c.name() === 'app')!;
  where(appCmd.command('list').description('the local applications, one JSON object per line')).action(async (o: Where) => {
    for (const a of await run(o, withPortal, 'GET', '/apps', undefined, (app) => listLocalApps(app))) console.log(JSON.stringify(a));
  });
  where(
    appCmd
      .command('install')
      .description('install an application (finish the installation of one with a UI): ONAPPINSTALL to its handlers, with tokens of --user')
      .requiredOption('--client-id <id>', 'the application')
      .option('--user <id>', 'the administrator who installs it', '1'),
  ).action(async (o: Where & { clientId: string; user: string }) => {
    const body = { user: userNumber(o.user) };
    console.log(JSON.stringify(await run(o, withPortal, 'POST', `/apps/${enc(o.clientId)}/install`, body, (app) => installLocalApp(app, o.clientId, body))));
  });
  where(
    appCmd
      .command('open')
      .description("open an application for a user as the portal's page does: the frame POST (AUTH_ID, REFRESH_ID, … PLACEMENT_OPTIONS) to its installation path (not installed yet, administrator) or its handler path; prints the handler's answer as JSON")
      .requiredOption('--client-id <id>', 'the application')
      .option('--user <id>', 'the user who opens it', '1')
      .option('--placement <code>', 'PLACEMENT', 'DEFAULT')
      .option('--options <json>', 'PLACEMENT_OPTIONS, a JSON object'),
  ).action(async (o: Where & { clientId: string; user: string; placement: string; options?: string }) => {
    let options: unknown;
    if (o.options !== undefined) {
      try {
        options = JSON.parse(o.options);
      } catch {
        fail('error: --options: a JSON object');
      }
    }
    const body = { user: userNumber(o.user), placement: o.placement, ...(options === undefined ? {} : { options }) };
    const answer = await run(o, withPortal, 'POST', `/apps/${enc(o.clientId)}/open`, body, async (app) =>
      openLocalApp(app, o.clientId, body, (await recordedServerOrigin(app.store.db)) ?? `http://${app.config.host}:${app.config.port}`),
    );
    console.log(JSON.stringify(answer));
  });
  where(
    appCmd
      .command('finish')
      .description("finish the installation as the app's installFinish does (refused when installed): ONAPPINSTALL to the handlers it bound")
      .requiredOption('--client-id <id>', 'the application')
      .option('--user <id>', 'the administrator in whose page the wizard runs', '1'),
  ).action(async (o: Where & { clientId: string; user: string }) => {
    const body = { user: userNumber(o.user) };
    console.log(JSON.stringify(await run(o, withPortal, 'POST', `/apps/${enc(o.clientId)}/finish`, body, (app) => finishLocalApp(app, o.clientId, body))));
  });
  where(
    appCmd
      .command('update')
      .description('install a new version of an application: ONAPPUPDATE to its handlers (its ONAPPINSTALL handlers are removed)')
      .requiredOption('--client-id <id>', 'the application')
      .requiredOption('--app-version <n>', 'the new version (a positive integer)')
      .option('--user <id>', 'the administrator who updates it', '1'),
  ).action(async (o: Where & { clientId: string; appVersion: string; user: string }) => {
    const version = Number(o.appVersion);
    if (!Number.isSafeInteger(version) || version < 1) fail('error: --app-version: a positive integer');
    const body = { version, user: userNumber(o.user) };
    console.log(JSON.stringify(await run(o, withPortal, 'POST', `/apps/${enc(o.clientId)}/update`, body, (app) => updateLocalApp(app, o.clientId, body))));
  });
  where(
    appCmd
      .command('uninstall')
      .description('uninstall an application: ONAPPUNINSTALL to its handlers, then its handlers and tokens are removed')
      .requiredOption('--client-id <id>', 'the application'),
  ).action(async (o: Where & { clientId: string }) => {
    console.log(JSON.stringify(await run(o, withPortal, 'DELETE', `/apps/${enc(o.clientId)}`, undefined, (app) => uninstallLocalApp(app, o.clientId))));
  });

  const webhook = program.commands.find((c) => c.name() === 'webhook')!;
  where(webhook.command('list').description('the outgoing webhooks, one JSON object per line (id, handler, user, events, application_token)')).action(async (o: Where) => {
    for (const w of await run(o, withPortal, 'GET', '/webhooks/outgoing', undefined, (app) => listOutgoingWebhooks(app))) console.log(JSON.stringify(w));
  });
  where(webhook.command('delete').description('delete an outgoing webhook (all its events)').argument('<id>', 'its id (scrumd webhook list)')).action(async (id: string, o: Where) => {
    await run(o, withPortal, 'DELETE', `/webhooks/outgoing/${enc(id)}`, undefined, (app) => deleteOutgoingWebhook(app, id));
    console.log(JSON.stringify({ id: Number(id), deleted: true }));
  });

  const events = program.command('events').description('event deliveries (the outbox)');
  where(
    events
      .command('list')
      .description('list deliveries, newest first, as JSON lines')
      .option('--event <name>', 'one event (ONTASKUPDATE)')
      .option('--status <status>', 'pending, sending, delivered or failed')
      .option('--handler <id|url>', 'one handler: its id or its URL')
      .option('--limit <n>', 'how many', '50'),
  ).action(async (o: Where & { event?: string; status?: string; handler?: string; limit: string }) => {
    const filter: Record<string, string> = {};
    for (const k of ['event', 'status', 'handler', 'limit'] as const) if (o[k] !== undefined) filter[k] = o[k]!;
    const q = new URLSearchParams(filter);
    for (const r of await run(o, withPortal, 'GET', `/events/deliveries?${q}`, undefined, (app) => findDeliveries(app, filter))) console.log(JSON.stringify(r));
  });
  where(
    events
      .command('redeliver')
      .description('send a delivery again (its payload as recorded, with fresh tokens)')
      .argument('<id>', 'the delivery id (scrumd events list)'),
  ).action(async (id: string, o: Where) => {
    console.log(JSON.stringify(await run(o, withPortal, 'POST', `/events/deliveries/${enc(id)}/redeliver`, undefined, (app) => redeliver(app, id))));
  });
  where(
    events
      .command('wait')
      .description('wait until the running server has attempted every queued delivery; prints {pending, retrying}, exit 1 when some are still pending at --timeout')
      .option('--timeout <seconds>', 'give up after this long (at most 600)', '30'),
  ).action(async (o: Where & { timeout: string }) => {
    const timeout = Number(o.timeout);
    if (!Number.isFinite(timeout) || timeout < 0 || timeout > 600) fail('error: --timeout: seconds from 0 to 600');
    const target = await liveServer(o, 'deliverer');
    const r = ((await control(target, 'POST', '/_scrumd/events/wait', { timeout })) as { result: { pending: number; retrying: number } }).result;
    console.log(JSON.stringify(r));
    if (r.pending > 0) fail(`error: ${r.pending} deliveries still pending after ${timeout} s`);
  });
}
