/**
 * The mistakes a connection pool exists to prevent. Each is the reference with one decision
 * changed (a subclass), so that what a scenario catches is that decision.
 * @module
 */

import {ConnectionPool} from '../connection-pool.js';

/** Gives the connection back after the use's value only, not in `finally`: a failing use keeps its slot. */
export class LeakOnFailure extends ConnectionPool {
  /**
   * @override
   * @template T
   * @param {(connection: import('../connection-pool.js').PooledConnection, options: {signal: AbortSignal}) => Promise<T> | T} use
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<T>}
   */
  async withConnection(use, {signal} = {}) {
    const lease = await this.acquire({signal});
    const value = await use(lease.connection, {signal: lease.signal});
    await lease[Symbol.asyncDispose]();
    return value;
  }
}

/** Opens a new connection whenever none is idle, whatever `size` says -- and so takes any size: it reads none. */
export class NoUpperBound extends ConnectionPool {
  /**
   * @param {ConstructorParameters<typeof ConnectionPool>[0]} openConnection
   * @param {ConstructorParameters<typeof ConnectionPool>[1]} [options]
   */
  constructor(openConnection, {size: _ignored, ...rest} = {}) {
    super(openConnection, rest);
  }

  /**
   * @override
   * @returns {boolean}
   */
  canOpen() {
    return true;
  }
}

/** Serves the waiters last-in-first-out: the one that waited longest is served last. */
export class LifoWaiters extends ConnectionPool {
  /**
   * @override
   * @param {import('../connection-pool.js').Waiter[]} waiters
   * @returns {import('../connection-pool.js').Waiter | undefined}
   */
  nextWaiter(waiters) {
    return waiters.pop();
  }
}

/** Waits for a connection without a deadline -- and so takes any acquire timeout, 0 included. */
export class NoAcquireTimeout extends ConnectionPool {
  /**
   * @param {ConstructorParameters<typeof ConnectionPool>[0]} openConnection
   * @param {ConstructorParameters<typeof ConnectionPool>[1]} [options]
   */
  constructor(openConnection, {acquireTimeoutMs: _ignored, ...rest} = {}) {
    super(openConnection, rest);
  }

  /**
   * @override
   * @returns {number | undefined}
   */
  acquireDeadlineMs() {
    return undefined;
  }
}

/**
 * Closes without a deadline: the close waits for every holder however long it takes, never aborting
 * one -- and so takes any close timeout, a negative one included.
 */
export class NoCloseDeadline extends ConnectionPool {
  /**
   * @param {ConstructorParameters<typeof ConnectionPool>[0]} openConnection
   * @param {ConstructorParameters<typeof ConnectionPool>[1]} [options]
   */
  constructor(openConnection, {closeTimeoutMs: _ignored, ...rest} = {}) {
    super(openConnection, rest);
  }

  /**
   * @override
   * @returns {number | undefined}
   */
  closeDeadlineMs() {
    return undefined;
  }
}

/** Gives a connection whose use failed fatally back to the idle ones. */
export class ReturnsBroken extends ConnectionPool {
  /**
   * @override
   * @returns {boolean}
   */
  isBroken() {
    return false;
  }
}
