/** Secrets, codes and tokens: generated at random, stored only as hashes. */
import { createHash, randomBytes } from 'node:crypto';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const SECRET_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new webhook secret: 16 lower-case letters and digits, like production codes. */
export function newWebhookSecret(): string {
  let s = '';
  // Rejection sampling keeps every character equally likely.
  while (s.length < 16) {
    for (const b of randomBytes(32)) {
      if (b < 252 && s.length < 16) s += SECRET_ALPHABET[b % 36];
    }
  }
  return s;
}
