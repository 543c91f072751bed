import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {GuardedCounter, Mutex} from './async-lock.js';

/** A promise and the function that resolves it. */
function gate() {
  /** @type {(value?: unknown) => void} */
  let open = () => {};
  const promise = new Promise((resolve) => {
    open = resolve;
  });
  return {promise, open};
}

describe('Mutex', () => {
  it('hands the lock to waiters first-in-first-out (R3)', async () => {
    const mutex = new Mutex();
    /** @type {string[]} */
    const entered = [];
    const first = gate();
    const runs = ['a', 'b', 'c', 'd'].map((name, index) =>
      mutex.runExclusive(async () => {
        entered.push(name);
        if (index === 0) await first.promise;
      }),
    );
    first.open();
    await Promise.all(runs);
    assert.deepEqual(entered, ['a', 'b', 'c', 'd']);
    assert.equal(mutex.isLocked(), false);
  });

  it('drops a waiter whose signal aborts while it waits; the next one still enters (R7)', async () => {
    const mutex = new Mutex();
    await mutex.acquire();
    const caller = new AbortController();
    const cancelled = mutex.acquire({signal: caller.signal});
    const next = mutex.acquire();
    caller.abort();
    await assert.rejects(cancelled, {name: 'AbortError'});
    mutex.release();
    await next;
    assert.equal(mutex.isLocked(), true);
    mutex.release();
    assert.equal(mutex.isLocked(), false);
  });

  it('gives the lock on when the waiter it was handed to aborts before resuming (R7, as asyncio.Lock)', async () => {
    const mutex = new Mutex();
    await mutex.acquire();
    const caller = new AbortController();
    const handedOver = mutex.acquire({signal: caller.signal});
    let nextEntered = false;
    const next = mutex.acquire().then(() => {
      nextEntered = true;
    });
    mutex.release(); // hands it to `handedOver`, which resumes only in a later microtask
    caller.abort(); // ... after its caller gave up
    await assert.rejects(handedOver, {name: 'AbortError'});
    await next;
    assert.equal(nextEntered, true);
    mutex.release();
    assert.equal(mutex.isLocked(), false);
  });

  it('releases on failure: the error propagates unchanged and the counter is not written (R5)', async () => {
    const counter = new GuardedCounter();
    const boom = new Error('boom');
    await assert.rejects(
      counter.increment(() => Promise.reject(boom)),
      (error) => error === boom,
    );
    assert.equal(counter.value, 0);
    assert.equal(await counter.increment(() => undefined), 1);
    assert.equal(counter.mutex.isLocked(), false);
  });

  it('loses no update across an await (R1)', async () => {
    const counter = new GuardedCounter();
    const values = await Promise.all(Array.from({length: 5}, () => counter.increment(() => new Promise((resolve) => setImmediate(resolve)))));
    assert.deepEqual(values, [1, 2, 3, 4, 5]);
  });
});
