/**
 * An abortable sleep on whatever clock `setTimeout` is (the runner's virtual one in a run).
 * @module
 */

import {LONGEST_MS} from './arguments.js';

/**
 * Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts, as
 * asyncio.sleep and Task.Delay end on a cancellation. A zero delay arms no timer: Node would
 * stretch `setTimeout(fn, 0)` to 1 ms. A delay past `setTimeout`'s most is clamped to it (as
 * Polly clamps): Node would fire it after 1 ms.
 * @param {number} ms
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    if (!(ms > 0)) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, LONGEST_MS));
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}
