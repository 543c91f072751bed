import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {consumeStream} from './async-stream.js';
import {manualNextNoReturn} from './antipatterns/async-stream.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */

/**
 * The runner's kind of source: opens `source` on the first pull, `length` items from `item` calls,
 * closes `source` (close_ms) in its `finally`.
 * @param {Instruments} ins
 * @param {number} [length]
 */
const sourceOf = (ins, length = 5) =>
  async function* (/** @type {{signal?: AbortSignal}} */ {signal} = {}) {
    const resource = await ins.openResource('source');
    try {
      for (let i = 0; i < length; i++) yield await ins.operation('item', signal);
    } finally {
      await resource[Symbol.asyncDispose]();
    }
  };

/** @param {Instruments} ins */
const useOf = (ins) => (/** @type {unknown} */ _item, /** @type {{signal?: AbortSignal}} */ {signal} = {}) => ins.operation('use', signal);

const params = {close_ms: 5};
const plan = {item: [{after_ms: 10, ok: 'a'}, {after_ms: 10, ok: 'b'}, {after_ms: 10, ok: 'c'}], use: [{after_ms: 5, ok: null}]};

describe('consumeStream', () => {
  it('pulls lazily, then a break awaits the source cleanup before resolving (R1-R3)', async () => {
    const run = await play(plan, (ins) => consumeStream(sourceOf(ins), 2, useOf(ins)), {params});
    assert.deepEqual(run.status === 'fulfilled' && run.value, ['a', 'b']);
    assert.deepEqual(times(run.trace, 'call'), {item: [0, 15], use: [10, 25]});
    assert.deepEqual(times(run.trace, 'close'), {source: [35]});
    assert.equal(run.elapsedMs, 35);
  });

  it('a manual next() loop without return() resolves with the source still open', async () => {
    const run = await play(plan, (ins) => manualNextNoReturn(sourceOf(ins), 2, useOf(ins)), {params});
    assert.deepEqual([run.elapsedMs, times(run.trace, 'close')], [30, {}]);
  });

  it('take 0 never calls the source; a bad take is refused with a validator code (R8)', async () => {
    let called = 0;
    const source = () => {
      called++;
      return sourceOf(/** @type {any} */ (undefined))();
    };
    assert.deepEqual(await consumeStream(source, 0, async () => {}), []);
    for (const take of [-1, 1.5, 2 ** 31, Number.NaN, '2']) {
      await assert.rejects(consumeStream(source, /** @type {any} */ (take), async () => {}), {code: 'ERR_INVALID_ARG_VALUE'});
    }
    assert.equal(called, 0);
  });

  it("the caller's abort reaches the pending pull, then the source closes (R6)", async () => {
    const run = await play(
      {item: [{after_ms: 10, ok: 'a'}, {after_ms: 30, ok: 'b'}], use: [{after_ms: 5, ok: null}]},
      (ins, signal) => consumeStream(sourceOf(ins), 5, useOf(ins), {signal}),
      {params, cancelAtMs: 30},
    );
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {item: [30]});
    assert.deepEqual(times(run.trace, 'close'), {source: [35]});
    assert.equal(run.elapsedMs, 35);
  });

  it('a consumer failure closes the source, then rejects with that very error (R4)', async () => {
    /** @type {unknown} */
    let failure;
    const run = await play(
      {...plan, use: [{after_ms: 5, fail: /** @type {const} */ ('fatal')}]},
      (ins) =>
        consumeStream(sourceOf(ins), 5, (item, options) =>
          useOf(ins)(item, options).catch((error) => Promise.reject((failure = error))),
        ),
      {params},
    );
    assert.equal(run.status === 'rejected' && run.reason, failure);
    assert.deepEqual([times(run.trace, 'call').item, times(run.trace, 'close')], [[0], {source: [20]}]);
  });
});

describe('consumeStream and a cancellation during the cleanup', () => {
  it('rejects with the abort once the cleanup after the limit is done, not with the list (R6)', async () => {
    const run = await play(plan, (ins, signal) => consumeStream(sourceOf(ins), 1, useOf(ins), {signal}), {params, cancelAtMs: 17});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual([times(run.trace, 'close'), run.elapsedMs], [{source: [20]}, 20]);
  });
});
