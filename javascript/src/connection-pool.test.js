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
});
