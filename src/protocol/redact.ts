/**
 * Keeping secrets out of logs: webhook secrets in REST paths, credentials in query strings, and the
 * password of a database URL.
 */

/** Query parameters whose values are credentials (OAuth tokens, client secrets, codes, webhook secrets, the web board's sign-in link tokens). */
const SECRET_PARAMS = /([?&](?:auth|access_token|refresh_token|client_secret|code|ap|password|token)(?:%5B[^=&#]*|\[[^=&#]*)?=)[^&#]*/gi;

/**
 * A URL (or path, or `method?query` batch command) with the webhook secret of `/rest/{user}/{secret}/…`
 * (also `/rest/api/{user}/{secret}/…`) and credential parameters replaced by `***`.
 */
export function maskUrl(url: string): string {
  let out = url;
  const q = out.search(/[?#]/);
  let path = q >= 0 ? out.slice(0, q) : out;
  const rest = q >= 0 ? out.slice(q) : '';
  if (/rest/i.test(path)) {
    const parts = path.split('/');
    let i = parts.findIndex((p) => p.toLowerCase() === 'rest');
    if (i >= 0) {
      // the segments after `rest` (empty ones do not count: `//` routes like `/`)
      const after: number[] = [];
      for (let k = i + 1; k < parts.length; k++) if (parts[k] !== '') after.push(k);
      const skip = after.length > 0 && parts[after[0]!]!.toLowerCase() === 'api' ? 1 : 0;
      // `{user}/{secret}`: whenever a second segment follows the first, it may be a secret
      if (after.length >= skip + 2) parts[after[skip + 1]!] = '***';
      path = parts.join('/');
    }
  }
  out = path + rest.replace(SECRET_PARAMS, '$1***');
  return out;
}

/** A database location fit for a log line: the password of a postgres:// URL replaced by `***`. */
export function maskDatabase(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** pino `redact` paths: credentials wherever a log object might carry them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-scrumd-control-token"]',
  'headers["x-scrumd-control-token"]',
  'controlToken',
  '*.controlToken',
  'headers.authorization',
  'params.auth',
  'params.access_token',
  'params.refresh_token',
  'params.client_secret',
  'params.ap',
  'auth',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret',
  '*.auth',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.secret',
];
