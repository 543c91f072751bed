/**
 * Connection pool (spec: `spec/patterns/connection-pool.yaml`). Node 20 ships no async pool: this is
 * one in the shape of tarn.js / generic-pool (`acquire`, `release`, `destroy`), a lease given back
 * by `await lease[Symbol.asyncDispose]()` in `finally`, with an `AbortSignal` for the caller.
 *
 * Guarantees (the spec's rules):
 * - R1, R2: a connection is opened only when an acquire finds none idle and fewer than `size`
 *   open or opening; an idle one is lent again; a slot is free only once its connection closed.
 * - R3: callers wait first-in-first-out; a connection given back, or a slot freed, goes straight
 *   to the first waiter, so no newcomer gets past the queue.
 * - R4: `acquireTimeoutMs` bounds the whole acquire, the wait and the open: past it the acquire
 *   rejects with a `TimeoutError` and an open still running is aborted.
 * - R5: a failed open rejects with its very error and frees its slot for the next waiter.
 * - R6: `withConnection` gives the connection back in `finally`: on failure and abort too.
 * - R7: a connection whose use broke it (`connection.broken`) is closed and never lent again.
 * - R8: `close()` closes the idle connections at once and each borrowed one when it comes back;
 *   after `closeTimeoutMs` (whole ms, halves up; 0: in the call itself) it aborts the holders'
 *   signals, and resolves once every connection is closed -- every call of it, however many. A
 *   closing pool lends nothing: a caller waiting then times out. A close whose `signal` aborts
 *   stops waiting and rejects with its reason (once the idle connections it began to close are
 *   closed, R11); the pool stays closing, and that call's deadline aborts no one.
 * - R9: a caller whose signal aborts while waiting leaves the queue; one handed a connection
 *   whose signal aborted before it resumed passes it on.
 * - R11: a close is never cut short: a cancellation that lands while the holder's connection
 *   closes comes out once the close is done.
 * @module
 */

import {checkFunction, invalidArgument, LARGEST_COUNT, LONGEST_MS, wholeMs} from './common/arguments.js';
import {deriveAbortController} from './common/abort.js';

/**
 * @typedef {{broken?: boolean, [Symbol.asyncDispose]: () => Promise<void>}} PooledConnection
 *   What the pool needs of a connection: whether its last use broke it, and its close.
 */
/** @typedef {{grant: (connection: PooledConnection | null) => void}} Waiter `null`: a free slot, to open one in */

/**
 * @typedef {{connection: PooledConnection, signal: AbortSignal, [Symbol.asyncDispose]: () => Promise<void>}} Lease
 *   A borrowed connection, given back by `await lease[Symbol.asyncDispose]()` (once; later calls do
 *   nothing); `signal`: the caller's, aborted too at the close's deadline.
 */

