/**
 * generic-pool (`createPool(factory, {max, acquireTimeoutMillis, fifo})`) as the spec's connection-pool.
 *
 * Adapted: `size` -> `max` (and `min: 0`: every connection opened on demand), `acquireTimeoutMs` ->
 * `acquireTimeoutMillis`; the factory's `create` opens a connection, its `destroy` closes it; a use is
 * `acquire()` then `release()` -- or `destroy()` for a broken connection -- in `finally`; the pool's
 * close is `drain()` then `clear()`. generic-pool has no cancellation (no signal for `acquire` or
 * `create`) and no deadline for `drain()`: nothing else is passed, `closeTimeoutMs` is unused.
 * @module
 */

import genericPool from 'generic-pool';

/** @typedef {import('../src/connection-pool.js').PooledConnection} PooledConnection */

/** One generic-pool pool, shared by every invocation (the reference's shape: `ConnectionPool`). */
export class GenericPool {
  /**
   * @param {(options: {signal?: AbortSignal}) => Promise<PooledConnection>} openConnection
   * @param {{size?: number, acquireTimeoutMs?: number, closeTimeoutMs?: number}} [options]
   */
  constructor(openConnection, {size = 10, acquireTimeoutMs = 30000} = {}) {
    this.pool = genericPool.createPool(
      {create: () => openConnection({}), destroy: (connection) => connection[Symbol.asyncDispose]()},
      {max: size, min: 0, acquireTimeoutMillis: acquireTimeoutMs, fifo: true},
    );
  }

  /**
   * @template T
   * @param {(connection: PooledConnection, options: {signal?: AbortSignal}) => Promise<T>} use
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<T>}
   */
  async withConnection(use, {signal} = {}) {
    const connection = await this.pool.acquire();
    try {
      return await use(connection, {signal});
    } finally {
      if (connection.broken) await this.pool.destroy(connection);
      else await this.pool.release(connection);
    }
  }

  async close() {
    await this.pool.drain();
    await this.pool.clear();
  }
}

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'generic-pool',
    pattern: 'connection-pool',
    api: 'createPool(factory, {max, acquireTimeoutMillis, fifo})',
    implementation: /** @type {any} */ (GenericPool),
    why: {
      'size-past-the-largest-refused': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and lends with it',
      'fractional-size-refused': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and lends with it',
      'acquire-timeout-ms-past-the-largest-refused': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and lends with it',
      'negative-close-timeout-ms-refused': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and lends with it',
      'close-timeout-ms-past-the-largest-refused': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and lends with it',
      'acquire-timeout-cancels-open':
        'the factory\'s `create` gets no signal: at the acquire timeout the open goes on hanging, and the slot it holds keeps the close waiting for good',
      'caller-cancel-wins-over-acquire-timeout': 'no cancellation: `acquire()` takes no signal, and the hanging open is never cancelled',
      'cancelled-while-a-broken-connection-closes':
        'no cancellation: the caller\'s abort during the broken connection\'s close is never seen, so the use\'s failure comes out in its place',
      'cancelled-at-the-instant-the-close-ends':
        'no cancellation: the caller\'s abort as the broken connection\'s close ends is never seen, so the use\'s failure comes out in its place',
      'failed-open-passes-the-slot-on':
        'a failed `create` does not fail the acquire: generic-pool opens again at once, for ever (the acquire would fail only at its timeout)',
      'broken-connection-replaced':
        '`destroy()` resolves before the factory\'s `destroy` has closed the connection: the failing caller settles at once, and the next connection opens while the broken one is still closing',
      'cancelled-waiter-leaves-the-queue':
        'no cancellation: a waiter whose caller cancelled still takes the connection when its turn comes (its use is then cancelled at once)',
      'close-waits-for-borrowed': '`release()` does not wait for the close of a connection given back to a draining pool: the caller settles before its connection is closed',
      'close-deadline-cancels-holders': '`drain()` has no deadline: it waits for a hanging holder for ever',
      'two-closes-both-return':
        'both closes return, but each runs `clear()`, which destroys the idle connections it finds: the connection given back is closed twice (two `close` events at 50)',
      'close-cancelled-while-idle-closes': 'no cancellation: `drain()` and `clear()` take no signal, so a close whose caller cancelled returns normally (`null`), not cancelled',
      'close-cancelled-while-borrowed': 'no cancellation: `drain()` and `clear()` take no signal, so a close whose caller cancelled waits for the holder and returns normally (`null`), not cancelled',
      'close-cancelled-then-closed-again': 'no cancellation: `drain()` and `clear()` take no signal, so the first close, whose caller cancelled, returns normally (`null`), not cancelled',
      'close-timeout-zero-at-a-completion-instant': '`drain()` has no deadline: a close deadline of 0 cancels no holder, and the use due at that instant completes',
      'close-timeout-zero-at-an-open-completion-instant': '`drain()` has no deadline: a close deadline of 0 cancels no open, and the connection opened at that instant is lent and used',
      'close-timeout-under-half-a-ms-is-zero': '`drain()` has no deadline: a close deadline of 0.4 ms (0, as the spec rounds) cancels no holder, and the use due at that instant completes',
      'closing-pool-lends-nothing':
        'a draining pool refuses an acquire at once, with a plain `Error` ("pool is draining and cannot accept work"), not after the acquire timeout',
      'size-zero-refused': '`max: 0` is taken without refusing it',
      'acquire-timeout-zero-refused': '`acquireTimeoutMillis: 0` is taken: it means no timeout to generic-pool',
    },
  },
];
