import assert from 'node:assert/strict';
import {once} from 'node:events';
import {describe, it} from 'node:test';
import {MessageChannel, receiveMessageOnPort, Worker} from 'node:worker_threads';
import {answer} from '../testing/index.js';

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
