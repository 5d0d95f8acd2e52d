/**
 * Which database failures mean "run the transaction again" (the method runner, protocol/method.ts,
 * retries them; sprint.complete tells them from its procedure's own failures). The dialect error codes
 * live in src/store/dialectErrors.ts (`isRetryable`, `isParentGone`, `isUniqueViolation`): import them
 * from there. Re-exported here until the runner and sprint.complete switch.
 */
export { isParentGone, isRetryable } from '../store/dialectErrors.js';
