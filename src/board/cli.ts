/**
 * The web board's commands: `scrumd user passwd --user N` (the password from --password or the first
 * line of standard input) and `scrumd login --user N` (prints a one-time sign-in link). Both work on
 * the database directly; a running server sees the result at once (it reads passwords and links from it).
 */
import type { Command, Option } from 'commander';
import { createApp } from '../app.js';
import { defaultConfig } from '../config.js';
import { ensurePortal } from '../domain/portalSetup.js';
import { recordedServerOrigin } from '../domain/serverOrigin.js';
import { nowSeconds } from '../core/portalTime.js';
import { openStore } from '../store/db.js';
import { createSignInLink, MIN_PASSWORD_LENGTH, setPassword, signInUrl } from './auth.js';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function userId(v: string): number {
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1) fail('error: --user must be a user id (a whole number from 1)');
  return Number(v);
}

async function withActiveUser(database: string, id: number, fn: (db: ReturnType<typeof createApp>['store']['db']) => Promise<void>): Promise<void> {
  const store = await openStore(database);
  try {
    const app = createApp({ ...defaultConfig, database }, store, { error: console.error, warn: console.error, info: () => {} });
    await ensurePortal(app, nowSeconds());
    const u = await store.db.selectFrom('users').select(['id', 'active']).where('id', '=', id).executeTakeFirst();
    if (!u) fail(`error: no user ${id}`);
    if (u.active !== 'Y') fail(`error: user ${id} is not active`);
    await fn(store.db);
    await store.durable();
  } finally {
    await store.close();
  }
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export function registerBoardCommands(program: Command, user: Command, databaseOption: () => Option): void {
  user
    .command('passwd')
    .description("set a user's web board password (from --password, or the first line of standard input)")
    .requiredOption('--user <id>', 'the user')
    .option('--password <password>', 'the password (visible in the process list: prefer standard input)')
    .addOption(databaseOption())
    .action(async (o) => {
      const id = userId(o.user);
      const password: string = o.password ?? (await readStdinLine());
      if (password.length < MIN_PASSWORD_LENGTH) fail(`error: a password has at least ${MIN_PASSWORD_LENGTH} characters`);
      if (password.length > 1024) fail('error: a password has at most 1024 characters');
      await withActiveUser(o.database, id, (db) => setPassword(db, id, password, nowSeconds()));
      console.log(`password set for user ${id}`);
    });

  program
    .command('login')
    .description('print a one-time sign-in link of the web board for a user (valid 24 hours)')
    .requiredOption('--user <id>', 'the user')
    .option('--origin <url>', 'server origin to print in the link (default: the server that last started on the database)')
    .addOption(databaseOption())
    .action(async (o) => {
      const id = userId(o.user);
      await withActiveUser(o.database, id, async (db) => {
        const origin: string = o.origin ?? (await recordedServerOrigin(db)) ?? `http://${defaultConfig.host}:${defaultConfig.port}`;
        console.log(signInUrl(origin, await createSignInLink(db, id, nowSeconds())));
      });
    });
}
