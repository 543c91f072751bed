/**
 * Backpressure: a producer and consumers joined by a bounded queue (spec:
 * `spec/patterns/backpressure.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: the queue holds at most `capacity` items: when it is full the producer waits for a free
 *   slot before it asks `produce` for the next item; it never drops one, never lets it grow.
 * - R2: each item is consumed exactly once, by one of at most `workers` consumers; items start in
 *   production order, each as soon as a consumer is free; waiting consumers and a waiting
 *   producer are woken, never poll.
 * - R3: when the producer ends, the consumers drain the queue and finish; the values come back in
 *   production order.
 * - R4: fail fast: the first failure of a consumer (an operation's own `AbortError` included) or
 *   of the producer stops the producer and cancels the consumers (their signals abort), and
 *   propagates unchanged once they have stopped; queued items are never consumed.
 * - R5: a caller's abort stops everything and the promise rejects with `signal.reason`.
 * - R8: consumers first: within one instant, a consumer that takes an item starts it before the
 *   producer starts producing its next one (the queue wakes a waiting producer in a microtask).
 *
 * Node 20 has no bounded async queue: the queue is a small channel of our own
 * (`common/bounded-queue.js`, which says why not a stream with `highWaterMark`).
 * @module
 */

import {checkFunction, invalidArgument, LARGEST_COUNT} from './common/arguments.js';
import {SignalFanOut, deriveAbortController} from './common/abort.js';
import {BoundedQueue} from './common/bounded-queue.js';

/**
 * @param {string} name
 * @param {unknown} value
 */
function checkCount(name, value) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > LARGEST_COUNT) {
    throw invalidArgument(`Expected \`${name}\` to be an integer from 1 to ${LARGEST_COUNT}, got ${String(value)}`);
  }
}

/**
 * Consumes every item `produce` yields with at most `workers` consumers, through a queue of
 * `capacity` items.
 *
 * @example
 * const sizes = await runPipeline(({signal}) => readLines(file, {signal}), (line, {signal}) => upload(line, {signal}),
 *   {capacity: 100, workers: 4, signal});
 * @template K, T
 * @param {(options: {signal: AbortSignal}) => AsyncIterable<K> | Iterable<K>} produce The producer: its items,
 *   in order. It is given a signal, aborted to stop it (an async iterator's pending `next()` cannot be
 *   interrupted from outside: `return()` waits for it).
 * @param {(item: K, options: {signal: AbortSignal}) => Promise<T> | T} consume Called once per item.
 * @param {{capacity?: number, workers?: number, signal?: AbortSignal}} [options] `capacity`: the most
 *   items queued, an integer from 1 to 2147483647, default 2; `workers`: the most consumers at once, an
 *   integer from 1 to 2147483647, default 2 (the spec's) -- a consumer is started with each of the first
 *   `workers` items; `signal`: the caller's cancellation.
 * @returns {Promise<T[]>} The consumers' values, in production order.
 */
export async function runPipeline(produce, consume, {capacity = 2, workers = 2, signal} = {}) {
  checkFunction('produce', produce);
  checkFunction('consume', consume);
  checkCount('capacity', capacity);
  checkCount('workers', workers);
  signal?.throwIfAborted();
  // Aborts with the caller's reason or with the first failure, whichever comes first.
  const {controller: stop, dispose} = deriveAbortController(signal);
  // A signal each for the producer and every consumer (see SignalFanOut).
  const signals = new SignalFanOut(stop.signal);
  /** @type {BoundedQueue<[number, K]>} */
  const queue = new BoundedQueue(capacity);
  const onStop = () => queue.abort(stop.signal.reason); // releases a waiting producer and waiting consumers
  stop.signal.addEventListener('abort', onStop, {once: true});
  /** @type {{error: unknown} | undefined} the first failure, boxed: `throw undefined` is one too */
  let failure;
  /** @param {unknown} error */
  const fail = (error) => {
    if (!stop.signal.aborted) failure = {error}; // a stop asked for (a failure, the caller) is no failure
    stop.abort(error);
  };
  /** @type {T[]} */
  const results = [];
  /** @type {Promise<void>[]} */
  const consumers = [];

  const consumer = async () => {
    const own = signals.fork();
    try {
      for (let next = await queue.take(); !next.done; next = await queue.take()) {
        const [index, item] = next.value;
        results[index] = await consume(item, {signal: own.signal});
      }
    } catch (error) {
      fail(error);
    } finally {
      signals.release(own);
    }
  };

  const own = signals.fork();
  try {
    for await (const item of produce({signal: own.signal})) {
      if (consumers.length < workers) consumers.push(consumer()); // one more consumer, up to `workers`
      results.push(/** @type {T} */ (/** @type {unknown} */ (undefined)));
      await queue.put([results.length - 1, item]); // waits while the queue is full (R1)
    }
    queue.close(); // the consumers drain the queue, then finish (R3)
  } catch (error) {
    fail(error);
  } finally {
    signals.release(own);
  }
  try {
    await Promise.all(consumers); // consumers never reject: every one has stopped (R4)
  } finally {
    stop.signal.removeEventListener('abort', onStop);
    signals.dispose();
    dispose();
  }
  if (failure) throw failure.error; // the first failure unchanged (R4)
  stop.signal.throwIfAborted(); // the caller's reason (R5)
  return results;
}
