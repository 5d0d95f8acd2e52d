/** What a method call carries through every layer: who calls, and how a list page comes back. */

/** The authenticated caller of a method. */
export interface Caller {
  userId: number;
  isAdmin: boolean;
  /** 'board': the web board's signed-in user (src/transport/boardRoutes.ts), credentialId = userId */
  authType: 'webhook' | 'oauth' | 'board';
  /** webhook id, OAuth application id, or for the board the user's id */
  credentialId: number;
  scopes: readonly string[];
}

/** The fixed page size of every list method (protocol.md §6). */
export const LIST_LIMIT = 50;

/** A list page: the envelope lifts `next` and `total` to the top level (protocol.md §4.3). */
export class Page {
  constructor(
    readonly result: unknown,
    readonly next?: number,
    readonly total?: number,
  ) {}
}

