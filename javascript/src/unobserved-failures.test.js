import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {BackgroundTasks, runInBackground} from './unobserved-failures.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */
/** @param {Instruments} ins */
const op = (ins) => (/** @type {unknown} */ item, /** @type {{signal: AbortSignal}} */ {signal}) => ins.operation(item, signal);

/** A shutdown signal that aborts after `ms` on the (virtual) clock. */
const shutdownAfter = (/** @type {number} */ ms) => {
  const owner = new AbortController();
  setTimeout(() => owner.abort(), ms);
  return owner.signal;
};

describe('runInBackground', () => {
  it('reports every failure once, the very error, and nothing else (R1, R2)', async () => {
    /** @type {unknown[]} */
    const reported = [];
    /** @type {unknown[]} */
    const raised = [];
    const plan = {a: [{after_ms: 10, ok: 'A'}], b: [{after_ms: 20, fail: /** @type {const} */ ('fatal')}]};
    const run = await play(plan, (ins) =>
      runInBackground(
        (item, {signal}) => ins.operation(item, signal).catch((e) => Promise.reject(raised[raised.push(e) - 1])),
        ['a', 'b'],
        (error) => reported.push(error),
        {shutdown: shutdownAfter(100)},
      ),
    );
    assert.equal(run.status, 'fulfilled');
    assert.deepEqual(reported, raised);
    assert.equal(reported.length, 1);
    assert.deepEqual(times(run.trace, 'call'), {a: [0], b: [0]});
    assert.equal(run.elapsedMs, 100);
  });

  it('cancels what still runs at shutdown and waits for it to stop, reporting nothing (R4, R5)', async () => {
    /** @type {unknown[]} */
    const reported = [];
    const plan = {a: [{hang: /** @type {const} */ (true), cancel_ms: 7}], b: [{hang: /** @type {const} */ (true)}]};
    const run = await play(plan, (ins) => runInBackground(op(ins), ['a', 'b'], (e) => reported.push(e), {shutdown: shutdownAfter(100)}));
    assert.equal(run.status, 'fulfilled');
    assert.deepEqual(reported, []);
    assert.deepEqual(times(run.trace, 'cancel'), {a: [107], b: [100]});
    assert.equal(run.elapsedMs, 107);
    assert.deepEqual(run.leaks, []);
  });

  it("reports an operation's own AbortError as a failure (R5)", async () => {
    /** @type {unknown[]} */
    const reported = [];
    const plan = {a: [{after_ms: 10, fail: /** @type {const} */ ('cancelled')}]};
    await play(plan, (ins) => runInBackground(op(ins), ['a'], (e) => reported.push(e), {shutdown: shutdownAfter(50)}));
    assert.equal(reported.length, 1);
    assert.equal(/** @type {Error} */ (reported[0]).name, 'AbortError');
  });

  it('keeps what a failing handler throws and rejects with it, grouped, at shutdown (R7)', async () => {
    const plan = {a: [{after_ms: 10, fail: /** @type {const} */ ('fatal')}], b: [{hang: /** @type {const} */ (true), cancel_ms: 5}]};
    const run = await play(plan, (ins) =>
      runInBackground(
        op(ins),
        ['a', 'b'],
        (error) => {
          throw error;
        },
        {shutdown: shutdownAfter(100)},
      ),
    );
    assert.equal(run.status, 'rejected');
    const reason = run.status === 'rejected' ? run.reason : assert.fail();
    assert.ok(reason instanceof AggregateError);
    assert.equal(reason.errors.length, 1);
    assert.equal(run.elapsedMs, 105);
  });

  it("shuts down on the caller's abort, then rejects with its reason (R9)", async () => {
    const run = await play(
      {'*': [{hang: true}]},
      (ins, signal) => runInBackground(op(ins), ['a', 'b'], () => {}, {shutdown: shutdownAfter(100), signal}),
      {cancelAtMs: 15},
    );
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {a: [15], b: [15]});
  });

  it('refuses a missing shutdown signal and a handler that is no function', async () => {
    await assert.rejects(runInBackground(async () => {}, [], () => {}, /** @type {any} */ ({})), {code: 'ERR_INVALID_ARG_TYPE'});
    assert.throws(() => new BackgroundTasks(/** @type {any} */ (null)), {code: 'ERR_INVALID_ARG_TYPE'});
  });
});