export class ConnectionPool {
  #openConnection;
  #size;
  #acquireTimeoutMs;
  #closeTimeoutMs;
  /** @type {PooledConnection[]} */
  #idle = [];
  /** connections open or being opened: each holds one of the `size` slots */
  #slotsTaken = 0;
  /** @type {Waiter[]} */
  #waiters = [];
  /** @type {Set<AbortController>} the holders of a slot (opening or borrowing), aborted at the close's deadline */
  #holders = new Set();
  #closing = false;
  /** @type {(() => void) | undefined} */
  #onEmptied;
  /** resolves once the pool is closing and every slot is free: one promise, which every close awaits */
  #emptied = new Promise((resolve) => {
    this.#onEmptied = () => resolve('emptied');
  });

  /**
   * @param {(options: {signal: AbortSignal}) => Promise<PooledConnection>} openConnection
   * @param {{size?: number, acquireTimeoutMs?: number, closeTimeoutMs?: number}} [options]
   *   `size`: an integer from 1 to 2147483647 (default 10); `acquireTimeoutMs`: from 1 to
   *   2147483647 (default 30000); `closeTimeoutMs`: from 0 to 2147483647 (default 10000), rounded
   *   to whole ms (halves up: 0.4 is 0).
   */
  constructor(openConnection, {size = 10, acquireTimeoutMs = 30000, closeTimeoutMs = 10000} = {}) {
    checkFunction('openConnection', openConnection);
    if (!Number.isInteger(size) || size < 1 || size > LARGEST_COUNT) {
      throw invalidArgument(`Expected \`size\` to be an integer from 1 to ${LARGEST_COUNT}`);
    }
    if (typeof acquireTimeoutMs !== 'number' || !(acquireTimeoutMs >= 1 && acquireTimeoutMs <= LONGEST_MS)) {
      throw invalidArgument(`Expected \`acquireTimeoutMs\` to be a number from 1 to ${LONGEST_MS}`);
    }
    if (typeof closeTimeoutMs !== 'number' || !(closeTimeoutMs >= 0 && closeTimeoutMs <= LONGEST_MS)) {
      throw invalidArgument(`Expected \`closeTimeoutMs\` to be a number from 0 to ${LONGEST_MS}`);
    }
    this.#openConnection = openConnection;
    this.#size = size;
    this.#acquireTimeoutMs = acquireTimeoutMs;
    this.#closeTimeoutMs = wholeMs(closeTimeoutMs);
  }

  /**
   * Uses a borrowed connection and resolves to `use`'s value; the connection comes back on every path.
   * @template T
   * @param {(connection: PooledConnection, options: {signal: AbortSignal}) => Promise<T> | T} use
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
   * @returns {Promise<T>}
   */
  async withConnection(use, {signal} = {}) {
    checkFunction('use', use);
    const lease = await this.acquire({signal});
    try {
      return await use(lease.connection, {signal: lease.signal});
    } finally {
      await lease[Symbol.asyncDispose]();
    }
  }

  /**
   * Borrows a connection: first-in-first-out, within `acquireTimeoutMs` (a `TimeoutError` past it).
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
   * @returns {Promise<Lease>}
   */
  async acquire({signal} = {}) {
    signal?.throwIfAborted();
    const holder = deriveAbortController(signal);
    const attempt = deriveAbortController(holder.controller.signal);
    const deadlineMs = this.acquireDeadlineMs();
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(
            () => attempt.controller.abort(new DOMException('no connection within the acquire timeout', 'TimeoutError')),
            deadlineMs,
          );
    try {
      /** @type {PooledConnection | null} */
      let got;
      if (!this.#closing && this.#waiters.length === 0 && this.#idle.length > 0) {
        got = /** @type {PooledConnection} */ (this.#idle.shift());
      } else if (!this.#closing && this.#waiters.length === 0 && this.canOpen(this.#slotsTaken)) {
        this.#slotsTaken += 1;
        got = null;
      } else {
        got = await this.#wait(attempt.controller.signal);
      }
      this.#holders.add(holder.controller);
      if (got === null) {
        try {
          got = await this.#openConnection({signal: attempt.controller.signal});
        } catch (error) {
          this.#holders.delete(holder.controller);
          holder.dispose();
          this.#freeSlot();
          throw error;
        }
      }
      return this.#lease(got, holder);
    } catch (error) {
      holder.dispose();
      // The deadline cancelled the open, and the caller cancelled too before it stopped: the caller's
      // cancellation wins (R4), as with asyncio.timeout and a linked CancellationToken.
      if (error === attempt.controller.signal.reason && holder.controller.signal.aborted) throw holder.controller.signal.reason;
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      attempt.dispose();
    }
  }

  /**
   * Closes every connection: the idle ones at once, the borrowed ones as they come back, the holders
   * aborted after `closeTimeoutMs`. Resolves once every connection is closed.
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation. Aborted, this call
   *   stops waiting and rejects with its reason, once the idle connections it began to close are
   *   closed (a close is never cut short); the pool stays closing, and the call's deadline aborts no one.
   * @returns {Promise<void>}
   */
  async close({signal} = {}) {
    this.#closing = true;
    const closes = this.#idle.splice(0).map((connection) => this.#discard(connection));
    try {
      if (this.#slotsTaken > 0) await this.#untilEmptied(signal);
    } catch (error) {
      // The caller's cancellation: the closes this call began complete first (R11).
      await Promise.all(closes.map((closing) => closing.catch(() => undefined)));
      throw error;
    }
    await Promise.all(closes);
  }
  // -- the decisions a subclass (an anti-pattern) may change -------------------------------------

  /** @returns {number | undefined} the acquire's time limit in ms; `undefined`: none */
  acquireDeadlineMs() {
    return this.#acquireTimeoutMs;
  }

  /** @returns {number | undefined} how long the close waits for the holders before it aborts them, in ms; `undefined`: for ever */
  closeDeadlineMs() {
    return this.#closeTimeoutMs;
  }

  /**
   * @param {number} slotsTaken the connections open or opening
   * @returns {boolean} whether one more may be opened
   */
  canOpen(slotsTaken) {
    return slotsTaken < this.#size;
  }

  /**
   * @param {PooledConnection} connection
   * @returns {boolean} whether it must be closed rather than lent again
   */
  isBroken(connection) {
    return connection.broken === true;
  }

  /**
   * Takes the waiter served next out of `waiters`: the first (first-in-first-out).
   * @param {Waiter[]} waiters in the order they came
   * @returns {Waiter | undefined}
   */
  nextWaiter(waiters) {
    return waiters.shift();
  }

  // -- the slots --------------------------------------------------------------------------------

  /**
   * Waits until every slot is free; past the close's deadline aborts the holders first. Rejects at
   * once with `signal`'s reason when it aborts: the deadline goes with this call.
   * @param {AbortSignal | undefined} signal
   */
  async #untilEmptied(signal) {
    signal?.throwIfAborted();
    const deadlineMs = this.closeDeadlineMs();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    /** @type {(() => void) | undefined} */
    let onAbort;
    /** @type {Promise<never>} */
    const aborted = new Promise((_resolve, reject) => {
      onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, {once: true});
    });
    try {
      if (deadlineMs === 0) {
        // 0: the holders are aborted in the call itself, before anything else due in this ms (R8):
        // a 0 ms timer would fire after a use's or an open's completion armed earlier for this ms.
        this.#abortHolders();
      } else {
        const deadline = new Promise((resolve) => {
          if (deadlineMs !== undefined) timer = setTimeout(() => resolve('deadline'), deadlineMs);
        });
        if ((await Promise.race([this.#emptied, deadline, aborted])) !== 'deadline') return;
        this.#abortHolders();
      }
      await Promise.race([this.#emptied, aborted]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  #abortHolders() {
    for (const holder of [...this.#holders]) holder.abort();
  }

  /**
   * @param {AbortSignal} signal
   * @returns {Promise<PooledConnection | null>}
   */
  async #wait(signal) {
    /** @type {(() => void) | undefined} */
    let onAbort;
    /** @type {PooledConnection | null} */
    const handed = await new Promise((resolve, reject) => {
      /** @type {Waiter} */
      const waiter = {
        grant: (connection) => {
          signal.removeEventListener('abort', /** @type {() => void} */ (onAbort));
          resolve(connection);
        },
      };
      onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, {once: true});
      this.#waiters.push(waiter);
    });
    if (signal.aborted) {
      // Handed a connection or a slot, but aborted before this resumed: pass it on (R9).
      if (handed === null) this.#freeSlot();
      else if (this.#closing) await this.#discard(handed);
      else this.#giveBack(handed);
      throw signal.reason;
    }
    return handed;
  }

  /**
   * @param {PooledConnection} connection
   * @param {{controller: AbortController, dispose: () => void}} holder
   * @returns {Lease}
   */
  #lease(connection, holder) {
    let given = false;
    return {
      connection,
      signal: holder.controller.signal,
      [Symbol.asyncDispose]: async () => {
        if (given) return;
        given = true;
        this.#holders.delete(holder.controller);
        if (!(this.isBroken(connection) || this.#closing)) {
          holder.dispose();
          this.#giveBack(connection);
          return;
        }
        // The close is never cut short; a cancellation that lands meanwhile comes out once it is
        // done (R11), in place of the call's value or failure.
        const cancelledBefore = holder.controller.signal.aborted;
        try {
          await this.#discard(connection);
        } finally {
          holder.dispose();
        }
        if (!cancelledBefore) holder.controller.signal.throwIfAborted();
      },
    };
  }

  /**
   * Closes `connection`, then frees its slot: never more than `size` open at once (R2, R7).
   * @param {PooledConnection} connection
   */
  async #discard(connection) {
    try {
      await connection[Symbol.asyncDispose]();
    } finally {
      this.#freeSlot();
    }
  }

  /**
   * A healthy connection, to the first waiter or the idle ones (the pool is not closing).
   * @param {PooledConnection} connection
   */
  #giveBack(connection) {
    const next = this.nextWaiter(this.#waiters);
    if (next) next.grant(connection);
    else this.#idle.push(connection);
  }

  #freeSlot() {
    if (this.#waiters.length > 0 && !this.#closing) {
      /** @type {Waiter} */ (this.nextWaiter(this.#waiters)).grant(null); // the slot passes on: the waiter opens
      return;
    }
    this.#slotsTaken -= 1;
    if (this.#closing && this.#slotsTaken === 0) /** @type {() => void} */ (this.#onEmptied)();
  }
}
