import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {runPipeline} from './backpressure.js';
import {BoundedQueue} from './common/bounded-queue.js';
import {collectWarnings, listeningOperation} from './common/warnings.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */

/**
 * A producer whose n-th item is produced by the call `produce#n`, as the runner's.
 * @param {Instruments} ins
 * @param {string[]} items
 */
const producer = (ins, items) =>
  async function* produce(/** @type {{signal: AbortSignal}} */ {signal}) {
    for (const item of items) {
      await ins.operation('produce', signal);
      yield item;
    }
  };
/** @param {Instruments} ins */
const op = (ins) => (/** @type {unknown} */ item, /** @type {{signal: AbortSignal}} */ {signal}) => ins.operation(item, signal);

describe('runPipeline', () => {
  it('makes a fast producer wait for each free slot; values in production order (R1-R3)', async () => {
    const plan = {produce: [{ok: 'made'}], '*': [{after_ms: 10, ok: 'done'}]};
    const run = await play(plan, (ins) => runPipeline(producer(ins, ['a', 'b', 'c', 'd']), op(ins), {capacity: 2, workers: 1}));
    assert.deepEqual(run.status === 'fulfilled' && run.value, ['done', 'done', 'done', 'done']);
    assert.deepEqual(times(run.trace, 'call'), {produce: [0, 0, 0, 0], a: [0], b: [10], c: [20], d: [30]});
    assert.equal(run.elapsedMs, 40);
  });

  it("stops the producer and the other consumers on a consumer's failure, which propagates unchanged (R4)", async () => {
    /** @type {unknown} */
    let failure;
    const plan = {produce: [{after_ms: 10, ok: 'made'}], a: [{after_ms: 5, fail: /** @type {const} */ ('transient')}], '*': [{hang: true}]};
    const run = await play(plan, (ins) =>
      runPipeline(producer(ins, ['a', 'b', 'c']), (item, {signal}) => ins.operation(item, signal).catch((e) => Promise.reject((failure = e)))),
    );
    assert.equal(run.status === 'rejected' && run.reason, failure);
    assert.deepEqual(times(run.trace, 'cancel'), {produce: [15]});
    assert.equal(run.elapsedMs, 15);
  });

  it("turns the caller's abort into cancellation (R5)", async () => {
    const plan = {produce: [{after_ms: 10, ok: 'made'}], '*': [{hang: true}]};
    const run = await play(plan, (ins, signal) => runPipeline(producer(ins, ['a', 'b']), op(ins), {signal}), {cancelAtMs: 15});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {produce: [15], a: [15]});
  });

  it('refuses a capacity or workers outside 1..2147483647 up front, with a code of Node validators (R6)', async () => {
    for (const options of [{capacity: 0}, {workers: 0}, {capacity: 1.5}, {workers: 2 ** 31}, {capacity: Infinity}]) {
      await assert.rejects(
        runPipeline(() => [], () => 1, options),
        (/** @type {{code?: string}} */ error) => error.code === 'ERR_INVALID_ARG_VALUE',
      );
    }
  });

  it('runs 30 consumers, each listening on its signal as fetch does, without a MaxListenersExceededWarning', async () => {
    const items = Array.from({length: 30}, (_, index) => index);
    const {value, warnings} = await collectWarnings(() => runPipeline(() => items, listeningOperation, {capacity: 30, workers: 30}));
    assert.deepEqual([((outcome) => outcome)(value), warnings], [items, []]);
  });
});

describe('BoundedQueue', () => {
  it('waits to put while full, hands the freed slot to the first waiting producer, drains once closed', async () => {
    /** @type {BoundedQueue<string>} */
    const queue = new BoundedQueue(1);
    await queue.put('a');
    let putB = false;
    const waiting = queue.put('b').then(() => (putB = true));
    assert.equal(queue.tryPut('c'), false);
    assert.deepEqual(await queue.take(), {done: false, value: 'a'});
    await waiting;
    assert.equal(putB, true);
    queue.close();
    assert.deepEqual(await queue.take(), {done: false, value: 'b'});
    assert.deepEqual(await queue.take(), {done: true, value: undefined});
  });

  it('rejects every waiter with the reason once aborted', async () => {
    /** @type {BoundedQueue<string>} */
    const queue = new BoundedQueue(1);
    const taker = queue.take();
    queue.abort('stopped');
    await assert.rejects(taker, (reason) => reason === 'stopped');
    await assert.rejects(queue.put('x'), (reason) => reason === 'stopped');
  });
});
