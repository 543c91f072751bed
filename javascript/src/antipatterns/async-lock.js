/**
 * The mistakes an async lock exists to prevent: the reference with one decision changed each, with
 * its constructor and `increment`.
 * @module
 */

import {GuardedCounter} from '../async-lock.js';
import {sleep} from '../common/sleep.js';

/** No lock: two callers read the same value across the await and one update is lost. */
export class NoLock extends GuardedCounter {
  /** @override @param {(options: {signal?: AbortSignal}) => Promise<unknown> | unknown} operation @param {{signal?: AbortSignal}} [options] */
  async increment(operation, {signal} = {}) {
    const current = this.value;
    await operation({signal});
    this.value = current + 1;
    return this.value;
  }
}

/** Releases after the write, not in `finally`: a failing operation leaves the lock held. */
export class NotReleasedOnFailure extends GuardedCounter {
  /** @override @param {(options: {signal?: AbortSignal}) => Promise<unknown> | unknown} operation @param {{signal?: AbortSignal}} [options] */
  async increment(operation, {signal} = {}) {
    await this.mutex.acquire({signal});
    const current = this.value;
    await operation({signal});
    this.value = current + 1;
    this.mutex.release();
    return this.value;
  }
}

/** Waits without the caller's signal: a cancelled waiter still takes the lock when its turn comes. */
export class CancelledWaiterEnters extends GuardedCounter {
  /** @override @param {(options: {signal?: AbortSignal}) => Promise<unknown> | unknown} operation @param {{signal?: AbortSignal}} [options] */
  async increment(operation, {signal} = {}) {
    return this.mutex.runExclusive(async () => {
      const current = this.value;
      await operation({signal});
      this.value = current + 1;
      return this.value;
    });
  }
}

/**
 * The unrelated wait of `HoldsAcrossUnrelatedWait`: long enough that the real clock's band (up to
 * half again plus 60 ms late) cannot take it for scheduling noise.
 */
const UNRELATED_WAIT_MS = 100;

/**
 * Writes, then awaits a notification that has nothing to do with the counter (a timer) before
 * leaving the section: every caller behind it waits for it too.
 */
export class HoldsAcrossUnrelatedWait extends GuardedCounter {
  /** @override @param {(options: {signal?: AbortSignal}) => Promise<unknown> | unknown} operation @param {{signal?: AbortSignal}} [options] */
  async increment(operation, {signal} = {}) {
    return this.mutex.runExclusive(async () => {
      const current = this.value;
      await operation({signal});
      this.value = current + 1;
      await sleep(UNRELATED_WAIT_MS, signal); // belongs after the release
      return this.value;
    }, {signal});
  }
}
