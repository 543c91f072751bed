/**
 * Bounded concurrency (spec: `spec/patterns/bounded-concurrency.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: at most `limit` operations run at any time.
 * - R2: items start in input order, each as soon as a slot is free: the limit is fully used
 *   (neither one at a time nor batch by batch).
 * - R3: results come back in input order, not completion order.
 * - R4: fail fast: on the first failure no further item starts, the running operations are
 *   cancelled (their signal aborts), and that failure propagates unchanged (not wrapped) once they
 *   have stopped.
 * - R5: a caller's abort cancels the running operations, starts no new one, and the promise
 *   rejects with `signal.reason` once they have stopped.
 * @module
 */

import {checkFunction, invalidArgument, LARGEST_COUNT} from './common/arguments.js';
import {SignalFanOut, deriveAbortController} from './common/abort.js';

/**
 * Maps `items` through `operation` with at most `limit` operations in flight.
 *
 * @example
 * const pages = await mapBounded((url, {signal}) => fetch(url, {signal}), urls, 4, {signal});
 * @template K, T
 * @param {(item: K, options: {signal: AbortSignal}) => Promise<T> | T} operation
 * @param {Iterable<K>} items
 * @param {number} [limit] How many operations may run at once: an integer from 1 to 2147483647, or
 *   Infinity. Default: 2 (the spec's).
 * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
 * @returns {Promise<T[]>} The values in input order.
 */
export async function mapBounded(operation, items, limit = 2, {signal} = {}) {
  checkFunction('operation', operation);
  if (typeof limit !== 'number' || !((Number.isSafeInteger(limit) && limit >= 1 && limit <= LARGEST_COUNT) || limit === Infinity)) {
    throw invalidArgument(`Expected \`limit\` to be an integer from 1 to ${LARGEST_COUNT}, or Infinity`);
  }
  const list = Array.from(items);
  signal?.throwIfAborted();
  // Aborts with the caller's reason or with the first failure, whichever comes first.
  const {controller: stop, dispose} = deriveAbortController(signal);
  const signals = new SignalFanOut(stop.signal);
  /** @type {{error: unknown} | undefined} the first failure, boxed: `throw undefined` is one too */
  let failure;
  /** @type {T[]} */
  const results = new Array(list.length);
  let next = 0;
  // `limit` workers, each taking the next item as soon as its previous one is done (R2).
  // Each worker hands its operations a signal of its own: `limit` operations listening on one
  // shared signal (as fetch does while it runs) would pass Node's 10-listener warning at the 11th.
  // One per worker, not per item: an AbortController costs more than a whole quick operation.
  const worker = async () => {
    const own = signals.fork();
    const options = {signal: own.signal};
    try {
      while (next < list.length && !stop.signal.aborted) {
        const index = next++;
        try {
          results[index] = await operation(list[index], options);
        } catch (error) {
          if (!stop.signal.aborted) failure = {error}; // the first failure wins, unless the caller aborted first
          stop.abort(error);
          return;
        }
      }
    } finally {
      signals.release(own);
    }
  };
  try {
    await Promise.all(Array.from({length: Math.min(limit, list.length)}, worker)); // workers never reject
  } finally {
    signals.dispose();
    dispose();
  }
  if (failure) throw failure.error; // the first failure unchanged (R4)
  stop.signal.throwIfAborted(); // the caller's reason (R5)
  return results;
}
