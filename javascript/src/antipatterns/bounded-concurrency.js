/**
 * The mistakes bounded-concurrency exists to prevent, each with the reference's signature
 * (`mapBounded(operation, items, limit, {signal})`). The suite must reject every one.
 * @module
 */

import {invalidArgument} from '../common/arguments.js';

/** @typedef {(item: unknown, options: {signal: AbortSignal}) => Promise<unknown> | unknown} Operation */
/** @typedef {{signal?: AbortSignal}} Options */

/**
 * Starts every item at once with an unbounded `Promise.all`: the limit is ignored.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {number} limit
 * @param {Options} [options]
 */
export async function unbounded(operation, items, limit, {signal} = {}) {
  const stop = new AbortController();
  const options = {signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal};
  return Promise.all(
    [...items].map(async (item) => {
      try {
        return await operation(item, options);
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    }),
  );
}

/**
 * Runs one item at a time (`await` in a loop): the limit is never used.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {number} limit
 * @param {Options} [options]
 */
export async function sequential(operation, items, limit, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const results = [];
  for (const item of items) results.push(await operation(item, options));
  return results;
}

/**
 * Runs the items in batches of `limit`, each batch waiting for its slowest item.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {number} limit
 * @param {Options} [options]
 */
export async function batches(operation, items, limit, {signal} = {}) {
  // Slices of `limit` items: a step below 1 is refused, as Python's range() and .NET's Chunk() refuse
  // it (a step of 0 would loop on empty slices forever, starving the event loop).
  if (!(limit >= 1)) throw invalidArgument('Expected `limit` to be from 1');
  const options = {signal: signal ?? new AbortController().signal};
  const list = [...items];
  const results = [];
  for (let start = 0; start < list.length; start += limit) {
    results.push(...(await Promise.all(list.slice(start, start + limit).map(async (item) => operation(item, options)))));
  }
  return results;
}

/**
 * Returns the results in the order the operations finished.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {number} limit
 * @param {Options} [options]
 */
export async function completionOrder(operation, items, limit, {signal} = {}) {
  const stop = new AbortController();
  const options = {signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal};
  const list = [...items];
  /** @type {unknown[]} */
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < list.length && !options.signal.aborted) {
      const item = list[next++];
      try {
        results.push(await operation(item, options));
      } catch (error) {
        stop.abort(error);
        return;
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, list.length)}, worker));
  options.signal.throwIfAborted();
  return results;
}

/**
 * Rejects with the first failure at once but leaves the running items running and the rest
 * starting: nothing is aborted.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {number} limit
 * @param {Options} [options]
 */
export async function keepsGoingAfterFailure(operation, items, limit, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const list = [...items];
  const results = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length && !options.signal.aborted) {
      const index = next++;
      results[index] = await operation(list[index], options);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, list.length)}, worker));
  options.signal.throwIfAborted();
  return results;
}

/**
 * Reports the failure wrapped in an `AggregateError` instead of the failure itself.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {number} limit
 * @param {Options} [options]
 */
export async function wrappedFailure(operation, items, limit, {signal} = {}) {
  const stop = new AbortController();
  const options = {signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal};
  const list = [...items];
  const results = new Array(list.length);
  /** @type {unknown[]} */
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < list.length && !options.signal.aborted) {
      const index = next++;
      try {
        results[index] = await operation(list[index], options);
      } catch (error) {
        if (!stop.signal.aborted && !signal?.aborted) failures.push(error);
        stop.abort(error);
        return;
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, list.length)}, worker));
  if (failures.length > 0) throw new AggregateError(failures, 'an item failed');
  signal?.throwIfAborted();
  return results;
}
