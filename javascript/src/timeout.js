/**
 * Timeout yielding no result (spec: `spec/patterns/timeout.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: an operation that completes within the limit returns its value, as soon as it completes.
 * - R2: an operation still running when the limit expires yields no result (`null`), not an error.
 * - R3: the timed-out operation is cancelled at the limit (its signal aborts with a `TimeoutError`),
 *   and `null` comes back only once it has stopped: it is never left running.
 * - R4: a failure of the operation itself propagates unchanged, even one of kind timeout (its own
 *   `TimeoutError`): only the expiry of this limit means no result.
 * - R5: a caller's abort before the limit is not a timeout: it cancels the operation and the
 *   promise rejects with `signal.reason`.
 * @module
 */

import {checkFunction, invalidArgument, LONGEST_MS} from './common/arguments.js';
import {deriveAbortController} from './common/abort.js';

/**
 * Runs `fn` with a time limit of `timeoutMs`; `null` when the limit expired first.
 *
 * `fn` gets a signal that aborts at the limit (with a `TimeoutError` `DOMException`) or when the
 * caller's `signal` aborts, whichever comes first; it must stop when it aborts. The result is
 * settled only once `fn` has settled. Once it has, the limit is cleared and the call is unhooked
 * from the caller's `signal`: a long-lived caller signal keeps nothing of a finished call.
 *
 * @example
 * const page = await withTimeout(({signal}) => fetch(url, {signal}).then((r) => r.text()), 5000);
 * if (page === null) console.log('no answer within 5 s');
 * @template T
 * @param {(options: {signal: AbortSignal}) => Promise<T> | T} fn The operation.
 * @param {number} [timeoutMs] The limit, in ms: a number from 1 to 2147483647 (`setTimeout`'s most),
 *   rounded to whole ms by the timer. Default: 1000 (the spec's).
 * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
 * @returns {Promise<T | null>}
 */
export async function withTimeout(fn, timeoutMs = 1000, {signal} = {}) {
  checkFunction('fn', fn);
  // Not 0: that is "expired already" to one API and "no limit" to another (spec/PROTOCOL.md section 6).
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 1 && timeoutMs <= LONGEST_MS)) {
    throw invalidArgument(`Expected \`timeoutMs\` to be a number from 1 to ${LONGEST_MS}`);
  }
  signal?.throwIfAborted();
  // Not AbortSignal.timeout + AbortSignal.any: that timer cannot be cleared, and before Node 22.12
  // the caller's signal keeps every combined signal (nodejs/node#55351) -- a leak per call under a
  // long-lived caller signal. A derived controller, a cleared timer and an unhook in `finally` keep
  // nothing (cockatiel's TimeoutPolicy).
  const {controller, dispose} = deriveAbortController(signal);
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, timeoutMs);
  try {
    return await fn({signal: controller.signal});
  } catch (error) {
    if (expired && (error === controller.signal.reason || isAbortError(error))) {
      // The operation stopped because this limit expired: no result (R2, R3) -- unless the caller
      // cancelled meanwhile, which still propagates (R5).
      signal?.throwIfAborted();
      return null;
    }
    throw error; // its own failure, a TimeoutError of its own included (R4)
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

/**
 * @param {unknown} error
 * @returns {boolean}
 */
function isAbortError(error) {
  return error instanceof Error && error.name === 'AbortError';
}
