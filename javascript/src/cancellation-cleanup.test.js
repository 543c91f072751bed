import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {useResource} from './cancellation-cleanup.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */

/**
 * @param {Instruments} ins
 * @param {AbortSignal} [signal]
 */
const use = (ins, signal) =>
  useResource(() => ins.openResource('conn'), (_conn, {signal: s}) => ins.operation('op', s), {signal});

describe('useResource', () => {
  it('validates its arguments', async () => {
    // @ts-expect-error -- not a function
    await assert.rejects(useResource(null, async () => 1), {name: 'TypeError', message: 'Expected `open` to be a function'});
  });

  it('returns the value once the cleanup has completed (R1, R2, R5)', async () => {
    const run = await play({op: [{after_ms: 20, ok: 'data'}]}, (ins) => use(ins), {params: {close_ms: 5}});
    assert.deepEqual([run.status === 'fulfilled' && run.value, run.elapsedMs], ['data', 25]);
    assert.deepEqual(times(run.trace, 'open'), {conn: [0]});
    assert.deepEqual(times(run.trace, 'close'), {conn: [25]});
  });

  it("closes, then rejects with the operation's error unchanged (R3)", async () => {
    /** @type {unknown} */
    let raised;
    const run = await play(
      {op: [{after_ms: 20, fail: 'fatal'}]},
      (ins) => useResource(() => ins.openResource('conn'), () => ins.operation('op').catch((e) => Promise.reject((raised = e)))),
      {params: {close_ms: 5}},
    );
    assert.equal(run.status === 'rejected' && run.reason, raised);
    assert.equal(run.elapsedMs, 25);
  });

  it('on abort: the operation stops, the cleanup completes, then the abort propagates (R4)', async () => {
    const run = await play({op: [{hang: true, cancel_ms: 3}]}, (ins, signal) => use(ins, signal), {params: {close_ms: 5}, cancelAtMs: 10});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {op: [13]});
    assert.deepEqual(times(run.trace, 'close'), {conn: [18]});
    assert.equal(run.elapsedMs, 18);
    assert.deepEqual(run.leaks, []);
  });
});
