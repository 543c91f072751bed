/**
 * p-limit (`pLimit(limit).map`) as the spec's bounded-concurrency.
 *
 * Adapted: `limit` -> `pLimit(limit)`; the items through `limit.map` (documented as
 * `Promise.all` of the limited calls: the values in input order); the caller's signal to each
 * operation. p-limit has no cancellation of its own: nothing else is passed.
 * @module
 */

import pLimit from 'p-limit';

/**
 * @template K, T
 * @param {(item: K, options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {K[]} items
 * @param {number} limit
 * @param {{signal?: AbortSignal}} [options]
 */
export function mapBounded(operation, items, limit, {signal} = {}) {
  return pLimit(limit).map(items, (item) => operation(item, {signal}));
}

const NO_STOP = 'a failure does not stop the queued calls: `limit.map` rejects (as `Promise.all`), and p-limit starts the rest as slots free';

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'p-limit',
    pattern: 'bounded-concurrency',
    api: 'pLimit(limit).map',
    implementation: mapBounded,
    why: {
      'limit-past-the-largest-is-invalid': 'takes a limit the spec refuses up front (PROTOCOL.md section 8)',
      'fractional-limit-is-invalid': 'refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
      'failure-stops-the-rest': NO_STOP,
      'slot-freed-and-failure-at-one-instant': NO_STOP,
      'own-cancellation-stops-the-rest': NO_STOP,
      'caller-cancels': 'no cancellation of its own: the queued calls still start after the caller cancels',
      'failure-waits-for-the-cancelled-to-stop': NO_STOP,
      'caller-cancel-waits-for-the-cancelled-to-stop': 'no cancellation of its own: the queued calls still start after the caller cancels',
      'zero-limit-is-invalid': '`pLimit(0)` is refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
    },
  },
];
