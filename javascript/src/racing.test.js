import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {race} from './racing.js';
import {collectWarnings, listeningOperation} from './common/warnings.js';
import {loadSpec} from '../scripts/spec.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */
/** @param {Instruments} ins */
const op = (ins) => (/** @type {unknown} */ item, /** @type {{signal: AbortSignal}} */ {signal}) => ins.operation(item, signal);

describe('race', () => {
  it('starts every alternative at once; the first success wins once the losers have stopped (R1-R3)', async () => {
    const plan = {a: [{hang: true, cancel_ms: 7}], b: [{after_ms: 10, ok: 'B'}], c: [{after_ms: 20, ok: 'C'}]};
    const run = await play(plan, (ins) => race(op(ins), ['a', 'b', 'c']));
    assert.equal(run.status === 'fulfilled' && run.value, 'B');
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0], c: [0]});
    assert.deepEqual(times(run.trace, 'cancel'), {a: [17], c: [10]});
    assert.equal(run.elapsedMs, 17);
  });

  it('hedges: the next one after hedgeMs, or at once when every started one failed (R4)', async () => {
    const plan = {a: [{after_ms: 5, fail: /** @type {const} */ ('transient')}], b: [{after_ms: 50, ok: 'B'}], c: [{after_ms: 10, ok: 'C'}]};
    const run = await play(plan, (ins) => race(op(ins), ['a', 'b', 'c'], {hedgeMs: 20}));
    assert.equal(run.status === 'fulfilled' && run.value, 'C');
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [5], c: [25]});
    assert.equal(run.elapsedMs, 35);
  });

  it('rejects with every failure, the very errors, in input order (R5)', async () => {
    /** @type {Record<string, unknown>} */
    const seen = {};
    const plan = {a: [{after_ms: 30, fail: /** @type {const} */ ('fatal')}], b: [{after_ms: 10, fail: /** @type {const} */ ('transient')}]};
    const run = await play(plan, (ins) =>
      race((item, {signal}) => ins.operation(item, signal).catch((e) => Promise.reject((seen[String(item)] = e))), ['a', 'b']),
    );
    const reason = run.status === 'rejected' ? run.reason : assert.fail();
    assert.ok(reason instanceof AggregateError);
    assert.deepEqual(reason.errors, [seen.a, seen.b]);
  });

  it("turns the caller's abort into its reason and starts nothing more (R8)", async () => {
    const run = await play({'*': [{hang: true}]}, (ins, signal) => race(op(ins), ['a', 'b'], {hedgeMs: 50, signal}), {cancelAtMs: 15});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'call'), {a: [0]});
    assert.equal(run.elapsedMs, 15);
  });

  it('refuses no alternatives and a hedge between 0 and 1 ms before any call (R9)', async () => {
    let calls = 0;
    const operation = async () => calls++;
    await assert.rejects(race(operation, []), {code: 'ERR_INVALID_ARG_VALUE', message: 'Expected `items` to hold at least one alternative'});
    for (const hedgeMs of [0.4, -1, 2 ** 31, Number.NaN]) {
      await assert.rejects(race(operation, ['a'], {hedgeMs}), {code: 'ERR_INVALID_ARG_VALUE', message: /`hedgeMs` to be 0 or a number from 1/});
    }
    assert.equal(calls, 0);
  });

  it('hedgeMs defaults to the spec hedge_ms: every alternative at once', async () => {
    const spec = /** @type {Record<string, any>} */ (loadSpec().find((p) => p.id === 'racing')?.params);
    assert.equal(spec.hedge_ms, 0);
    const run = await play({'*': [{after_ms: 10, ok: 'v'}]}, (ins) => race(op(ins), ['a', 'b', 'c']));
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0], c: [0]});
  });

  it('races 30 at once, each listening on its signal as fetch does, without a MaxListenersExceededWarning', async () => {
    const items = Array.from({length: 30}, (_, index) => index);
    const {value, warnings} = await collectWarnings(() => race(listeningOperation, items));
    assert.deepEqual([value, warnings], [0, []]);
  });
});
