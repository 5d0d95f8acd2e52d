import { type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Local OAuth applications, authorization codes and token pairs (protocol.md §9.2–9.3), and the
 * accounts of the opt-in limits (§10), kept in the database so several processes answer as one.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const id = ctx.idColumn;
  await db.schema
    .createTable('oauth_apps')
    .$call(id)
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('client_secret_hash', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text')
    .addColumn('version', ctx.int, (c) => c.notNull().defaultTo(1))
    .addColumn('active', 'text', (c) => c.notNull().defaultTo('Y'))
    .addColumn('date_create', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('app_id', ctx.int, (c) => c.notNull().references('oauth_apps.id').onDelete('cascade'))
    .addColumn('user_id', ctx.int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_tokens')
    .$call(id)
    .addColumn('access_hash', 'text', (c) => c.notNull().unique())
    .addColumn('refresh_hash', 'text', (c) => c.notNull().unique())
    .addColumn('app_id', ctx.int, (c) => c.notNull().references('oauth_apps.id').onDelete('cascade'))
    .addColumn('user_id', ctx.int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('refresh_expires_at', 'bigint', (c) => c.notNull())
    /** 'Y' once the refresh token was used: refresh tokens are single-use */
    .addColumn('refreshed', 'text', (c) => c.notNull().defaultTo('N'))
    .execute();

  // Request-rate leaky buckets: one row per (portal, client address).
  await db.schema
    .createTable('rate_buckets')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('level', 'double precision', (c) => c.notNull())
    .addColumn('updated_at', 'double precision', (c) => c.notNull())
    .execute();

  // Operating time per (credential, method) in one-minute buckets.
  await db.schema
    .createTable('operating_time')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('minute', 'bigint', (c) => c.notNull())
    .addColumn('seconds', 'double precision', (c) => c.notNull())
    .addColumn('first_at', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('operating_time_pk', ['account', 'minute'])
    .execute();
}
