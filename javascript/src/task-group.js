/**
 * Structured concurrency: a task group (spec: `spec/patterns/task-group.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: every child starts at once, concurrently.
 * - R2: when every child succeeds, the results come back in input order once the last child has
 *   finished.
 * - R3: the first failure cancels every sibling still running (their signal aborts).
 * - R4: the group finishes only after every child has finished, including siblings that take time
 *   to stop once cancelled.
 * - R5: failures come out grouped in an `AggregateError` holding each failure unchanged; cancelled
 *   siblings are not reported as failures.
 * - R6: a caller's abort cancels every child and the promise rejects with `signal.reason`, not
 *   with a group of errors.
 * @module
 */

import {checkFunction} from './common/arguments.js';
import {SignalFanOut, deriveAbortController} from './common/abort.js';

/**
 * Runs `operation(item)` for every item as children of one group.
 *
 * @example
 * const [user, orders] = await runGroup((load, {signal}) => load({signal}), [loadUser, loadOrders]);
 * @template K, T
 * @param {(item: K, options: {signal: AbortSignal}) => Promise<T> | T} operation
 * @param {Iterable<K>} items
 * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
 * @returns {Promise<T[]>} The values in input order.
 */
export async function runGroup(operation, items, {signal} = {}) {
  checkFunction('operation', operation);
  const list = Array.from(items);
  signal?.throwIfAborted();
  // Aborts with the caller's reason, or when a child fails.
  const {controller: group, dispose} = deriveAbortController(signal);
  // A signal per child, not one shared by all of them (see SignalFanOut).
  const signals = new SignalFanOut(group.signal);
  /** @type {unknown[]} */
  const failures = [];
  const children = list.map(async (item) => {
    const own = signals.fork();
    try {
      return await operation(item, {signal: own.signal});
    } catch (error) {
      // A child that stopped because the group was cancelled did not fail (R5).
      if (!(group.signal.aborted && (error === group.signal.reason || isAbortError(error)))) {
        failures.push(error);
        group.abort(new DOMException('A sibling task failed', 'AbortError')); // R3
      }
      throw error;
    } finally {
      signals.release(own);
    }
  });
  /** @type {PromiseSettledResult<T>[]} */
  let settled;
  try {
    settled = await Promise.allSettled(children); // every child has finished (R4)
  } finally {
    signals.dispose();
    dispose();
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} of ${list.length} tasks failed`);
  }
  signal?.throwIfAborted(); // R6
  return settled.map((outcome) => /** @type {PromiseFulfilledResult<T>} */ (outcome).value);
}

/**
 * @param {unknown} error
 * @returns {boolean}
 */
function isAbortError(error) {
  return error instanceof Error && error.name === 'AbortError';
}
