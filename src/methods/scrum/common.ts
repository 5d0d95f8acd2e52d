/** What every `tasks.api.scrum.*` declaration shares, and the parameter shapes they repeat. */
import { param } from '../../protocol/method.js';

/**
 * The `task` scope; controller methods, so `methods` does not list them (the reference resolves
 * them on the fly, protocol.md §8.1).
 */
export const SCRUM = { scopes: ['task'], listed: false } as const;

export const byId = { id: param.int({ required: true }) };
export const withFields = { fields: param.array({ required: true }) };
export const byIdWithFields = { id: param.int({ required: true }), fields: param.array({ required: true }) };
