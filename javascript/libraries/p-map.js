/**
 * p-map (`pMap(items, mapper, {concurrency, signal})`) as the spec's bounded-concurrency.
 *
 * Adapted: `limit` -> `concurrency`; the caller's signal -> `signal` (p-map rejects when it
 * aborts and starts no more items) and to each operation (p-map gives its mapper no signal of its
 * own). `stopOnError` is left at its default, `true`. Values come in input order.
 * @module
 */

import pMap from 'p-map';

/**
 * @template K, T
 * @param {(item: K, options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {K[]} items
 * @param {number} limit
 * @param {{signal?: AbortSignal}} [options]
 */
export function mapBounded(operation, items, limit, {signal} = {}) {
  return pMap(items, (item) => operation(item, {signal}), {concurrency: limit, signal});
}

const LEFT_RUNNING =
  'on a failure it rejects and starts no more items, but leaves the ones in flight running: it has no signal of its own to abort them (documented: "already-started async mappers will continue to run")';

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'p-map',
    pattern: 'bounded-concurrency',
    api: 'pMap(concurrency, signal)',
    implementation: mapBounded,
    why: {
      'limit-past-the-largest-is-invalid': 'takes a limit the spec refuses up front (PROTOCOL.md section 8)',
      'fractional-limit-is-invalid': 'refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
      'failure-stops-the-rest': LEFT_RUNNING,
      'slot-freed-and-failure-at-one-instant': LEFT_RUNNING,
      'own-cancellation-stops-the-rest': LEFT_RUNNING,
      'failure-waits-for-the-cancelled-to-stop': LEFT_RUNNING,
      'caller-cancel-waits-for-the-cancelled-to-stop':
        'on the caller\'s abort it rejects at once: it does not wait for the running mappers, which stop 5 ms later, after it settled',
      'zero-limit-is-invalid':
        '`concurrency: 0` is refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
    },
  },
];
