/**
 * The mistakes timeout exists to prevent, each with the reference's signature
 * (`withTimeout(fn, timeoutMs, {signal})`). The suite must reject every one.
 * @module
 */

import {sleep} from '../common/sleep.js';

/** @typedef {(options: {signal: AbortSignal}) => Promise<unknown> | unknown} Operation */
/** @typedef {{signal?: AbortSignal}} Options */

const TIMED_OUT = Symbol('timed out');

/**
 * @param {number} ms
 * @returns {Promise<typeof TIMED_OUT>}
 */
const timer = (ms) => new Promise((resolve) => setTimeout(resolve, ms, TIMED_OUT));

/**
 * @param {AbortSignal | undefined} signal
 * @param {AbortSignal} own
 */
const either = (signal, own) => (signal ? AbortSignal.any([signal, own]) : own);

/**
 * `AbortSignal.timeout(ms)`, which takes whole ms only (10.5: a RangeError, `ERR_OUT_OF_RANGE`):
 * rounded half up, as the spec rounds (PROTOCOL.md section 5), so that on a fractional limit these
 * show their own mistake -- they crashed there, which is no rejection.
 * @param {number} ms
 */
const deadlineAfter = (ms) => AbortSignal.timeout(Math.round(ms));

/**
 * Stops waiting at the limit but never cancels the operation: a bare `Promise.race`.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function leavesRunning(fn, timeoutMs, {signal} = {}) {
  const winner = await Promise.race([fn({signal: signal ?? new AbortController().signal}), timer(timeoutMs)]);
  return winner === TIMED_OUT ? null : winner;
}

/**
 * Cancels the operation at the limit but returns before it has stopped.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function noWaitAfterCancel(fn, timeoutMs, {signal} = {}) {
  const controller = new AbortController();
  const running = Promise.resolve(fn({signal: either(signal, controller.signal)}));
  const winner = await Promise.race([running, timer(timeoutMs)]);
  if (winner !== TIMED_OUT) return winner;
  controller.abort(new DOMException('The operation timed out', 'TimeoutError'));
  running.catch(() => {}); // stopping in the background, unobserved
  return null;
}

/**
 * Lets the timeout error escape instead of returning no result.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function raisesOnTimeout(fn, timeoutMs, {signal} = {}) {
  return await fn({signal: either(signal, deadlineAfter(timeoutMs))});
}

/**
 * Turns every `TimeoutError` into no result, the operation's own included.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function swallowsOwnTimeout(fn, timeoutMs, {signal} = {}) {
  try {
    return await fn({signal: either(signal, deadlineAfter(timeoutMs))});
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') return null;
    throw error;
  }
}

/**
 * Turns every failure of the operation into no result.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function noneOnAnyError(fn, timeoutMs, {signal} = {}) {
  try {
    return await fn({signal: either(signal, deadlineAfter(timeoutMs))});
  } catch (error) {
    if (signal?.aborted) throw signal.reason; // the caller's abort is not the operation's failure
    return null;
  }
}

/**
 * Treats the caller's abort as a timeout and returns no result.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function cancelAsTimeout(fn, timeoutMs, {signal} = {}) {
  const deadline = deadlineAfter(timeoutMs);
  try {
    return await fn({signal: either(signal, deadline)});
  } catch (error) {
    const stopped = error === deadline.reason || (signal?.aborted && error === signal.reason);
    if (stopped) return null;
    throw error;
  }
}

/**
 * Polls for completion every 25 ms instead of awaiting it, so results come late: the operation
 * runs detached, stopped only at the limit, while the caller's abort ends the polling.
 * @param {Operation} fn
 * @param {number} timeoutMs
 * @param {Options} [options]
 */
export async function polling(fn, timeoutMs, {signal} = {}) {
  const controller = new AbortController();
  /** @type {PromiseSettledResult<unknown> | undefined} */
  let settled;
  const running = Promise.resolve(fn({signal: controller.signal})).then(
    (value) => (settled = {status: 'fulfilled', value}),
    (reason) => (settled = {status: 'rejected', reason}),
  );
  const deadline = Date.now() + timeoutMs;
  const isDone = () => settled !== undefined; // a function: the callbacks above set it meanwhile
  while (!isDone() && Date.now() < deadline) await sleep(25, signal);
  const outcome = /** @type {PromiseSettledResult<unknown> | undefined} */ (settled);
  if (outcome === undefined) {
    controller.abort(new DOMException('The operation timed out', 'TimeoutError'));
    await running;
    if (signal?.aborted) throw signal.reason;
    return null;
  }
  if (outcome.status === 'fulfilled') return outcome.value;
  throw outcome.reason;
}
