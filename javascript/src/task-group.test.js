import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {runGroup} from './task-group.js';
import {collectWarnings, listeningOperation} from './common/warnings.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */
/** @param {Instruments} ins */
const op = (ins) => (/** @type {unknown} */ item, /** @type {{signal: AbortSignal}} */ {signal}) => ins.operation(item, signal);

describe('runGroup', () => {
  it('runs every child at once; values in input order when the last one ends (R1, R2)', async () => {
    const plan = {a: [{after_ms: 30, ok: 'A'}], b: [{after_ms: 10, ok: 'B'}], c: [{after_ms: 20, ok: 'C'}]};
    const run = await play(plan, (ins) => runGroup(op(ins), ['a', 'b', 'c']));
    assert.deepEqual(run.status === 'fulfilled' && run.value, ['A', 'B', 'C']);
    assert.equal(run.elapsedMs, 30);
  });

  it('cancels the siblings, waits for them, and groups the failures only (R3-R5)', async () => {
    /** @type {unknown} */
    let failure;
    const plan = {a: [{hang: true, cancel_ms: 7}], b: [{after_ms: 10, fail: /** @type {const} */ ('transient')}], c: [{hang: true}]};
    const run = await play(plan, (ins) =>
      runGroup((item, {signal}) => ins.operation(item, signal).catch((e) => Promise.reject(item === 'b' ? (failure = e) : e)), ['a', 'b', 'c']),
    );
    assert.equal(run.status, 'rejected');
    const reason = run.status === 'rejected' ? run.reason : assert.fail();
    assert.ok(reason instanceof AggregateError);
    assert.deepEqual(reason.errors, [failure]);
    assert.deepEqual(times(run.trace, 'cancel'), {a: [17], c: [10]});
    assert.equal(run.elapsedMs, 17);
  });

  it("turns the caller's abort into cancellation, not a group (R6)", async () => {
    const run = await play({'*': [{hang: true}]}, (ins, signal) => runGroup(op(ins), ['a', 'b', 'c'], {signal}), {cancelAtMs: 15});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {a: [15], b: [15], c: [15]});
  });

  it('runs 30 at once, each listening on its signal as fetch does, without a MaxListenersExceededWarning', async () => {
    const items = Array.from({length: 30}, (_, index) => index);
    const {value, warnings} = await collectWarnings(() => runGroup(listeningOperation, items));
    assert.deepEqual([((outcome) => outcome)(value), warnings], [items, []]);
  });
});
