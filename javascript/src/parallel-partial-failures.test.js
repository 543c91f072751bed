import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {runAll} from './parallel-partial-failures.js';
import {collectWarnings, listeningOperation} from './common/warnings.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */
/** @param {Instruments} ins */
const op = (ins) => (/** @type {unknown} */ item, /** @type {{signal: AbortSignal}} */ {signal}) => ins.operation(item, signal);

describe('runAll', () => {
  it('starts all at once and reports successes and failures apart, in the longest time (R1-R4)', async () => {
    const plan = {a: [{after_ms: 30, ok: 'A'}], b: [{after_ms: 10, fail: /** @type {const} */ ('fatal')}], c: [{after_ms: 20, ok: 'C'}]};
    const run = await play(plan, (ins) => runAll(op(ins), ['a', 'b', 'c']));
    assert.equal(run.status, 'fulfilled');
    const value = run.status === 'fulfilled' ? run.value : assert.fail();
    assert.deepEqual(value.succeeded, new Map([['a', 'A'], ['c', 'C']]));
    assert.deepEqual([...value.failed.keys()], ['b']);
    assert.equal(/** @type {{code?: string}} */ (value.failed.get('b')).code, 'EACCES'); // a fatal failure
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0], c: [0]});
    assert.deepEqual(times(run.trace, 'cancel'), {});
    assert.equal(run.elapsedMs, 30);
  });

  it('keeps the items themselves as keys', async () => {
    const run = await play({'*': [{after_ms: 1, ok: 'v'}]}, (ins) => runAll(op(ins), [1, 2]));
    assert.deepEqual(run.status === 'fulfilled' && [...run.value.succeeded.keys()], [1, 2]);
  });

  it('on abort cancels the rest and rejects with no partial result (R5)', async () => {
    const plan = {a: [{after_ms: 10, ok: 'A'}], b: [{hang: true}], c: [{after_ms: 30, ok: 'C'}]};
    const run = await play(plan, (ins, signal) => runAll(op(ins), ['a', 'b', 'c'], {signal}), {cancelAtMs: 20});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {b: [20], c: [20]});
    assert.equal(run.elapsedMs, 20);
  });

  it('runs 30 at once, each listening on its signal as fetch does, without a MaxListenersExceededWarning', async () => {
    const shutdown = new AbortController(); // the caller's signal, shared by every operation
    const items = Array.from({length: 30}, (_, index) => index);
    const {value, warnings} = await collectWarnings(() => runAll(listeningOperation, items, {signal: shutdown.signal}));
    assert.deepEqual([((outcome) => [...outcome.succeeded.values()])(value), warnings], [items, []]);
  });
});
