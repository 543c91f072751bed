import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ConnectionPool} from './connection-pool.js';

/** Connections that close at once and say so. */
function connections() {
  /** @type {number[]} */
  const closed = [];
  let count = 0;
  const open = async () => {
    const n = ++count;
    return {
      n,
      broken: false,
      async [Symbol.asyncDispose]() {
        closed.push(n);
      },
    };
  };
  return {open, closed};
}

describe('ConnectionPool', () => {
  it('refuses options outside their domain up front (R10)', () => {
    const {open} = connections();
    for (const options of [{size: 0}, {size: 1.5}, {acquireTimeoutMs: 0}, {acquireTimeoutMs: 0.5}, {closeTimeoutMs: -1}]) {
      assert.throws(() => new ConnectionPool(open, options), {code: 'ERR_INVALID_ARG_VALUE'}, JSON.stringify(options));
    }
  });

  it('lends one connection again instead of opening another (R1)', async () => {
    const {open, closed} = connections();
    const pool = new ConnectionPool(open, {size: 2});
    const first = await pool.withConnection(async (/** @type {any} */ c) => c.n);
    const second = await pool.withConnection(async (/** @type {any} */ c) => c.n);
    assert.deepEqual([first, second], [1, 1]);
    await pool.close();
    assert.deepEqual(closed, [1]);
  });

  it('gives the connection on when the waiter it was handed to aborts before resuming (R9)', async () => {
    const {open, closed} = connections();
    const pool = new ConnectionPool(open, {size: 1});
    const lease = await pool.acquire(); // the holder is the test itself
    const caller = new AbortController();
    /** @type {string[]} */
    const used = [];
    const handedOver = pool.withConnection(async () => used.push('b'), {signal: caller.signal});
    const next = pool.withConnection(async (/** @type {any} */ c) => used.push(`c on #${c.n}`));
    const givenBack = lease[Symbol.asyncDispose](); // hands it to `handedOver`, which resumes only in a later microtask
    caller.abort(); // ... after its caller gave up
    await givenBack;
    await assert.rejects(handedOver, {name: 'AbortError'});
    await next;
    assert.deepEqual(used, ['c on #1']);
    await pool.close();
    assert.deepEqual(closed, [1]);
  });

  it('closes a broken connection and never lends it again (R7)', async () => {
    const {open, closed} = connections();
    const pool = new ConnectionPool(open, {size: 1});
    const failure = Object.assign(new Error('lost'), {code: 'EACCES'});
    await assert.rejects(
      pool.withConnection(async (/** @type {any} */ c) => {
        c.broken = true;
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.deepEqual(closed, [1]);
    assert.equal(await pool.withConnection(async (/** @type {any} */ c) => c.n), 2);
    await pool.close();
  });

  it('resolves every close, however many, once every connection is closed (R8)', async () => {
    const {open, closed} = connections();
    const pool = new ConnectionPool(open, {size: 1});
    const lease = await pool.acquire(); // the holder is the test itself
    /** @type {string[]} */
    const ended = [];
    const first = pool.close().then(() => ended.push(`first after ${closed}`));
    const second = pool.close().then(() => ended.push(`second after ${closed}`));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(ended, []);
    await lease[Symbol.asyncDispose]();
    await Promise.all([first, second]);
    assert.deepEqual(ended, ['first after 1', 'second after 1']);
  });

  it('rejects an aborted close once the idle closes it began completed; the pool stays closing (R8, R11)', async () => {
    /** @type {string[]} */
    const log = [];
    /** @type {() => void} */
    let mayClose = () => {};
    const open = async () => ({
      broken: false,
      async [Symbol.asyncDispose]() {
        log.push('closing');
        await new Promise((resolve) => {
          mayClose = () => resolve(undefined);
        });
        log.push('closed');
      },
    });
    const pool = new ConnectionPool(open, {size: 1, acquireTimeoutMs: 10});
    await pool.withConnection(async () => undefined);
    const caller = new AbortController();
    const closing = pool.close({signal: caller.signal}).then(
      () => log.push('resolved'),
      (/** @type {unknown} */ error) => log.push(error === caller.signal.reason ? 'rejected with the reason' : `rejected: ${error}`),
    );
    caller.abort();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['closing']);
    mayClose();
    await closing;
    assert.deepEqual(log, ['closing', 'closed', 'rejected with the reason']);
    await assert.rejects(pool.withConnection(async () => undefined), {name: 'TimeoutError'});
  });

  it('stops waiting when the close is aborted, and its deadline aborts no holder after (R8)', async () => {
    const {open, closed} = connections();
    const pool = new ConnectionPool(open, {size: 1, closeTimeoutMs: 1});
    const lease = await pool.acquire();
    const caller = new AbortController();
    const closing = pool.close({signal: caller.signal});
    caller.abort();
    await assert.rejects(closing, {name: 'AbortError'});
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(lease.signal.aborted, false);
    await lease[Symbol.asyncDispose]();
    assert.deepEqual(closed, [1]);
  });

  for (const closeTimeoutMs of [0, 0.4]) {
    it(`aborts the holders in the close call itself when closeTimeoutMs is ${closeTimeoutMs} (R8)`, async () => {
      const {open, closed} = connections();
      const pool = new ConnectionPool(open, {size: 1, closeTimeoutMs});
      const lease = await pool.acquire(); // a borrowing holder: the test itself
      const closing = pool.close();
      assert.equal(lease.signal.aborted, true, 'a borrowing holder, before the call returned');
      await lease[Symbol.asyncDispose]();
      await closing;
      assert.deepEqual(closed, [1]);

      /** @type {AbortSignal | undefined} */
      let opening;
      const hanging = new ConnectionPool(
        ({signal}) => {
          opening = signal;
          return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        },
        {size: 1, closeTimeoutMs},
      );
      const stuck = hanging.acquire();
      await new Promise((resolve) => setImmediate(resolve));
      const closingToo = hanging.close();
      assert.equal(opening?.aborted, true, 'an opening holder, before the call returned');
      await assert.rejects(stuck, {name: 'AbortError'});
      await closingToo;
    });
  }
});
