/**
 * The mistakes backpressure exists to prevent, each with the reference's signature
 * (`runPipeline(produce, consume, {capacity, workers, signal})`). Each is the reference's shape -- a
 * consumer per item up to `workers`, fail fast -- with the one mistake its name says, so that it
 * fails for that mistake alone. The suite must reject every one.
 * @module
 */

import {BoundedQueue} from '../common/bounded-queue.js';

/** How long busy-polling waits between two looks at the queue, in ms. */
const POLL_MS = 10;
/** How many consumers busy-polling starts up front (a pool of pollers; never 2147483647 of them). */
const POLLERS = 64;

/**
 * Waits one poll interval, then throws if the pipeline was stopped meanwhile.
 * @param {AbortSignal} stop
 */
async function pollPause(stop) {
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  stop.throwIfAborted();
}

/** @typedef {(options: {signal: AbortSignal}) => AsyncIterable<unknown> | Iterable<unknown>} Produce */
/** @typedef {(item: unknown, options: {signal: AbortSignal}) => Promise<unknown> | unknown} Consume */
/** @typedef {{capacity?: number, workers?: number, signal?: AbortSignal}} Options */
/**
 * @typedef {object} Queue What each mistake changes: how items go in and out, and how the end is told.
 * @property {(item: unknown, stop: AbortSignal) => Promise<void>} put
 * @property {(stop: AbortSignal) => Promise<IteratorResult<unknown, undefined>>} take
 * @property {() => void} close
 * @property {(reason: unknown) => void} abort
 */

/**
 * @param {Produce} produce
 * @param {Consume} consume
 * @param {Options} options
 * @param {(capacity: number) => Queue} makeQueue
 * @param {number} [upFront] Consumers started before the first item.
 */
async function pipeline(produce, consume, {capacity = 2, workers = 2, signal}, makeQueue, upFront = 0) {
  // No check of the parameters, like the naive code each mistake stands for.
  signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, {once: true});
  const queue = makeQueue(capacity);
  stop.signal.addEventListener('abort', () => queue.abort(stop.signal.reason), {once: true});
  /** @type {{error: unknown} | undefined} */
  let failure;
  /** @param {unknown} error */
  const fail = (error) => {
    if (!stop.signal.aborted) failure = {error};
    stop.abort(error);
  };
  /** @type {unknown[]} */
  const results = [];
  /** @type {Promise<void>[]} */
  const consumers = [];
  const consumer = async () => {
    try {
      for (let next = await queue.take(stop.signal); !next.done; next = await queue.take(stop.signal)) {
        const [index, item] = /** @type {[number, unknown]} */ (next.value);
        results[index] = await consume(item, {signal: stop.signal});
      }
    } catch (error) {
      fail(error);
    }
  };
  for (let started = 0; started < upFront; started++) consumers.push(consumer());
  try {
    for await (const item of produce({signal: stop.signal})) {
      if (consumers.length < workers) consumers.push(consumer());
      results.push(undefined);
      await queue.put([results.length - 1, item], stop.signal);
    }
    queue.close();
  } catch (error) {
    fail(error);
  }
  await Promise.all(consumers);
  signal?.removeEventListener('abort', onAbort);
  if (failure) throw failure.error;
  stop.signal.throwIfAborted();
  return results;
}

/**
 * The bounded queue as the reference uses it.
 * @param {BoundedQueue<unknown>} queue
 * @returns {Queue}
 */
const waiting = (queue) => ({
  put: (item) => queue.put(item),
  take: () => queue.take(),
  close: () => queue.close(),
  abort: (reason) => queue.abort(reason),
});

/**
 * A queue without a bound: the producer never waits and the queue grows with it.
 * @param {Produce} produce
 * @param {Consume} consume
 * @param {Options} [options]
 */
export function unboundedQueue(produce, consume, options = {}) {
  return pipeline(produce, consume, options, () => waiting(new BoundedQueue(Infinity)));
}

/**
 * Drops the item when the queue is full instead of waiting for a free slot.
 * @param {Produce} produce
 * @param {Consume} consume
 * @param {Options} [options]
 */
export function dropsWhenFull(produce, consume, options = {}) {
  return pipeline(produce, consume, options, (capacity) => {
    const queue = new BoundedQueue(capacity);
    return {...waiting(queue), put: async (item) => void queue.tryPut(item)}; // a full queue loses the item
  });
}

/**
 * Polls every 10 ms for a free slot or an item instead of waiting to be woken.
 * @param {Produce} produce
 * @param {Consume} consume
 * @param {Options} [options]
 */
export function busyPolling(produce, consume, options = {}) {
  const pollers = Math.min(Math.max(options.workers ?? 2, 0), POLLERS);
  return pipeline(produce, consume, options, (capacity) => {
    const queue = new BoundedQueue(capacity);
    return {
      ...waiting(queue),
      async put(item, stop) {
        while (!queue.tryPut(item)) await pollPause(stop);
      },
      async take(stop) {
        for (let next = queue.tryTake(); ; next = queue.tryTake()) {
          if (next) return next;
          await pollPause(stop);
        }
      },
    };
  }, pollers);
}

/**
 * Never tells the consumers the producer has ended: they wait for another item forever.
 * @param {Produce} produce
 * @param {Consume} consume
 * @param {Options} [options]
 */
export function consumersNeverFinish(produce, consume, options = {}) {
  return pipeline(produce, consume, options, (capacity) => ({...waiting(new BoundedQueue(capacity)), close: () => {}}));
}
