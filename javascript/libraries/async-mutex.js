/**
 * async-mutex (`new Mutex()`, `runExclusive`) as the spec's async-lock (invoked many times: one
 * counter, one `runExclusive` per invocation).
 *
 * Adapted: the counter (the pattern's shared state, as the reference's `GuardedCounter`) guarded by
 * one `Mutex`; each invocation's section -- read, await the operation, write the value read plus 1
 * -- is the callback of `runExclusive`, which releases the mutex when it settles, on every path; the
 * caller's signal reaches the operation (the section's contract). async-mutex has no per-waiter
 * cancellation: `acquire` and `runExclusive` take no signal, and its `cancel()` rejects EVERY
 * pending waiter with `E_CANCELED` -- one caller's abort cannot be expressed with it, so the waiter
 * is left waiting (`withTimeout` is a deadline of its own, not a caller's cancellation). Nothing
 * else is passed.
 * @module
 */

import {Mutex} from 'async-mutex';

/** One async-mutex guarding one counter, shared by every invocation (the reference's shape: `GuardedCounter`). */
export class AsyncMutexCounter {
  mutex = new Mutex();
  value = 0;

  /**
   * @param {(options: {signal?: AbortSignal}) => Promise<unknown>} operation
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<number>}
   */
  increment(operation, {signal} = {}) {
    return this.mutex.runExclusive(async () => {
      const current = this.value;
      await operation({signal});
      this.value = current + 1;
      return this.value;
    });
  }
}

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'async-mutex',
    pattern: 'async-lock',
    api: 'Mutex.runExclusive',
    implementation: /** @type {any} */ (AsyncMutexCounter),
    why: {
      'cancelled-waiter-never-enters':
        'no per-waiter cancellation (`runExclusive` takes no signal; `cancel()` rejects every waiter): b, cancelled at 20 while waiting, still takes the mutex at 40 -- its operation is called and cancelled at once -- and settles at 40, not 20',
      'waiter-cancelled-at-release-instant':
        'no per-waiter cancellation: b, cancelled at 40 before the release, still takes the mutex at 40 ahead of c -- its operation is called and cancelled at once',
    },
  },
];
