import assert from 'node:assert/strict';
import {once} from 'node:events';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {Worker} from 'node:worker_threads';
import {LoopWatch, RunQueueReading, cappedTimeout, excuse, runQueueDelayMs, virtualBlockingWaits} from './loop-watch.js';
import {DEFAULTS, handle} from './protocol.js';

const BLOCKING_RETRY = {
  id: 1,
  pattern: 'retry-backoff',
  impl: 'blocking-sleep',
  params: {max_attempts: 5, base_delay_ms: 100, factor: 3, max_delay_ms: 250, jitter: 'none'},
  plan: {op: [{after_ms: 10, fail: 'transient'}]},
};

const ORIGINAL_WAIT = Atomics.wait;

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

  it('counts a block it is told of whole, at the loop\'s next chance, never less its run-queue correction', () => {
    let now = 1000;
    let waited = 0;
    const watch = new LoopWatch(50, {now: () => now, reading: new RunQueueReading(() => waited, now)});
    watch.blockedFor(30);
    watch.blockedFor(30); // two blocking sleeps in one turn of the loop
    now += 10; // and 10 ms of real time, all of it waiting for a CPU
    waited += 10;
    assert.equal(watch.cameBack(), true);
    assert.equal(watch.blockedMs, 60);
    now += 1;
    assert.equal(watch.cameBack(), false); // the next turn blocked nothing
    assert.equal(watch.blockedMs, 60);
    assert.equal(watch.namedBlockMs, 60); // the told-of part alone: judged by the protocol's limit
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
      if (clock === 'virtual') {
        // A block of the delay's length, named; the clock moved on by it, as after a sleep that waits.
        assert.ok(blocked >= 100 && blocked < 600, `${blocked}`);
        const times = /** @type {{ev: string, t: number}[]} */ (answer.trace).filter((e) => e.ev === 'call').map((e) => e.t);
        assert.deepEqual(times, [0, 110]);
      }
    });
  }

  it('on the virtual clock, takes a blocking wait\'s timeout of the clock at once: a block of that length, no real time', async () => {
    const registry = timeoutRegistry(async (fn) => {
      block(1000);
      block(500); // in the same turn of the loop: the loop did not come back for 1.5 s
      return fn();
    });
    const started = performance.now();
    const answer = await handle({id: 5, pattern: 'timeout', impl: 'custom', params: {timeout_ms: 10_000}, plan: {op: [{after_ms: 5, ok: 1}]}, block_limit_ms: 1e6}, {registry});
    const took = performance.now() - started;
    assert.deepEqual(answer.outcome, {ok: 1});
    assert.deepEqual(/** @type {{t: number, ev: string}[]} */ (answer.trace).map((e) => `${e.t} ${e.ev}`), ['1500 call', '1505 ok']);
    assert.equal(answer.elapsed_ms, 1505);
    // What real time the turn took besides is measured as ever, on top (a loaded machine: a few ms).
    const blocked = /** @type {number} */ (answer.blocked_ms);
    assert.ok(blocked >= 1500 && blocked < 2000, `${blocked}`);
    assert.ok(took < 1200, `the run waited its 1.5 s in real time (${took} ms)`); // generous: a few ms here
  });

  it('on the virtual clock, answers as Atomics.wait would: not-equal at once, a negative timeout as 0, bad arguments thrown', async () => {
    /** @type {unknown[]} */
    const seen = [];
    const registry = timeoutRegistry(async (fn) => {
      const cell = new Int32Array(new SharedArrayBuffer(8));
      seen.push(Atomics.wait(cell, 0, 0, 10)); // 10 ms of the clock
      seen.push(Atomics.wait(cell, 0, 7, 1000)); // the value differs: no wait at all
      seen.push(Atomics.wait(cell, 1, 0, -5)); // a negative timeout is 0
      seen.push(Atomics.wait(cell, 1, 0, /** @type {any} */ ('20'))); // converted as a number: 20 ms
      for (const bad of [() => Atomics.wait(new Int32Array(4), 0, 0, 10), () => Atomics.wait(cell, 2, 0, 10)]) {
        try {
          bad();
          seen.push('no error');
        } catch (error) {
          seen.push(/** @type {Error} */ (error).name);
        }
      }
      return fn();
    });
    const answer = await handle({id: 6, pattern: 'timeout', impl: 'custom', params: {timeout_ms: 10_000}, plan: {op: [{after_ms: 5, ok: 1}]}, block_limit_ms: 1e6}, {registry});
    assert.deepEqual(seen, ['timed-out', 'not-equal', 'timed-out', 'timed-out', 'TypeError', 'RangeError']);
    assert.equal(answer.elapsed_ms, 10 + 20 + 5);
  });

  it('on the virtual clock, still waits out a wait for ever in real time up to its cap, judged blocked', async () => {
    const registry = timeoutRegistry(async (fn) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // for ever: nothing the clock can end
      return fn();
    });
    const started = performance.now();
    const answer = await handle({id: 7, pattern: 'timeout', impl: 'custom', params: {timeout_ms: 10_000}, plan: {op: [{after_ms: 5, ok: 1}]}}, {registry});
    const took = performance.now() - started;
    assert.match(/** @type {any} */ (answer.outcome).reason, /^blocked the event loop for /);
    assert.ok(took < 15_000, `the run waited for ever (${took} ms)`);
  });

  it('leaves a worker\'s Atomics.wait alone: each thread has its own', async () => {
    const restore = virtualBlockingWaits(50, {consume: () => assert.fail('a worker\'s wait consumed the clock'), watch: new LoopWatch(50)});
    try {
      const code = `const {parentPort} = require('node:worker_threads');
        const began = performance.now();
        const result = Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        parentPort.postMessage({result, took: performance.now() - began});`;
      const worker = new Worker(code, {eval: true});
      const [message] = await once(worker, 'message');
      await worker.terminate();
      assert.equal(message.result, 'timed-out');
      assert.ok(message.took >= 99, `${message.took}`);
    } finally {
      restore();
    }
    assert.equal(Atomics.wait, ORIGINAL_WAIT);
  });

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
    assert.equal(answer.elapsed_ms, 3 * (30 + 1000) + 5); // on the virtual clock each block took its 30 ms
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
