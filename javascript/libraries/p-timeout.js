/**
 * p-timeout (`pTimeout`) as the spec's timeout.
 *
 * Adapted: `timeoutMs` -> `milliseconds`; "no result" (the spec's `null`) -> its `fallback`
 * option, `() => null`; the caller's signal -> `signal`, and to the operation. p-timeout takes a
 * promise, not a function: the operation has started before p-timeout sees it, and p-timeout
 * has no way to cancel it -- nothing is added to do so.
 * @module
 */

import pTimeout from 'p-timeout';

/**
 * @template T
 * @param {(options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {number} timeoutMs
 * @param {{signal?: AbortSignal}} [options]
 */
export function withTimeout(operation, timeoutMs, {signal} = {}) {
  return pTimeout(operation({signal}), {milliseconds: timeoutMs, fallback: () => null, signal});
}

const NEVER_CANCELS = 'never cancels the operation: at the limit it gives the fallback and leaves the operation running';

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'p-timeout',
    pattern: 'timeout',
    api: 'pTimeout(milliseconds, fallback)',
    implementation: withTimeout,
    why: {
      'exceeds-limit': NEVER_CANCELS,
      'fractional-limit-rounds-half-up': NEVER_CANCELS,
      'slow-to-stop': 'never cancels the operation, so does not wait for it to stop: no result at the limit, the operation still running',
      'limit-expires-while-a-cancelled-operation-stops':
        'on the caller\'s abort it rejects at once, without waiting for the operation to stop',
      'completes-at-the-limit': 'takes a promise: the operation is called before p-timeout arms its timer, so at the same instant the operation completes first',
      'zero-limit-is-invalid': '`milliseconds: 0` is refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
      'negative-limit-is-invalid': '`milliseconds: -5` is refused, but with a bare `TypeError` (no `code`) and only once the promise -- the operation -- was started: no refusal up front, so no verdict',
      'limit-below-one-is-invalid': 'takes 0.3 ms: its timer fires within the millisecond, the fallback\'s value comes out at once, the operation left running',
      'limit-past-the-longest-timer-is-invalid': 'takes a limit past the longest timer (2147483647 ms): Node fires it after 1 ms -- no result at 1 ms, the operation left running',
    },
  },
];
