import assert from 'node:assert/strict';
import {once} from 'node:events';
import {describe, it} from 'node:test';
import {MessageChannel, receiveMessageOnPort, Worker} from 'node:worker_threads';
import {answer} from '../testing/index.js';
import {BlockingWork} from './blocking.js';
import {excused} from './loop-watch.js';

const PORT_WORKER = new URL('./fixtures/port-worker.js', import.meta.url);

/**
 * offload-blocking in the shape of piscina: one worker, each item handed over through a
 * MessagePort whose other end went to the worker at start-up (not by the worker's `postMessage`).
 * `read: 'sync'` reads each answer with `receiveMessageOnPort` once the worker says it is there.
 * @param {'event' | 'sync'} read
 */
function throughPort(read) {
  /**
   * @param {{filename: string | URL}} work
   * @param {Iterable<unknown>} items
   */
  return async (work, items) => {
    const worker = new Worker(PORT_WORKER);
    const {port1, port2} = new MessageChannel();
    const notify = read === 'sync' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    worker.postMessage({port: port2, notify}, [port2]);
    try {
      await once(worker, 'message'); // ready
      const values = [];
      for (const item of items) {
        port1.postMessage({filename: String(work.filename), item});
        /** @type {any} */
        let reply;
        if (notify) {
          const seen = Atomics.load(notify, 0);
          // Atomics.waitAsync: in Node since 16, not in the TypeScript lib this checks against.
          const waited = /** @type {any} */ (Atomics).waitAsync(notify, 0, seen);
          if (waited.async) await waited.value;
          reply = receiveMessageOnPort(port1)?.message;
        } else {
          [reply] = await once(port1, 'message');
        }
        if (!reply.ok) throw new Error(reply.message);
        values.push(reply.value);
      }
      return values;
    } finally {
      port1.close();
      void worker.terminate();
    }
  };
}

const REQUEST = {
  id: 1,
  pattern: 'offload-blocking',
  clock: 'virtual',
  params: {items: ['a', 'b'], max_workers: 1, heartbeat_ms: 10},
  plan: {a: [{after_ms: 20, ok: 'A'}], b: [{after_ms: 20, ok: 'B'}]},
  // These tests are about virtual time, not the loop watch: a cold first run of a test process on a
  // loaded machine (CI: the three suites at once) read as a 93 ms block against the default 50.
  block_limit_ms: 1000,
};

describe('blocking work handed to a worker through a MessagePort (spec/PROTOCOL.md section 5, rule 4)', () => {
  for (const read of /** @type {const} */ (['event', 'sync'])) {
    it(`is work the virtual clock waits for, the answer read by ${read === 'event' ? "a 'message' event" : 'receiveMessageOnPort'}`, async () => {
      const ran = /** @type {any} */ (await answer({...REQUEST, impl: `port-${read}`}, {'offload-blocking': {[`port-${read}`]: throughPort(read)}}));
      const calls = ran.trace.filter((/** @type {any} */ e) => e.ev !== 'beat').map((/** @type {any} */ e) => `${e.t} ${e.ev} ${e.key}`);
      assert.deepEqual({outcome: ran.outcome, calls, elapsed: ran.elapsed_ms}, {outcome: {ok: ['A', 'B']}, calls: ['0 call a', '20 ok a', '20 call b', '40 ok b'], elapsed: 40});
    });
  }
});

const ITEM_WORKER = new URL('../src/offload-blocking-worker.js', import.meta.url);

/**
 * offload-blocking with a pool of one worker kept between calls: idle and unref'd after each
 * call (as the reference's pool leaves its workers), or left ref'd (`unref: false`: a worker that
 * would keep the process alive).
 * @param {{unref: boolean}} options
 */
function pooled({unref}) {
  /** @type {Worker | undefined} */
  let worker;
  const impl = async (/** @type {{filename: string | URL}} */ work, /** @type {Iterable<unknown>} */ items) => {
    worker ??= new Worker(ITEM_WORKER);
    worker.ref();
    const values = [];
    for (const item of items) {
      worker.postMessage({filename: String(work.filename), item});
      const [reply] = await once(worker, 'message');
      if (!reply.ok) throw new Error('the work failed');
      values.push(reply.value);
    }
    if (unref) worker.unref();
    return values;
  };
  return {impl, worker: () => worker};
}

/** @param {any} ran */
const calls = (ran) => ran.trace.filter((/** @type {any} */ e) => e.ev !== 'beat').map((/** @type {any} */ e) => `${e.t} ${e.ev} ${e.key}`);

