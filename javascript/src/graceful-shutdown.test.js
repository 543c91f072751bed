import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {loadSpec} from '../scripts/spec.js';
import {JobService, ServiceStoppedError} from './graceful-shutdown.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */

/**
 * A service of `ins`, jobs submitted at their instants, the shutdown at `shutdownAtMs`.
 * @param {Instruments} ins
 * @param {AbortSignal} signal
 * @param {Record<string, number>} jobs
 * @param {number} shutdownAtMs
 * @param {{drainMs?: number}} [options]
 */
async function serve(ins, signal, jobs, shutdownAtMs, options) {
  const service = new JobService((key, {signal: own}) => ins.operation(key, own), () => ins.openResource('service'), options);
  /** @type {string[]} */
  const rejected = [];
  setTimeout(() => service.shutdown(), shutdownAtMs);
  for (const [key, at] of Object.entries(jobs)) {
    setTimeout(() => {
      try {
        service.submit(key);
      } catch (error) {
        assert.ok(error instanceof ServiceStoppedError);
        assert.equal(error.code, 'ERR_SERVICE_STOPPED');
        rejected.push(key);
      }
    }, at);
  }
  return {...(await service.run({signal})), rejected};
}

describe('JobService', () => {
  it('drains the jobs in flight, refuses later ones, cancels the rest at the deadline and closes after them (R1-R6)', async () => {
    const plan = {
      a: [{after_ms: 20, ok: 'A'}],
      b: [{after_ms: 30, fail: /** @type {const} */ ('fatal')}],
      c: [{hang: true, cancel_ms: 3}],
      d: [{after_ms: 5, ok: 'D'}],
    };
    const run = await play(plan, (ins, signal) => serve(ins, signal, {a: 0, b: 0, c: 10, d: 25}, 20, {drainMs: 30}), {params: {close_ms: 5}});
    assert.deepEqual(run.status === 'fulfilled' && run.value, {completed: ['a'], failed: ['b'], cancelled: ['c'], rejected: ['d']});
    assert.deepEqual(times(run.trace, 'cancel'), {c: [53]});
    assert.deepEqual(times(run.trace, 'close'), {service: [58]});
  });

  it("cancels every job at once on the caller's abort, closes, then rejects with its reason (R7)", async () => {
    const run = await play({'*': [{hang: true}]}, (ins, signal) => serve(ins, signal, {a: 0, b: 5}, 50), {cancelAtMs: 15});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {a: [15], b: [15]});
    assert.deepEqual(times(run.trace, 'close'), {service: [15]});
  });

  it('refuses a job before run(), not as a shutdown refusal, and a drain outside its domain up front', () => {
    const service = new JobService(async () => {}, async () => ({async [Symbol.asyncDispose]() {}}));
    assert.throws(() => service.submit('a'), (error) => !(error instanceof ServiceStoppedError));
    for (const drainMs of [-1, 2 ** 31, Number.NaN]) {
      assert.throws(() => new JobService(async () => {}, async () => ({async [Symbol.asyncDispose]() {}}), {drainMs}), {
        code: 'ERR_INVALID_ARG_VALUE',
      });
    }
  });

  it('drainMs defaults to the spec drain_ms', async () => {
    const {drain_ms: drainMs} = /** @type {Record<string, any>} */ (loadSpec().find((p) => p.id === 'graceful-shutdown')?.params);
    const run = await play({'*': [{hang: true}]}, (ins, signal) => serve(ins, signal, {a: 0}, 10));
    assert.deepEqual(times(run.trace, 'cancel'), {a: [10 + drainMs]});
  });
});
