import { type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The web board's sign-in (README: "The web board"): a password per user (scrypt, with its salt and
 * parameters stored beside the hash, so they can be raised later without invalidating old hashes),
 * one-time sign-in links, and the board's sessions. Tokens are stored only as SHA-256 hashes.
 */
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('board_passwords')
    .addColumn('user_id', ctx.int, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    /** scrypt$N$r$p$salt(base64url)$hash(base64url) */
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('board_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', ctx.int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('board_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', ctx.int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    /** the double-submit value the board sends back in X-Scrumd-Csrf on every state-changing request */
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('board_sessions_user').on('board_sessions').column('user_id').execute();
}
