/**
 * Command-line tools of applications and events: `scrumd app install|uninstall`, `scrumd events list`,
 * `scrumd events redeliver ID`. A running server's deliverer picks up what they write (it polls).
 */
import { Command, type Option } from 'commander';
import type { App } from '../app.js';
import { findApp } from '../domain/oauth.js';
import { finishInstallation, uninstallApp, updateAppVersion } from './apps.js';
import { inHit } from './raise.js';
import { edb } from './schema.js';

type WithPortal = <T>(database: string, fn: (app: App) => Promise<T>) => Promise<T>;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

export function registerEventCommands(program: Command, databaseOption: () => Option, withPortal: WithPortal): void {
  const appCmd = program.commands.find((c) => c.name() === 'app')!;
  appCmd
    .command('install')
    .description('install an application (finish the installation of one with a UI): ONAPPINSTALL to its handlers, with tokens of --user')
    .requiredOption('--client-id <id>', 'the application')
    .option('--user <id>', 'the administrator who installs it', '1')
    .addOption(databaseOption())
    .action(async (o) => {
      await withPortal(o.database, async (app) => {
        const a = await findApp(app.store.db, o.clientId);
        if (!a || a.active !== 'Y') fail(`error: no application ${o.clientId}`);
        const userId = Number(o.user);
        await inHit({ userId, appId: null }, () => app.store.transaction((trx) => finishInstallation(trx, a.id, userId)));
        console.log(JSON.stringify({ client_id: a.client_id, installed: true }));
      });
    });
  appCmd
    .command('update')
    .description('install a new version of an application: ONAPPUPDATE to its handlers (its ONAPPINSTALL handlers are removed)')
    .requiredOption('--client-id <id>', 'the application')
    .requiredOption('--app-version <n>', 'the new version (a positive integer)')
    .option('--user <id>', 'the administrator who updates it', '1')
    .addOption(databaseOption())
    .action(async (o) => {
      const version = Number(o.appVersion);
      if (!Number.isSafeInteger(version) || version < 1) fail('error: --app-version: a positive integer');
      await withPortal(o.database, async (app) => {
        const a = await findApp(app.store.db, o.clientId);
        if (!a || a.active !== 'Y') fail(`error: no application ${o.clientId}`);
        const userId = Number(o.user);
        await inHit({ userId, appId: null }, () => app.store.transaction((trx) => updateAppVersion(trx, a.id, version, userId)));
        console.log(JSON.stringify({ client_id: a.client_id, version }));
      });
    });
  appCmd
    .command('uninstall')
    .description('uninstall an application: ONAPPUNINSTALL to its handlers, then its handlers and tokens are removed')
    .requiredOption('--client-id <id>', 'the application')
    .addOption(databaseOption())
    .action(async (o) => {
      await withPortal(o.database, async (app) => {
        const a = await findApp(app.store.db, o.clientId);
        if (!a || a.active !== 'Y') fail(`error: no application ${o.clientId}`);
        await inHit({ userId: 0, appId: null }, () => app.store.transaction((trx) => uninstallApp(trx, a.id)));
        console.log(JSON.stringify({ client_id: a.client_id, uninstalled: true }));
      });
    });

  const events = program.command('events').description('event deliveries (the outbox)');
  events
    .command('list')
    .description('list deliveries, newest first, as JSON lines')
    .option('--status <status>', 'pending, sending, delivered or failed')
    .option('--limit <n>', 'how many', '50')
    .addOption(databaseOption())
    .action(async (o) => {
      await withPortal(o.database, async (app) => {
        let q = edb(app.store.db)
          .selectFrom('event_deliveries')
          .select(['id', 'event_name', 'handler_id', 'url', 'object_key', 'status', 'attempts', 'response_code', 'response_ms', 'last_error', 'created_at', 'delivered_at'])
          .orderBy('id', 'desc')
          .limit(Math.max(1, Number(o.limit) || 50));
        if (o.status) q = q.where('status', '=', String(o.status));
        for (const r of await q.execute()) console.log(JSON.stringify(r));
      });
    });
  events
    .command('redeliver')
    .description('send a delivery again (its payload as recorded, with fresh tokens)')
    .argument('<id>', 'the delivery id (scrumd events list)')
    .addOption(databaseOption())
    .action(async (id: string, o) => {
      await withPortal(o.database, async (app) => {
        const r = await edb(app.store.db)
          .updateTable('event_deliveries')
          .set({ status: 'pending', attempts: 0, next_at: Date.now(), locked_until: 0, last_error: null })
          .where('id', '=', Number(id))
          .where('status', '<>', 'sending')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) fail(`error: no delivery ${id} (or it is being sent)`);
        console.log(JSON.stringify({ id: Number(id), status: 'pending' }));
      });
    });
}
