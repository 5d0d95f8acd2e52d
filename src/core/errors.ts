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

/**
 * An ordinary business error of a controller method: code "0", HTTP 400. Outside this file it is
 * only called with a message that comes from the catalogue below (e.g. a method's strict-mode
 * message); every literal message is a named entry of `Errors`.
 */
export function methodError(description: string): RestError {
  return new RestError('0', description, 400);
}

/** A failure of a `sonet_group.*` method: the reference answers them with an empty code. */
function sonetError(description: string): RestError {
  return new RestError('', description, 400);
}

/** An `ERROR_ARGUMENT` of `user.add`: the name of the argument at fault rides along ('' when none). */
function userArgumentError(description: string, argument = ''): RestError {
  return new RestError('ERROR_ARGUMENT', description, 400, { argument });
}

/** A field check of `tasks.task.*` or `user.update`: ERROR_CORE, each message followed by `<br>`. */
function coreError(description: string): RestError {
  return new RestError('ERROR_CORE', description, 400);
}

/** Texts of the user record's own checks, reported inside `user.add`/`user.update` errors (and by the CLI). */
export const UserRecordMessages = {
  /** `unverified:` the stored record's text for a bad e-mail. */
  invalidEmail: 'Incorrect e-mail address.',
  /** `unverified:` the stored record's text for a taken e-mail. */
  duplicateEmail: 'A user with this email already exists',
} as const;

/**
 * The error catalogue: every error the server answers — code, message and HTTP status — declared
 * once and referred to by name. An entry is a function returning a fresh RestError; entries whose
 * message has a part taken from the request take it as a parameter. `test/error-catalogue.test.ts`
 * checks that no two entries answer the same (code, message) and that no file outside this one
 * builds an error of its own.
 */
