/**
 * Parallel execution with partial failures (spec: `spec/patterns/parallel-partial-failures.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: every operation starts at once, concurrently.
 * - R2: a failure cancels nothing: every other operation runs to completion.
 * - R3: the result reports each item exactly once: successes with their values, failures with
 *   their errors unchanged, apart.
 * - R4: the whole takes as long as the longest operation, not the sum.
 * - R5: when the caller's `signal` aborts, every operation still running is cancelled (it was given
 *   that signal) and the promise rejects with `signal.reason` once they have stopped: no partial
 *   result.
 * @module
 */

import {checkFunction, invalidArgument} from './common/arguments.js';
import {SignalFanOut} from './common/abort.js';

/**
 * Each item exactly once: in `succeeded` with its value, or in `failed` with its error.
 * @template K, T
 * @typedef {{succeeded: Map<K, T>, failed: Map<K, unknown>}} PartialResults
 */

/**
 * Runs `operation(item)` for every item at once and reports successes and failures apart.
 *
 * @example
 * const {succeeded, failed} = await runAll((url, {signal}) => fetch(url, {signal}), urls, {signal});
 * @template K, T
 * @param {(item: K, options: {signal: AbortSignal}) => Promise<T> | T} operation
 * @param {Iterable<K>} items
 * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
 * @returns {Promise<PartialResults<K, T>>}
 */
export async function runAll(operation, items, {signal} = {}) {
  checkFunction('operation', operation);
  const list = Array.from(items);
  // Each item is reported once, by itself as the key (R3): two equal items cannot be.
  if (new Set(list).size !== list.length) throw invalidArgument('Expected `items` to be distinct');
  signal?.throwIfAborted();
  // A signal per operation, not the caller's shared by all of them (see SignalFanOut).
  const signals = new SignalFanOut(signal);
  /** @type {PromiseSettledResult<Awaited<T>>[]} */
  let outcomes;
  try {
    // allSettled, not all: one failure must not abandon the others (R2). The async wrapper turns a
    // synchronous throw into that item's failure.
    outcomes = await Promise.allSettled(
      list.map(async (item) => {
        const own = signals.fork();
        try {
          return await operation(item, {signal: own.signal});
        } finally {
          signals.release(own);
        }
      }),
    );
  } finally {
    signals.dispose();
  }
  signal?.throwIfAborted(); // R5: a cancelled run has no partial result
  /** @type {PartialResults<K, T>} */
  const results = {succeeded: new Map(), failed: new Map()};
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') results.succeeded.set(list[index], outcome.value);
    else results.failed.set(list[index], outcome.reason);
  });
  return results;
}
