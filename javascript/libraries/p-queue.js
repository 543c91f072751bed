/**
 * p-queue (`new PQueue({concurrency}).addAll(fns, {signal})`) as the spec's bounded-concurrency.
 *
 * Adapted: `limit` -> `concurrency`; one queue per call, the items added in input order through
 * `addAll` (documented as resolving when every function has resolved: the values in input
 * order); the caller's signal -> `addAll`'s `signal`, which p-queue hands each function as
 * `{signal}` when it runs (that is the signal the operation gets) and which removes the queued
 * ones from the queue when it aborts. p-queue waits on no timer without `interval`: nothing of
 * the clock to adapt. It adds one `abort` listener to that signal per queued item (removed when
 * the item starts): past 10 items Node prints a `MaxListenersExceededWarning`, a warning only.
 *
 * Not adapted: a failure stops nothing in p-queue (its error policy is `Promise.all`'s), and
 * the adapter does not stop it -- that would be the spec's R4 written by the adapter.
 * @module
 */

import PQueue from 'p-queue';

/**
 * @template K, T
 * @param {(item: K, options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {K[]} items
 * @param {number} limit
 * @param {{signal?: AbortSignal}} [options]
 */
export function mapBounded(operation, items, limit, {signal} = {}) {
  const queue = new PQueue({concurrency: limit});
  return queue.addAll(
    items.map((item) => (/** @type {{signal?: AbortSignal}} */ {signal: taskSignal}) => operation(item, {signal: taskSignal})),
    {signal},
  );
}

const NO_STOP =
  'a failure does not stop the queue: `addAll` rejects (as `Promise.all`), the running operations are not cancelled (their signal is the caller\'s) and p-queue starts the queued items as slots free';

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'p-queue',
    pattern: 'bounded-concurrency',
    api: 'new PQueue({concurrency}).addAll',
    implementation: mapBounded,
    why: {
      'limit-past-the-largest-is-invalid': 'takes a limit the spec refuses up front (PROTOCOL.md section 8)',
      'fractional-limit-is-invalid': 'takes a limit the spec refuses up front (PROTOCOL.md section 8)',
      'failure-stops-the-rest': NO_STOP,
      'slot-freed-and-failure-at-one-instant': NO_STOP,
      'own-cancellation-stops-the-rest': NO_STOP,
      'failure-waits-for-the-cancelled-to-stop': NO_STOP,
      'caller-cancel-waits-for-the-cancelled-to-stop':
        'on the caller\'s abort `addAll` rejects at once: it does not wait for the running operations, which stop 5 ms later, after it settled',
      'zero-limit-is-invalid':
        '`new PQueue({concurrency: 0})` is refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
    },
  },
];
