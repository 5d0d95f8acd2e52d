/** Incoming webhooks: a user, a secret (stored hashed) and a list of scopes. */
import type { Kysely } from 'kysely';
import { hashSecret, newWebhookSecret } from '../secrets.js';
import type { Database } from '../store/schema.js';

export interface NewWebhook {
  userId: number;
  scopes: readonly string[];
  /** a fixed secret; a random one is made when absent */
  secret?: string;
  title?: string;
}

export async function addWebhook(db: Kysely<Database>, w: NewWebhook, now: number): Promise<{ id: number; secret: string }> {
  const secret = w.secret ?? newWebhookSecret();
  if (secret === '' || secret.includes('/')) throw new Error('A webhook secret must be non-empty and contain no "/"');
  const r = await db
    .insertInto('webhooks')
    .values({
      user_id: w.userId,
      secret_hash: hashSecret(secret),
      scopes: w.scopes.join(','),
      active: 'Y',
      expires_at: null,
      title: w.title ?? '',
      date_create: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: r.id, secret };
}

export async function findWebhook(db: Kysely<Database>, userId: number, secret: string) {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('user_id', '=', userId)
    .where('secret_hash', '=', hashSecret(secret))
    .executeTakeFirst();
}
