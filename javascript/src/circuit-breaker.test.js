import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {loadSpec} from '../scripts/spec.js';
import {BrokenCircuitError, CircuitBreakerPolicy} from './circuit-breaker.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */

/**
 * Calls `policy.execute` at each of `at` (ms), each settling into its slot of the result.
 * @param {Instruments} ins
 * @param {CircuitBreakerPolicy} policy
 * @param {number[]} at
 * @param {Record<number, number>} [cancelAt] index -> when that caller aborts
 */
function callAt(ins, policy, at, cancelAt = {}) {
  return Promise.all(
    at.map(
      (ms, index) =>
        new Promise((resolve) => {
          const caller = new AbortController();
          if (cancelAt[index] !== undefined) setTimeout(() => caller.abort(), cancelAt[index]);
          setTimeout(() => {
            policy.execute(({signal}) => ins.operation('op', signal), {signal: caller.signal}).then(
              (value) => resolve({ok: value}),
              (error) => resolve({fail: error.name, at: performance.now()}),
            );
          }, ms);
        }),
    ),
  );
}

describe('CircuitBreakerPolicy', () => {
  it('opens after the threshold and refuses at once without calling (R2, R3)', async () => {
    const plan = {op: [{after_ms: 10, fail: /** @type {const} */ ('transient')}]};
    const run = await play(plan, (ins) => callAt(ins, new CircuitBreakerPolicy({failureThreshold: 2, breakMs: 100}), [0, 20, 40]));
    assert.deepEqual(run.status === 'fulfilled' && run.value, [
      {fail: 'Error', at: 10},
      {fail: 'Error', at: 30},
      {fail: 'BrokenCircuitError', at: 40},
    ]);
    assert.deepEqual(times(run.trace, 'call'), {op: [0, 20]});
  });

  it('lets one trial through from the very instant the break ends; its success closes (R4, R5)', async () => {
    const plan = {op: [{after_ms: 10, fail: /** @type {const} */ ('transient')}, {after_ms: 5, ok: 'T'}, {after_ms: 5, ok: 'C'}]};
    const run = await play(plan, (ins) => callAt(ins, new CircuitBreakerPolicy({failureThreshold: 1, breakMs: 30}), [0, 39, 40, 42, 50]));
    assert.deepEqual(run.status === 'fulfilled' && run.value, [
      {fail: 'Error', at: 10},
      {fail: 'BrokenCircuitError', at: 39},
      {ok: 'T'},
      {fail: 'BrokenCircuitError', at: 42},
      {ok: 'C'},
    ]);
  });

  it("never counts the caller's abort; a trial it aborted makes the next call the trial (R6, R7)", async () => {
    const plan = {op: [{after_ms: 10, fail: /** @type {const} */ ('transient')}, {hang: /** @type {const} */ (true)}, {after_ms: 10, ok: 'T'}]};
    const run = await play(plan, (ins) => callAt(ins, new CircuitBreakerPolicy({failureThreshold: 1, breakMs: 50}), [0, 60, 80], {1: 70}));
    assert.deepEqual(run.status === 'fulfilled' && run.value, [{fail: 'Error', at: 10}, {fail: 'AbortError', at: 70}, {ok: 'T'}]);
  });

  it('refuses its options up front with the codes of Node validators (R9)', () => {
    for (const options of [{failureThreshold: 0}, {failureThreshold: 1.5}, {breakMs: -1}, {breakMs: 2 ** 31}]) {
      assert.throws(() => new CircuitBreakerPolicy(options), {code: 'ERR_INVALID_ARG_VALUE'}, JSON.stringify(options));
    }
  });

  it('takes the spec defaults', async () => {
    const {failure_threshold: threshold, break_ms: breakMs} = /** @type {Record<string, any>} */ (loadSpec().find((p) => p.id === 'circuit-breaker')?.params);
    const at = [...Array.from({length: threshold + 1}, (_, i) => 20 * i), 20 * threshold + breakMs];
    const plan = {op: [{after_ms: 10, fail: /** @type {const} */ ('transient')}]};
    const run = await play(plan, (ins) => callAt(ins, new CircuitBreakerPolicy(), at));
    const value = /** @type {{fail: string}[]} */ (run.status === 'fulfilled' ? run.value : []);
    assert.deepEqual(value.map((v) => v.fail), [...Array(threshold).fill('Error'), 'BrokenCircuitError', 'Error']);
  });

  it('refuses with a BrokenCircuitError, an Error named as cockatiel names it', () => {
    const error = new BrokenCircuitError();
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'BrokenCircuitError');
  });
});
