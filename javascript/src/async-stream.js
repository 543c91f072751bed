/**
 * Consuming an async stream (spec: `spec/patterns/async-stream.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: one pull at a time, the next only once `use` has finished with the previous item; never
 *   more than `take` pulls.
 * - R2: the items consumed come back in the source's order: the first `take`, or all of them when
 *   the source ends sooner; no pull past the limit, not even to see the end.
 * - R3: on every way out the source is closed exactly once, before the promise settles: a `break`
 *   or a throw out of `for await...of` calls the iterator's `return()` and awaits it, which runs an
 *   async generator's `finally`; at its end or on its own failure the source has closed itself.
 * - R4, R5, R7: a failure of `use` or of a pull rejects unchanged, after the cleanup (an
 *   operation's own `AbortError` included: nothing here catches anything).
 * - R6: the caller's signal is handed to the source (`source({signal})`) and to `use`: an abort
 *   reaches the pending pull (a pending `next()` cannot be interrupted by `return()`, which
 *   queues behind it) or the consumer's work, and the promise rejects once the cleanup is done;
 *   an abort during the cleanup rejects once it is done, in place of the list or a failure.
 * - R8: `take` is an integer from 0 to 2147483647, refused otherwise before the source starts;
 *   with 0 the source is never called.
 * @module
 */

import {checkFunction, invalidArgument, LARGEST_COUNT} from './common/arguments.js';

/**
 * Consumes the async iterable `source({signal})` lazily: `await use(item, {signal})` for each
 * item, at most `take` of them.
 *
 * @example
 * const rows = await consumeStream(({signal}) => db.query(sql, {signal}), 100, (row) => save(row), {signal});
 * @template T
 * @param {(options: {signal?: AbortSignal}) => AsyncIterable<T>} source Makes the sequence, given
 *   the cancellation its pending pulls must honour (an async generator function, say).
 * @param {number} take The most items consumed: an integer from 0 to 2147483647.
 * @param {(item: T, options: {signal?: AbortSignal}) => unknown} use The consumer's work on one item.
 * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
 * @returns {Promise<T[]>} The items consumed, in the source's order.
 */
export async function consumeStream(source, take, use, {signal} = {}) {
  checkFunction('source', source);
  checkFunction('use', use);
  if (typeof take !== 'number' || !Number.isSafeInteger(take) || take < 0 || take > LARGEST_COUNT) {
    throw invalidArgument(`Expected \`take\` to be an integer from 0 to ${LARGEST_COUNT}`);
  }
  signal?.throwIfAborted();
  /** @type {T[]} */
  const consumed = [];
  if (take === 0) return consumed; // not even one pull: `for await` would start the source
  try {
    for await (const item of source({signal})) {
      await use(item, {signal});
      consumed.push(item);
      if (consumed.length === take) break; // awaits the source's return(): its cleanup
    }
  } finally {
    // An abort during the source's cleanup (which takes no signal) is not lost to the list or to
    // a failure: it rejects now that the cleanup is done (R6).
    signal?.throwIfAborted();
  }
  return consumed;
}
