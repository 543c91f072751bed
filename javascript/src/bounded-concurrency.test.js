import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {mapBounded} from './bounded-concurrency.js';
import {collectWarnings, listeningOperation} from './common/warnings.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */
/** @param {Instruments} ins */
const op = (ins) => (/** @type {unknown} */ item, /** @type {{signal: AbortSignal}} */ {signal}) => ins.operation(item, signal);

describe('mapBounded', () => {
  it('validates `limit` (p-limit style)', async () => {
    for (const limit of [0, 1.5, -1, Number.NaN, 2 ** 31]) {
      await assert.rejects(mapBounded(async () => 1, [1], limit), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'Expected `limit` to be an integer from 1 to 2147483647, or Infinity',
      });
    }
    assert.deepEqual(await mapBounded(async (x) => x, [1, 2], Infinity), [1, 2]);
    assert.deepEqual(await mapBounded(async (x) => x, [], 2), []);
  });

  it('fills each free slot at once and keeps input order (R1-R3)', async () => {
    const plan = {a: [{after_ms: 30, ok: 'A'}], b: [{after_ms: 10, ok: 'B'}], c: [{after_ms: 10, ok: 'C'}], d: [{after_ms: 20, ok: 'D'}], e: [{after_ms: 10, ok: 'E'}]};
    const run = await play(plan, (ins) => mapBounded(op(ins), ['a', 'b', 'c', 'd', 'e'], 2));
    assert.deepEqual(run.status === 'fulfilled' && run.value, ['A', 'B', 'C', 'D', 'E']);
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0], c: [10], d: [20], e: [30]});
    assert.equal(run.elapsedMs, 40);
  });

  it('fails fast with the first error itself, once the running ones stopped (R4)', async () => {
    /** @type {unknown} */
    let first;
    const plan = {a: [{hang: true, cancel_ms: 4}], b: [{after_ms: 15, fail: /** @type {const} */ ('fatal')}], '*': [{after_ms: 10, ok: 'x'}]};
    const run = await play(plan, (ins) =>
      mapBounded((item, {signal}) => ins.operation(item, signal).catch((e) => Promise.reject((first ??= e))), ['a', 'b', 'c'], 2),
    );
    assert.equal(run.status === 'rejected' && run.reason, first);
    assert.equal(/** @type {{code?: string}} */ (first).code, 'EACCES'); // a fatal failure
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0]});
    assert.deepEqual(times(run.trace, 'cancel'), {a: [19]});
    assert.equal(run.elapsedMs, 19);
  });

  it("on the caller's abort stops the running ones, starts none, rejects with the reason (R5)", async () => {
    const plan = {a: [{hang: true}], b: [{hang: true}], c: [{after_ms: 10, ok: 'C'}]};
    const run = await play(plan, (ins, signal) => mapBounded(op(ins), ['a', 'b', 'c'], 2, {signal}), {cancelAtMs: 10});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0]});
    assert.equal(run.elapsedMs, 10);
  });

  it("propagates a failure unchanged even when it is not an Error: `throw undefined` stays undefined (R4)", async () => {
    for (const thrown of [undefined, null, 'boom', 0]) {
      await assert.rejects(
        mapBounded(async () => Promise.reject(thrown), [1, 2, 3], 2),
        (/** @type {unknown} */ reason) => (assert.equal(reason, thrown), true),
      );
    }
  });

  it('runs 100 at once, each listening on its signal as fetch does, without a MaxListenersExceededWarning', async () => {
    const items = Array.from({length: 300}, (_, index) => index);
    const {value, warnings} = await collectWarnings(() => mapBounded(listeningOperation, items, 100));
    assert.deepEqual([value, warnings], [items, []]);
  });

  it('still cancels every running operation on the first failure, with that failure as the reason (R4)', async () => {
    /** @type {AbortSignal[]} */
    const signals = [];
    const boom = new Error('boom');
    await assert.rejects(
      mapBounded(
        (item, {signal}) => {
          signals.push(signal);
          if (item === 3) return Promise.reject(boom);
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        },
        [1, 2, 3, 4, 5],
        3,
      ),
      (/** @type {unknown} */ reason) => reason === boom,
    );
    // items 1 and 2 were running and are cancelled; item 3 failed; items 4 and 5 never started
    assert.equal(signals.length, 3);
    assert.deepEqual([signals[0].reason, signals[1].reason], [boom, boom]);
  });
});
