/**
 * The control token: what a caller of the sandbox control API (`/_scrumd/…`) shows, as
 * `Authorization: Bearer <token>` or `X-Scrumd-Control-Token: <token>`. Random at every start unless
 * fixed (`SCRUMD_CONTROL_TOKEN`, `--control-token`); compared in constant time; never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CONTROL_TOKEN_HEADER = 'x-scrumd-control-token';

/** A new random token (128 bits, URL-safe). */
export function newControlToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether a token is acceptable as a fixed one: printable ASCII without spaces, 8 to 512 characters. */
export function controlTokenProblem(token: string): string | undefined {
  if (!/^[\x21-\x7e]{8,512}$/.test(token)) return 'the control token must be 8 to 512 printable ASCII characters without spaces';
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares a presented token with the expected one in time independent of where they differ. */
export function controlTokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token a request presents, from its headers (Bearer first), or undefined. */
export function presentedControlToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^bearer +(\S+) *$/i.exec(auth);
    if (m) return m[1];
  }
  const own = headers[CONTROL_TOKEN_HEADER];
  return typeof own === 'string' && own !== '' ? own.trim() : undefined;
}

/** The config with a control token: the fixed one, or a new random one (none with `--no-control`). */
export function withControlToken<C extends { controlToken?: string; noControl?: boolean }>(config: C): C {
  if (config.noControl || config.controlToken) return config;
  return { ...config, controlToken: newControlToken() };
}