export const Errors = {
  // --- the request pipeline: routing, authentication, limits, binding, batch -------------------
  methodNotFound: () => new RestError('ERROR_METHOD_NOT_FOUND', 'Method not found!', 404),
  noAuth: () => new RestError('NO_AUTH_FOUND', 'Wrong authorization data', 401),
  invalidCredentials: () => new RestError('INVALID_CREDENTIALS', 'Invalid request credentials', 401),
  invalidToken: () => new RestError('invalid_token', 'The access token provided is invalid', 401),
  expiredToken: () => new RestError('expired_token', 'The access token provided has expired', 401),
  applicationNotFound: () => new RestError('APPLICATION_NOT_FOUND', 'Application not found', 401),
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
  /** A request the HTTP layer could not read; the description names the problem, never the request. */
  invalidRequest: (description: string) => new RestError('INVALID_REQUEST', description, 400),
  /** Refused by Node's HTTP parser: a timeout (408), a header section too large (431), anything else (400). */
  requestTimeout: () => new RestError('INVALID_REQUEST', 'Request timeout', 408),
  headersTooLarge: () => new RestError('INVALID_REQUEST', 'Request header fields too large', 431),
  badRequest: () => new RestError('INVALID_REQUEST', 'Bad request', 400),
  /** A path outside `/rest/` and `/oauth/`. */
  notFound: () => new RestError('NOT_FOUND', 'Not found', 404),
  queryLimitExceeded: () => new RestError('QUERY_LIMIT_EXCEEDED', 'Too many requests', 503),
  /** An error a sandbox fault rule answers (src/control/faults.ts): code, description and status as the rule says. */
  injectedFault: (code: unknown = 'SCRUMD_FAULT', description: unknown = 'Fault injected by the sandbox control API', status: unknown = 500) =>
    new RestError(String(code), String(description), Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599 ? (status as number) : 500),
  operationTimeLimit: () => new RestError('OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', 429),
  missingParameter: (name: string) => new RestError('100', `Could not find value for parameter {${name}}`, 400),
  /** `rendered` is the value as PHP's string conversion shows it. */
  invalidParameter: (name: string, rendered: string, type: string) =>
    new RestError('100', `Invalid value {${rendered}} to match with parameter {${name}}. Should be value of type ${type}.`, 400),
  batchLengthExceeded: () => new RestError('ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded', 400),
  batchMethodNotAllowed: () => new RestError('ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage', 400),
  /** A `batch` command outside the caller's scopes: the reference reports it with an empty description. */
  batchInsufficientScope: () => new RestError('insufficient_scope', '', 401),

  // --- the OAuth token endpoint (/oauth/token/) ----------------------------------------------
  oauth: {
    clientIdMissing: () => new RestError('invalid_request', 'client_id is missing', 400),
    invalidClient: () => new RestError('invalid_client', 'Invalid client credentials', 401),
    unknownGrantType: () => new RestError('invalid_request', 'grant_type must be authorization_code or refresh_token', 400),
    codeMissing: () => new RestError('invalid_request', 'code is missing', 400),
    invalidCode: () => new RestError('invalid_grant', 'Invalid authorization code', 400),
    refreshTokenMissing: () => new RestError('invalid_request', 'refresh_token is missing', 400),
    invalidRefreshToken: () => new RestError('invalid_grant', 'Invalid refresh token', 400),
  },

  // --- tasks.api.scrum.*: code "0", HTTP 400 ---------------------------------------------------
  scrum: {
    accessDenied: () => methodError('Access denied'),
    createdByNotFound: () => methodError('createdBy user not found'),
    modifiedByNotFound: () => methodError('modifiedBy user not found'),
    groupIdNotFound: () => methodError('Group id not found'),
    systemError: () => methodError('System error'),
    listNotLoaded: () => methodError('Could not load list'),
    // backlog
    backlogIdNotFound: () => methodError('Backlog id not found'),
    backlogNotFound: () => methodError('Backlog not found'),
    backlogAlreadyAdded: () => methodError('Backlog already added'),
    backlogNotAdded: () => methodError('Unable to add backlog'),
    backlogNotUpdated: () => methodError('Unable to update backlog'),
    backlogMoveWithItems: () => methodError('It is forbidden move a backlog with items'),
    /** Strict mode's message for a backlog.delete storage failure (the reference answers `[]`): scrumd's own text. */
    backlogNotDeleted: () => methodError('Backlog not deleted'),
    backlogRemoveWithItems: () => methodError('It is forbidden remove a backlog with items'),
    targetGroupHasBacklog: () => methodError('The target group already has a backlog'),
    // sprint
    sprintIdNotFound: () => methodError('Sprint id not found'),
    sprintNotFound: () => methodError('Sprint not found'),
    incorrectDateStart: () => methodError('Incorrect dateStart format'),
    incorrectDateEnd: () => methodError('Incorrect dateEnd format'),
    incorrectSprintStatus: () => methodError('Incorrect sprint status'),
    twoActiveSprints: () => methodError('Unable to add two active sprint'),
    sprintNotAdded: () => methodError('Unable to add sprint'),
    sprintNotUpdated: () => methodError('Sprint not updated'),
    sprintMoveWithItems: () => methodError('It is forbidden move a sprint with items'),
    sprintRemoveWithItems: () => methodError('It is forbidden remove a sprint with items'),
    /** Strict mode's message for a sprint.delete storage failure (the reference answers `[]`): scrumd's own text. */
    sprintNotDeleted: () => methodError('Sprint not deleted'),
    sprintItemsNotMoved: () => methodError('Sprint items have not been moved to backlog'),
    sprintMustBePlanned: () => methodError('Sprint must be planned'),
    sprintNotStarted: () => methodError('Unable to start sprint'),
    /** Strict mode's message for a failed completion procedure: the reference records none (it answers `null`), so this text is scrumd's own. */
    sprintNotCompleted: () => methodError('Unable to complete sprint'),
    /** PHP's own errors of sprint.list reading a `filter`/`select` of the wrong shape. */
    offsetOnString: () => methodError('Cannot access offset of type string on string'),
    scalarAsArray: () => methodError('Cannot use a scalar value as an array'),
    selectNotArray: (phpType: string) =>
      methodError(`Bitrix\\Main\\ORM\\Query\\Query::setSelect(): Argument #1 ($select) must be of type array, ${phpType} given`),
    // kanban
    stageIdNotFound: () => methodError('Stage id not found'),
    stageNotFound: () => methodError('Stage not found'),
    stageHasTasks: () => methodError('Stage has tasks'),
    incorrectStageName: () => methodError('Incorrect name format'),
    incorrectSprintId: () => methodError('Incorrect sprintId value'),
    taskNotInGroup: () => methodError('Task not found. The task must be with GROUP_ID'),
    // epic
    epicNotFound: () => methodError('Epic not found'),
    epicNameNotFound: () => methodError('Name not found'),
    epicNotCreated: () => methodError('Epic not created'),
    epicNotUpdated: () => methodError('Epic not updated'),
    epicNotDeleted: () => methodError('Epic not deleted'),
    epicFilesNotAttached: () => methodError('Epic files not attached'),
    // task
    taskIdNotFound: () => methodError('Task id not found'),
    entityIdNotFound: () => methodError('Entity id not found'),
    /** scrum task.update of a task the caller cannot read (with the reference's full stop). */
    taskNotReadable: () => methodError('Task not found.'),
    /** scrum task.get of a task that has no item. */
    taskNotFound: () => methodError('Task not found'),
    itemNotCreated: () => methodError('Item not created'),
    taskNotUpdated: () => methodError('Unable to update task'),
  },

  // --- tasks.task.* -----------------------------------------------------------------------------
  task: {
    /** `taskId` absent: the reference's internal message, code "100". */
    taskIdMissing: () => new RestError('100', 'CTaskItem All parameters in the constructor must have real class type', 400),
    wrongTaskId: () => methodError('wrong task id'),
    /** tasks.task.add refused (`unverified:` product text; the platform spec recommends `Access denied.`). */
    createDenied: () => new RestError('ERROR_TASK_CREATE_ACCESS_DENIED', 'Access denied.', 400),
    actionNotAllowed: () => methodError('Action on the task is not allowed'),
    deleteDenied: () => new RestError('1048582', 'No access to delete the task', 400),
    unknownLogic: () => methodError('Unknown logic'),
    invalidSubFilter: () => methodError('Invalid sub-filter'),
    invalidSortingKey: () => methodError('Invalid sorting key'),
    // field checks, in the reference's order
    titleMissing: () => coreError('Task title is not specified<br>'),
    incorrectStatus: () => coreError('Incorrect status<br>'),
    parentIsSelf: () => coreError('Cannot bind the node to itself<br>'),
    parentNotFound: () => coreError('Task specified in the "Parent Task" field not found<br>'),
    cyclicParent: () => coreError('Creating cyclic links in tasks is prohibited<br>'),
    responsibleMissing: () => coreError('Responsible person not specified<br>'),
    responsibleNotFound: () => coreError('User specified in the "Responsible" field not found<br>'),
    creatorNotFound: () => coreError('User specified in the "Created By" field not found<br>'),
    planEndBeforeStart: () => coreError('The end date in scheduling is earlier than the start date<br>'),
  },

  // --- sonet_group.*: an empty code unless the reference gives one ------------------------------
  group: {
    noCreatePermission: () => sonetError('You have no permissions to create a group'),
    notCreated: () => sonetError('Cannot create group'),
    wrongSocialnetworkGroupId: () => sonetError('Wrong socialnetwork group ID'),
    notFound: () => sonetError('Socialnetwork group not found'),
    wrongGroupId: () => sonetError('Wrong group ID'),
    noRolePermission: () => sonetError('No permissions to update users role'),
    incorrectRole: () => sonetError('Incorrect role code'),
    wrongUserIds: () => sonetError('Wrong user IDs'),
    noAddUsersPermission: () => sonetError('No permissions to add users'),
    noUpdatePermission: () => sonetError('User has no permissions to update group'),
    notUpdated: () => sonetError('Cannot update group'),
    noDeletePermission: () => sonetError('User has no permissions to delete group'),
    notDeleted: () => sonetError('Cannot delete group'),
    wrongFeature: () => sonetError('Wrong feature'),
    wrongOperation: () => sonetError('Wrong operation'),
    // sonet_group.setowner
    invalidGroupId: () => new RestError('100', 'Invalid workgroup/project ID', 400),
    invalidUserId: () => new RestError('100', 'Invalid user ID', 400),
    groupNotFoundForOwner: () => new RestError('510', 'Invalid workgroup/project ID', 400),
    insufficientPermissions: () => new RestError('403', 'Insufficient permissions to complete the operation.', 400),
    cannotCompleteOperation: () => new RestError('100', 'Cannot complete operation.', 400),
    // field checks of create and update, each with its own code
    emptyName: () => new RestError('EMPTY_NAME', 'The title is not specified.', 400),
    ownerNotFound: () => new RestError('ERROR_NO_OWNER_ID', 'The group owner is not found.', 400),
    emptySubject: () => new RestError('EMPTY_SUBJECT_ID', 'The group subject is not specified.', 400),
    subjectNotFound: () => new RestError('ERROR_NO_SUBJECT_ID', 'The group subject is not found.', 400),
    siteNotFound: (site: string) => new RestError('ERROR_NO_SITE', `Site ${site} is not found.`, 400),
    incorrectInitiatePerms: (perms: string) =>
      new RestError('ERROR_NO_INITIATE_PERMS', `Incorrect invitation permissions (${perms}).`, 400),
  },

  // --- socialnetwork.api.workgroup.* -----------------------------------------------------------
  workgroup: {
    idMissing: () => new RestError('SONET_CONTROLLER_WORKGROUP_EMPTY', 'Workgroup ID not passed.', 400),
    notFound: () => new RestError('SONET_CONTROLLER_WORKGROUP_NOT_FOUND', 'Workgroup was not found.', 400),
    unknownField: (field: string) => methodError(`Unknown field definition {${field}}`),
  },

  // --- user.add, user.update -------------------------------------------------------------------
  user: {
    accessDenied: () => coreError('access_denied'),
    /** user.update of an id that names no user. */
    notFound: () => coreError(''),
    /** user.update: the record's messages, each followed by `<br>`. */
    updateRefused: (messages: readonly string[]) => coreError(messages.map((m) => `${m}<br>`).join('')),
    invalidFieldType: (argument: string) => userArgumentError('invalid_type_field', argument),
    wrongEmail: () => userArgumentError('wrong_email'),
    /** user.add: the record's messages, one per line. */
    addRefused: (messages: readonly string[]) => userArgumentError(messages.join('\n')),
  },

  // --- event.* methods (spec events.md §4) -----------------------------------------------------
  events: {
    wrongAuthType: () => new RestError('WRONG_AUTH_TYPE', 'Current authorization type is denied for this method', 403),
    /** `name` as the reference spells it (EVENT, HANDLER, PROCESS_ID) */
    argumentNull: (name: string) => new RestError('ERROR_ARGUMENT', `Argument '${name}' is null or empty`, 400, { argument: name }),
    eventTypeInvalid: () => new RestError('ERROR_ARGUMENT', 'Value must be one of {online|offline}', 400, { argument: 'EVENT_TYPE' }),
    wrongHandlerUrl: () => new RestError('ERROR_WRONG_HANDLER_URL', 'Wrong handler URL', 400),
    unsupportedProtocol: () => new RestError('ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol', 400),
    eventNotFound: () => new RestError('ERROR_EVENT_NOT_FOUND', 'Event not found', 400),
    offlineNotAllowed: () => new RestError('ERROR_ARGUMENT', 'Offline event cannot be registered for this event.', 400),
    alreadyBound: () => new RestError('ERROR_CORE', 'Unable to set event handler: Handler already binded', 400),
    /** `unverified:` a handler URL longer than the column's 255 characters */
    handlerTooLong: () => new RestError('ERROR_CORE', 'Unable to set event handler: The handler URL is longer than 255 characters', 400),
    limitNotPositive: () => new RestError('ERROR_ARGUMENT', 'Value must be positive integer', 400, { argument: 'LIMIT' }),
    filterNotArray: () => new RestError('ERROR_ARGUMENT', 'The filter is not an array.', 400),
    filterOperation: (op: string) => new RestError('ERROR_ARGUMENT', `Filter operation not allowed: ${op}`, 400),
    filterField: (field: string) => new RestError('ERROR_ARGUMENT', `Filter field not allowed: ${field}`, 400),
    orderNotArray: () => new RestError('ERROR_ARGUMENT', 'The order is not an array.', 400),
    orderField: (field: string) => new RestError('ERROR_ARGUMENT', `Order field not allowed: ${field}`, 400),
    orderDirection: () => new RestError('ERROR_ARGUMENT', 'Order direction should be one of {ASC|DESC}', 400),
    filterValueType: (key: string) => new RestError('ERROR_ARGUMENT', `The value of an argument '${key}' has an invalid type`, 400, { argument: key }),
    /** `argument` is `message_id`, or `messsage_id` (three s, sic) for a bad element */
    messageIds: (argument: string) => new RestError('ERROR_ARGUMENT', 'Value must be array of MESSAGE_ID values', 400, { argument }),
    recordIds: () => new RestError('ERROR_ARGUMENT', 'Value must be array of integers', 400, { argument: 'id' }),
  },

  // --- the web board under /_scrumd/board/ (src/transport/boardRoutes.ts) ----------------------
  board: {
    signInRequired: () => new RestError('BOARD_SIGN_IN_REQUIRED', 'Sign in to the board first', 401),
    sessionExpired: () => new RestError('BOARD_SESSION_EXPIRED', 'The board session has expired: sign in again', 401),
    csrfRefused: () => new RestError('BOARD_CSRF_REFUSED', 'The request lacks the board session CSRF token or comes from another origin', 403),
    wrongPassword: () => new RestError('BOARD_WRONG_PASSWORD', 'Wrong user or password', 401),
    tooManySignIns: () => new RestError('BOARD_TOO_MANY_SIGN_INS', 'Too many failed sign-ins from this address: try again later', 429),
    weakPassword: (min: number) => new RestError('BOARD_WEAK_PASSWORD', `A password has ${min} to 1024 characters`, 400),
    noSuchUser: () => new RestError('BOARD_NO_SUCH_USER', 'No active user with this id', 404),
  },
};
