/**
 * The mistakes async-stream exists to prevent, each with the reference's signature
 * (`consumeStream(source, take, use, {signal})`). The suite must reject every one.
 * (`break-without-closing` has no JavaScript form: a `break` out of `for await...of` always calls
 * the iterator's `return()`.)
 * @module
 */

import {invalidArgument, LARGEST_COUNT} from '../common/arguments.js';

/** @typedef {(options: {signal?: AbortSignal}) => AsyncIterable<unknown>} Source */
/** @typedef {(item: unknown, options: {signal?: AbortSignal}) => unknown} Use */
/** @typedef {{signal?: AbortSignal}} Options */

/**
 * The reference's refusal of `take` (each mistake here is another one).
 * @param {number} take
 */
function checkTake(take) {
  if (!Number.isSafeInteger(take) || take < 0 || take > LARGEST_COUNT) {
    throw invalidArgument(`Expected \`take\` to be an integer from 0 to ${LARGEST_COUNT}`);
  }
}

/**
 * Pulls with `next()` in a loop of its own and never calls `return()`: on the limit or a consumer
 * failure the source's `finally` never runs. (Nor does it check `take`.)
 * @param {Source} source
 * @param {number} take
 * @param {Use} use
 * @param {Options} [options]
 */
export async function manualNextNoReturn(source, take, use, {signal} = {}) {
  /** @type {unknown[]} */
  const consumed = [];
  const items = source({signal})[Symbol.asyncIterator]();
  while (consumed.length < take) {
    const {value, done} = await items.next();
    if (done) break;
    await use(value, {signal});
    consumed.push(value);
  }
  return consumed;
}

/**
 * Reads the whole sequence into an array first, then consumes the first `take` items.
 * @param {Source} source
 * @param {number} take
 * @param {Use} use
 * @param {Options} [options]
 */
export async function buffersEverything(source, take, use, {signal} = {}) {
  checkTake(take);
  const everything = [];
  for await (const item of source({signal})) everything.push(item);
  /** @type {unknown[]} */
  const consumed = [];
  for (const item of everything.slice(0, take)) {
    await use(item, {signal});
    consumed.push(item);
  }
  return consumed;
}

/**
 * Pulls the next item while `use` works on the current one: one pull past the limit, which it
 * waits for before `return()` (an async generator's `return()` queues behind a pending `next()`).
 * @param {Source} source
 * @param {number} take
 * @param {Use} use
 * @param {Options} [options]
 */
export async function prefetches(source, take, use, {signal} = {}) {
  checkTake(take);
  /** @type {unknown[]} */
  const consumed = [];
  if (take === 0) return consumed;
  const items = source({signal})[Symbol.asyncIterator]();
  let pending = items.next();
  try {
    for (;;) {
      const {value, done} = await pending;
      if (done) break;
      pending = items.next(); // the read-ahead
      await use(value, {signal});
      consumed.push(value);
      if (consumed.length === take) break;
    }
  } finally {
    await pending.catch(() => {});
    await items.return?.();
  }
  return consumed;
}

/**
 * Calls the source without the signal: the caller's abort reaches the consumer's work but not the
 * source, so a pending pull runs on after the caller has cancelled.
 * @param {Source} source
 * @param {number} take
 * @param {Use} use
 * @param {Options} [options]
 */
export async function sourceNotCancelled(source, take, use, {signal} = {}) {
  checkTake(take);
  /** @type {unknown[]} */
  const consumed = [];
  if (take === 0) return consumed;
  for await (const item of source({})) {
    await use(item, {signal});
    consumed.push(item);
    if (consumed.length === take) break;
  }
  return consumed;
}