describe('workers a pattern keeps between runs (spec/PROTOCOL.md section 5, "Work left running")', () => {
  it('keeps an idle, unref\'d worker for the next run, which watches it from its start', async () => {
    const pool = pooled({unref: true});
    const registry = {'offload-blocking': {pooled: pool.impl}};
    const first = /** @type {any} */ (await answer({...REQUEST, impl: 'pooled'}, registry));
    const worker = pool.worker();
    let exited = false;
    worker?.once('exit', () => (exited = true));
    const second = /** @type {any} */ (await answer({...REQUEST, id: 2, impl: 'pooled'}, registry));
    assert.equal(pool.worker(), worker);
    for (const ran of [first, second]) {
      assert.deepEqual(
        {outcome: ran.outcome, calls: calls(ran), elapsed: ran.elapsed_ms, warnings: ran.warnings},
        {outcome: {ok: ['A', 'B']}, calls: ['0 call a', '20 ok a', '20 call b', '40 ok b'], elapsed: 40, warnings: []},
      );
    }
    assert.equal(exited, false, 'the runner terminated the idle worker');
  });

  it('excuses the time `new Worker()` and `terminate()` hold the loop thread: the runtime\'s, not the pattern\'s', async () => {
    /** @type {number[]} */
    const seen = [];
    const starts = async () => {
      let before = excused();
      const worker = new Worker("require('node:worker_threads').parentPort.once('message', () => {})", {eval: true});
      seen.push(excused() - before);
      before = excused();
      const terminated = worker.terminate();
      seen.push(excused() - before);
      await terminated;
      return [];
    };
    await answer({...REQUEST, params: {...REQUEST.params, items: []}, impl: 'starts'}, {'offload-blocking': {starts}});
    assert.equal(seen.length, 2);
    assert.ok(seen.every((ms) => ms > 0), `excused ${seen} ms`);
  });

  it('watches the pattern, not the runner preparing the run (loading the work\'s module)', async () => {
    const install = BlockingWork.prototype.install;
    BlockingWork.prototype.install = async function () {
      await install.call(this);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); // a stalled file-system call
    };
    try {
      // A limit of 300: under the stall (watched, it would be judged a block), well over a loaded machine's lags.
      const ran = /** @type {any} */ (await answer({...REQUEST, impl: 'reference', block_limit_ms: 300}, {}));
      assert.deepEqual({outcome: ran.outcome, calls: calls(ran)}, {outcome: {ok: ['A', 'B']}, calls: ['0 call a', '20 ok a', '20 call b', '40 ok b']});
      assert.ok(ran.blocked_ms < 300, `blocked ${ran.blocked_ms} ms`);
    } finally {
      BlockingWork.prototype.install = install;
    }
  });

  it('terminates a worker left ref\'d (it would keep the process alive), and says so', async () => {
    const pool = pooled({unref: false});
    const ran = /** @type {any} */ (await answer({...REQUEST, impl: 'refd'}, {'offload-blocking': {refd: pool.impl}}));
    assert.deepEqual(ran.outcome, {ok: ['A', 'B']});
    assert.deepEqual(ran.warnings, ["1 worker(s) outlived the pattern, busy or keeping the process alive (ref'd); the runner terminated them"]);
    assert.equal(pool.worker()?.threadId, -1, 'the worker is still alive');
  });

  it('terminates idle workers beyond the most it keeps (16), and says so', async () => {
    assert.equal(BlockingWork.mostIdleKept, 16);
    BlockingWork.mostIdleKept = 1; // three workers show it as well as seventeen, for less CPU
    /** @type {Worker[]} */
    const workers = [];
    const leaky = async () => {
      // Alive until terminated: a listener on the parent port keeps a worker running.
      for (let i = 0; i < 3; i++) workers.push(new Worker("require('node:worker_threads').parentPort.once('message', () => {})", {eval: true}));
      for (const worker of workers) worker.unref();
      return [];
    };
    try {
      const ran = /** @type {any} */ (await answer({...REQUEST, params: {...REQUEST.params, items: []}, impl: 'leaky'}, {'offload-blocking': {leaky}}));
      // Two of these three at least: an earlier test's kept worker, watched by this run too, may be one more.
      assert.equal(ran.warnings.length, 1, ran.warnings.join('\n'));
      assert.match(ran.warnings[0], /^the pattern kept more than 1 idle workers; the runner terminated ([2-9]|\d\d+)$/);
      assert.ok(workers.filter((worker) => worker.threadId === -1).length >= 2);
    } finally {
      BlockingWork.mostIdleKept = 16;
      // The one kept is the next run's to watch; terminated here, so that no test leaves it behind.
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  });
});
