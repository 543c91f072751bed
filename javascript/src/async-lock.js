/**
 * Async lock (spec: `spec/patterns/async-lock.yaml`). Node 20 has no mutex for async code, so this
 * is a promise-based one in the shape of async-mutex's `Mutex` (`acquire`, `release`,
 * `runExclusive`), with an `AbortSignal` for a waiter's cancellation; `GuardedCounter` is the
 * shared state it guards.
 *
 * Guarantees (the spec's rules):
 * - R1, R2: each `increment` reads, awaits its operation and writes the value read plus 1 under the
 *   lock, and resolves to the value it wrote: no update is lost, sections never overlap.
 * - R3, R4: waiters enter first-in-first-out; `release` hands the lock straight to the first waiter
 *   (it never becomes free while anyone waits), so no newcomer gets past the queue.
 * - R5, R6: the lock is released in `finally`: on a failure (which propagates unchanged) and on the
 *   caller's abort (once the operation has stopped); the counter is not written then.
 * - R7: a waiter whose signal aborts leaves the queue at once and rejects with the signal's reason;
 *   one handed the lock whose signal aborted before it resumed gives it on and never enters.
 * @module
 */

import {checkFunction} from './common/arguments.js';

/** @typedef {{grant: () => void, signal?: AbortSignal, onAbort?: () => void}} Waiter */

export class Mutex {
  #locked = false;
  /** @type {Waiter[]} */
  #waiters = [];

  /** @returns {boolean} whether a caller holds the lock */
  isLocked() {
    return this.#locked;
  }

  /**
   * Waits for the lock, first-in-first-out; rejects with the signal's reason if it aborts first.
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<void>}
   */
  async acquire({signal} = {}) {
    signal?.throwIfAborted();
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise((resolve, reject) => {
      /** @type {Waiter} */
      const waiter = {grant: () => resolve(undefined), signal};
      if (signal) {
        waiter.onAbort = () => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, {once: true});
      }
      this.#waiters.push(waiter);
    });
    // Handed the lock, but the caller aborted before this resumed: give it on (R7, as asyncio.Lock).
    if (signal?.aborted) {
      this.release();
      throw signal.reason;
    }
  }

  /** Hands the lock to the first waiter, or frees it when nobody waits. */
  release() {
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#locked = false;
      return;
    }
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    next.grant(); // the lock stays taken: it passes to `next` directly
  }

  /**
   * Runs `fn` holding the lock, released on every path.
   * @template T
   * @param {() => Promise<T> | T} fn
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation while waiting.
   * @returns {Promise<T>}
   */
  async runExclusive(fn, {signal} = {}) {
    await this.acquire({signal});
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** A counter that concurrent callers update with an `await` between the read and the write. */
export class GuardedCounter {
  /** The lock; an anti-pattern may use it differently. */
  mutex = new Mutex();
  /** The counter's value. */
  value = 0;

  /**
   * One caller's critical section: read, await `operation`, write the value read plus 1.
   * @param {(options: {signal?: AbortSignal}) => Promise<unknown> | unknown} operation It gets the caller's signal.
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
   * @returns {Promise<number>} the value written
   */
  async increment(operation, {signal} = {}) {
    checkFunction('operation', operation);
    return this.mutex.runExclusive(async () => {
      const current = this.value;
      await operation({signal});
      this.value = current + 1;
      return this.value;
    }, {signal});
  }
}
