import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {LoopWatch, RunQueueReading, cappedTimeout, excuse, runQueueDelayMs} from './loop-watch.js';
import {DEFAULTS, handle} from './protocol.js';

const BLOCKING_RETRY = {
  id: 1,
  pattern: 'retry-backoff',
  impl: 'blocking-sleep',
  params: {max_attempts: 5, base_delay_ms: 100, factor: 3, max_delay_ms: 250, jitter: 'none'},
  plan: {op: [{after_ms: 10, fail: 'transient'}]},
};

/** @param {number} ms Blocks the thread, as a blocking sleep does. */
const block = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * A `timeout` implementation of a test's own: `impl(fn, timeoutMs, {signal})`.
 * @param {(fn: () => Promise<unknown>) => Promise<unknown>} body
 */
const timeoutRegistry = (body) => ({timeout: {custom: (/** @type {() => Promise<unknown>} */ fn) => body(fn)}});

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {unknown} trace */
const calls = (trace) => /** @type {{ev: string, n: number}[]} */ (trace).filter((e) => e.ev === 'call').map((e) => e.n);

describe('the loop-lag watch', () => {
  it('measures the stretch since the loop last came back', () => {
    // No run-queue correction here (the next test has it): on a busy machine a stale reading may
    // take up to RUN_DELAY_REFRESH_MS off the stretch (CI read 29 ms for this 30 ms block).
    const watch = new LoopWatch(20, {reading: new RunQueueReading(() => 0)});
    assert.equal(watch.cameBack(), false);
    block(30);
    assert.equal(watch.cameBack(), true);
    assert.equal(watch.cameBack(), false);
    assert.ok(watch.blocked);
    assert.ok(watch.blockedMs >= 30 && watch.blockedMs < 5000, `${watch.blockedMs}`);
  });

  it('does not count the time the thread waited for a CPU', () => {
    let now = 1000;
    let waited = 0;
    const reading = new RunQueueReading(() => waited, now);
    const watch = new LoopWatch(50, {now: () => now, reading});
    now += 100; // a busy machine: 90 of the 100 ms runnable, waiting for a CPU
    waited += 90;
    assert.equal(watch.cameBack(), false);
    assert.equal(watch.blockedMs, 10);
    now += 100; // a blocking sleep: the thread was not runnable
    assert.equal(watch.cameBack(), true);
    assert.equal(watch.blockedMs, 100);
  });

  it('does not take the CPU waits from before the run off its first stretch', () => {
    // The reading is shared by a process's runs: one left from the last run, before a second of
    // waiting for CPUs between runs (a loaded CI), took a whole 70 ms block off the new run's first
    // stretch -- a blocking implementation read 0 and passed.
    let now = 1000;
    let waited = 0;
    const reading = new RunQueueReading(() => waited, now);
    now += 1000; // between runs: 500 of it runnable, waiting for a CPU
    waited += 500;
    const watch = new LoopWatch(50, {now: () => now, reading});
    now += 70; // the run's first callback blocks; 5 ms of it waiting for a CPU once it woke
    waited += 5;
    assert.equal(watch.cameBack(), true);
    assert.equal(watch.blockedMs, 65);
  });

  it('does not count the runtime\'s own time the runner excuses (a worker starting)', () => {
    let now = 1000;
    const watch = new LoopWatch(50, {now: () => now, reading: new RunQueueReading(() => 0, now)});
    now += 100; // `new Worker()` held the loop thread 90 of these 100 ms
    excuse(90);
    assert.equal(watch.cameBack(), false);
    assert.equal(watch.blockedMs, 10);
    now += 100; // the pattern's own block
    assert.equal(watch.cameBack(), true);
    assert.equal(watch.blockedMs, 100);
  });

  it('caps a blocking wait\'s timeout, a wait for ever (left out, NaN, Infinity) included', () => {
    assert.deepEqual([undefined, Number.NaN, Infinity, 1e9, '500', 5, 0].map((timeout) => cappedTimeout(timeout, 70)), [70, 70, 70, 70, 70, 5, 0]);
  });

  it('reads the run-queue delay of this thread where the kernel gives it', {skip: process.platform !== 'linux'}, () => {
    const delay = runQueueDelayMs();
    assert.ok(Number.isFinite(delay) && delay >= 0, `${delay}`);
  });

  for (const clock of ['virtual', 'real']) {
    it(`does not wait out a blocking sleep past the limit, judged blocked (${clock} clock)`, async () => {
      const wait = Atomics.wait;
      const long = {base_delay_ms: 20_000, max_delay_ms: 20_000, factor: 1};
      const started = performance.now();
      const answer = await handle({...BLOCKING_RETRY, clock, params: {...BLOCKING_RETRY.params, ...long}});
      const took = performance.now() - started;
      assert.match(/** @type {{reason: string}} */ (answer.outcome).reason, /^blocked the event loop for /);
      assert.ok(took < 15_000, `the run waited out its 20 s blocking sleep (${took} ms)`); // generous: about 0.1 s here
      assert.equal(Atomics.wait, wait, 'Atomics.wait put back after the run');
    });

    it(`stops a blocking sleep at the first block (${clock} clock)`, async () => {
      const answer = await handle({...BLOCKING_RETRY, clock});
      const outcome = /** @type {{unfinished: boolean, reason: string}} */ (answer.outcome);
      assert.equal(outcome.unfinished, true);
      assert.match(outcome.reason, /^blocked the event loop for \d+ ms of real time$/);
      const blocked = /** @type {number} */ (answer.blocked_ms);
      assert.ok(blocked >= DEFAULTS.block_limit_ms && blocked < 5000, `${blocked}`);
      // Stopped after the first of four blocking delays: the second call was the last.
      assert.deepEqual(calls(answer.trace), [1, 2]);
    });
  }

  it('reports a block under the limit, and the run goes on', async () => {
    const registry = timeoutRegistry(async (fn) => {
      for (let i = 0; i < 3; i++) {
        block(30);
        await sleep(1000);
      }
      return fn();
    });
    const plan = {op: [{after_ms: 5, ok: 1}]};
    const answer = await handle({id: 2, pattern: 'timeout', impl: 'custom', params: {timeout_ms: 10_000}, plan, block_limit_ms: 1000}, {registry});
    assert.deepEqual(answer.outcome, {ok: 1});
    assert.equal(answer.elapsed_ms, 3005);
    const blocked = /** @type {number} */ (answer.blocked_ms);
    assert.ok(blocked >= 30 && blocked < 1000, `${blocked}`);
  });

  it('takes its limit from block_limit_ms', async () => {
    const registry = timeoutRegistry(async (fn) => {
      await sleep(1000);
      block(40);
      await sleep(1000);
      return fn();
    });
    const answer = await handle({id: 3, pattern: 'timeout', impl: 'custom', params: {timeout_ms: 10_000}, plan: {op: [{ok: 1}]}, block_limit_ms: 20}, {registry});
    assert.match(/** @type {any} */ (answer.outcome).reason, /^blocked the event loop for/);
    assert.deepEqual(answer.trace, []);
  });
});

describe('the defaults of the optional request fields', () => {
  it('are spec/protocol.json', async () => {
    const file = JSON.parse(readFileSync(new URL('../../spec/protocol.json', import.meta.url), 'utf8'));
    assert.deepEqual(DEFAULTS, file.defaults);
    const hung = await handle({id: 4, pattern: 'timeout', impl: 'leaves-running', params: {timeout_ms: 1e9}, plan: {op: [{hang: true}]}});
    assert.equal(/** @type {any} */ (hung.outcome).reason, `had not settled after ${file.defaults.limit_ms.virtual} ms of virtual time`);
    // A thousand calls: a busy machine must not stop it first, this is about max_calls.
    const endless = await handle({...BLOCKING_RETRY, impl: 'no-cap', params: {...BLOCKING_RETRY.params, base_delay_ms: 1, factor: 1}, block_limit_ms: 1e6});
    assert.equal(/** @type {any} */ (endless.outcome).reason, `more than ${file.defaults.max_calls} operation calls`);
  });
});
