/**
 * One call of the injected blocking work (spec/PROTOCOL.md section 5, "Blocking work"; the module a
 * pattern loads is blocking-work.js, which calls this with its run's id): plays the plan's step for
 * `item` and blocks the thread that calls it for the step's `after_ms`.
 *
 * In a worker it asks the runner's main thread (a BroadcastChannel named after the run) to play the
 * call, and waits on a SharedArrayBuffer until main says how it ends: on the virtual clock main ends
 * it when the clock reaches the end of the block (the worker is parked meanwhile); on the real
 * clock main tells it how long to block, the worker blocks that long (`Atomics.wait`), then says so
 * and waits for the outcome. On the main thread (work called inline) it calls the runner directly.
 * @module
 */

import {isMainThread, threadId} from 'node:worker_threads';
import {makeError} from './errors.js';

/** The outcome main writes: a state word, its length, then JSON. */
export const REPLY_BYTES = 64 * 1024;
/** States of the reply word. */
export const WAITING = 0;
export const BLOCK_FOR = 1;
export const ENDED = 2;

/**
 * @typedef {{ok: unknown} | {fail: import('./errors.js').Kind, message: string, call: string} | {block_ms: number}} Reply
 */

/**
 * @param {Int32Array} words
 * @param {Uint8Array} bytes
 * @returns {Reply}
 */
function readReply(words, bytes) {
  return JSON.parse(new TextDecoder().decode(bytes.slice(0, words[1])));
}

/**
 * Blocks this thread for `ms` of real time.
 * @param {number} ms
 */
export function sleepThread(ms) {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * @param {string} run The run's id (the query of blocking-work.js's URL).
 * @param {unknown} item
 * @returns {unknown}
 */
export function playBlocking(run, item) {
  const key = String(item);
  if (isMainThread) {
    const runner = /** @type {{inline(key: string): unknown} | undefined} */ (
      /** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('asyncconf.blocking')]
    );
    if (!runner) throw new Error('asyncconf: the blocking work was called outside a run');
    return runner.inline(key);
  }
  const shared = new SharedArrayBuffer(8 + REPLY_BYTES);
  const words = new Int32Array(shared, 0, 2);
  const bytes = new Uint8Array(shared, 8);
  const channel = new BroadcastChannel(`asyncconf:blocking:${run}`);
  try {
    channel.postMessage({type: 'start', threadId, key, shared});
    Atomics.wait(words, 0, WAITING);
    if (Atomics.load(words, 0) === BLOCK_FOR) {
      const {block_ms: ms} = /** @type {{block_ms: number}} */ (readReply(words, bytes));
      sleepThread(ms);
      channel.postMessage({type: 'end', threadId});
      Atomics.wait(words, 0, BLOCK_FOR);
    }
    const reply = readReply(words, bytes);
    if ('fail' in reply) {
      // Stamped with the call it came from: across the thread boundary, identity cannot say it
      // (spec/PROTOCOL.md section 6, `from`).
      throw Object.assign(makeError(reply.fail, reply.message), {asyncconfCall: reply.call});
    }
    return 'ok' in reply ? reply.ok : null;
  } finally {
    channel.close();
  }
}
