/**
 * The one error type of scrumd: a Bitrix `error` code (always a string on the wire),
 * its `error_description`, the HTTP status, and optional extra keys of the error body.
 */
export class RestError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status: number = 400,
    readonly extra?: Record<string, unknown>,
  ) {
    super(description);
    this.name = 'RestError';
  }

  body(): Record<string, unknown> {
    return { error: this.code, error_description: this.description, ...this.extra };
  }
}

/** An ordinary business error of a controller method: code "0", HTTP 400. */
export function methodError(description: string): RestError {
  return new RestError('0', description, 400);
}

export const Errors = {
  methodNotFound: () => new RestError('ERROR_METHOD_NOT_FOUND', 'Method not found!', 404),
  noAuth: () => new RestError('NO_AUTH_FOUND', 'Wrong authorization data', 401),
  invalidCredentials: () => new RestError('INVALID_CREDENTIALS', 'Invalid request credentials', 401),
  invalidToken: () => new RestError('invalid_token', 'The access token provided is invalid', 401),
  expiredToken: () => new RestError('expired_token', 'The access token provided has expired', 401),
  httpsRequired: () => new RestError('INVALID_REQUEST', 'Https required.', 401),
  authorizationError: () => new RestError('authorization_error', 'Unable to authorize user', 401),
  insufficientScope: (kind: 'webhook' | 'token') =>
    new RestError(
      'insufficient_scope',
      kind === 'webhook'
        ? 'The request requires higher privileges than provided by the webhook token'
        : 'The request requires higher privileges than provided by the access token',
      401,
    ),
  accessDenied: (detail?: string) => new RestError('ACCESS_DENIED', detail ? `Access denied! ${detail}` : 'Access denied!', 403),
  internal: () => new RestError('INTERNAL_SERVER_ERROR', 'Internal server error', 500),
  bodyTooLarge: (limit: number) =>
    new RestError('REQUEST_ENTITY_TOO_LARGE', `Request body is larger than the limit of ${limit} bytes`, 413),
};
