/**
 * Offloading blocking work (spec/patterns/offload-blocking.yaml).
 *
 * - R1: the work never runs on the event loop's thread: each call runs in a worker thread
 *   (`node:worker_threads`), so the loop stays responsive while it blocks.
 * - R2: at most `maxWorkers` workers, each taking item after item: items start in input order, each
 *   as soon as a worker is free (the shape of piscina's pool, kept to one call).
 * - R3: the values come back in input order once the last call finished.
 * - R4: a failure comes back unchanged -- as far as a thread boundary allows: the error is rebuilt
 *   with its class, name, message, stack and own properties (`code` ...), since structured clone
 *   drops own properties and turns a DOMException into a plain object. The first failure ends the
 *   call at once; no further item starts.
 * - R5: the caller's abort returns at once with `signal.reason`; no further item starts.
 * In both cases the workers are terminated without being waited for: no worker outlives the call,
 * and the block running in one is cut short (in JavaScript it can be; a thread in Python or .NET
 * cannot be stopped).
 * @module
 */

import {Worker} from 'node:worker_threads';
import {invalidArgument, LARGEST_COUNT} from './common/arguments.js';

/** The worker's entry: runs `work.filename`'s default export on each item it is sent. */
const WORKER_ENTRY = new URL('./offload-blocking-worker.js', import.meta.url);

/**
 * The blocking work: a module a worker can load, whose default export is `(item) => value`, a plain
 * (synchronous) function that may block its thread. A closure cannot cross into a worker; a module
 * path can.
 * @typedef {{filename: string | URL}} BlockingWork
 */

/**
 * What a worker sends back for one item.
 * @typedef {{ok: true, value: unknown} | {ok: false, error: import('./offload-blocking-worker.js').SentError}} Reply
 */

/**
 * Runs `work`'s function on every item in worker threads, at most `maxWorkers` at once.
 * @param {BlockingWork} work
 * @param {Iterable<unknown>} items
 * @param {number} [maxWorkers] How many workers may run at once: an integer from 1 to 2147483647 (default 2, the spec's).
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<unknown[]>} The values, in input order.
 */
export async function offloadAll(work, items, maxWorkers = 2, {signal} = {}) {
  if (typeof work?.filename !== 'string' && !(work?.filename instanceof URL)) {
    throw invalidArgument('Expected `work.filename` to be the path or URL of a module');
  }
  if (typeof maxWorkers !== 'number' || !(Number.isSafeInteger(maxWorkers) && maxWorkers >= 1 && maxWorkers <= LARGEST_COUNT)) {
    throw invalidArgument(`Expected \`maxWorkers\` to be an integer from 1 to ${LARGEST_COUNT}`);
  }
  signal?.throwIfAborted();
  const todo = [...items];
  if (todo.length === 0) return [];
  const filename = String(work.filename);
  /** @type {unknown[]} */
  const results = new Array(todo.length);
  /** @type {Worker[]} */
  const workers = [];
  let next = 0;
  let running = 0;
  let finished = false;

  return new Promise((resolve, reject) => {
    /** @param {{error: unknown} | undefined} failure */
    const finish = (failure) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      // Not awaited: terminating takes real time, and the call returns at once (R4, R5).
      for (const worker of workers) void worker.terminate();
      if (failure) reject(failure.error);
      else resolve(results);
    };
    const onAbort = () => finish({error: signal?.reason});
    signal?.addEventListener('abort', onAbort, {once: true});

    /** @param {Worker} worker */
    const takeNext = (worker) => {
      if (finished) return;
      if (next >= todo.length) {
        if (running === 0) finish(undefined);
        return;
      }
      const index = next++;
      running++;
      worker.once('message', (/** @type {Reply} */ reply) => {
        running--;
        if (reply.ok) {
          results[index] = reply.value;
          takeNext(worker);
        } else {
          finish({error: restoreError(reply.error)});
        }
      });
      worker.postMessage({filename, item: todo[index]});
    };

    for (let i = 0; i < Math.min(maxWorkers, todo.length); i++) {
      const worker = new Worker(WORKER_ENTRY);
      // The worker itself failed (it could not load the work's module ...), not one call of the work.
      worker.on('error', (error) => finish({error}));
      workers.push(worker);
      takeNext(worker);
    }
  });
}

/**
 * The error a worker sent, rebuilt as the work raised it.
 * @param {import('./offload-blocking-worker.js').SentError} sent
 * @returns {unknown}
 */
function restoreError(sent) {
  if (sent.type === 'DOMException') return Object.assign(new DOMException(sent.message, sent.name), sent.own);
  if (sent.type === 'Error') return Object.assign(sent.error, sent.own);
  return sent.value;
}
