/**
 * Offloading blocking work (spec/patterns/offload-blocking.yaml).
 *
 * - R1: the work never runs on the event loop's thread: each call runs in a worker thread
 *   (`node:worker_threads`), so the loop stays responsive while it blocks.
 * - R2: at most `maxWorkers` workers, each taking item after item: items start in input order, each
 *   as soon as a worker is free (the shape of piscina's pool).
 * - R3: the values come back in input order once the last call finished.
 * - R4: a failure comes back unchanged -- as far as a thread boundary allows: the error is rebuilt
 *   with its class, name, message, stack and own properties (`code` ...), since structured clone
 *   drops own properties and turns a DOMException into a plain object. The first failure ends the
 *   call at once; no further item starts.
 * - R5: the caller's abort returns at once with `signal.reason`; no further item starts.
 * In both cases a worker still running an item is terminated without being waited for: the block
 * running in it is cut short (in JavaScript it can be; a thread in Python or .NET cannot be
 * stopped), and no item of the call goes on after it returned. A worker whose thread ends while it
 * runs an item (the work called `process.exit()`, which in a worker ends its thread; the process
 * terminated it) fails the call with an Error giving the exit code, since that item would never
 * answer, and the call's other workers are terminated, not kept.
 *
 * Workers outlive the call, idle: starting one costs milliseconds of CPU (a V8 isolate and a Node
 * environment, about 25 ms measured here) -- more than many blocks -- so, as Node's worker_threads
 * docs advise ("use a pool of Workers instead"), a call takes idle workers from a pool shared by
 * all calls and gives them back when it ends. Like .NET's thread pool, which the C# reference's
 * `Task.Run` uses: the bound is the call's `maxWorkers`, not the pool's size. An idle worker is
 * `unref()`ed -- it never keeps the process alive -- and at most `availableParallelism()` are kept.
 * @module
 */

import os from 'node:os';
import {Worker} from 'node:worker_threads';
import {invalidArgument, LARGEST_COUNT} from './common/arguments.js';

/** The worker's entry: runs `work.filename`'s default export on each item it is sent. */
const WORKER_ENTRY = new URL('./offload-blocking-worker.js', import.meta.url);

/** @type {Worker[]} Idle workers, the most recently used last; at most `os.availableParallelism()`. */
const idle = [];

/** @type {WeakSet<Worker>} Workers whose thread has ended: never idle again. */
const exited = new WeakSet();

/** An idle worker, or a new one; either way ref'd while the call uses it. */
function takeWorker() {
  const worker = idle.pop() ?? startWorker();
  worker.ref();
  return worker;
}

function startWorker() {
  const worker = new Worker(WORKER_ENTRY);
  // An idle worker that dies (it cannot while idle, but a crash is a crash) leaves the pool; its
  // 'error' then has this listener, not nobody's (which would crash the process).
  worker.on('error', () => {});
  worker.once('exit', () => {
    exited.add(worker);
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  return worker;
}

/** @param {Worker} worker A worker with nothing running: kept idle, or terminated if enough are. */
function giveBack(worker) {
  // Its thread may have ended while a call had it (the work ended it after answering, or the
  // process terminated it): kept idle, it would take the next item and never answer.
  if (exited.has(worker)) return;
  // Read when needed, not on import: on a Node without it (before 18.14) the runner skips this
  // pattern by its spec's `api:` list, and must still load the module.
  if (idle.length >= os.availableParallelism()) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

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
  /** @type {Worker[]} The workers this call took. */
  const workers = [];
  /** @type {Set<Worker>} Those running an item now. */
  const running = new Set();
  let next = 0;
  let finished = false;

  return new Promise((resolve, reject) => {
    /**
     * @param {{error: unknown} | undefined} failure
     * @param {boolean} [keepIdle] Whether the call's idle workers go back to the pool.
     */
    const finish = (failure, keepIdle = true) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      for (const worker of workers) {
        worker.off('error', onWorkerError);
        worker.off('exit', onWorkerExit);
        // Not awaited: terminating takes real time, and the call returns at once (R4, R5).
        if (running.has(worker) || !keepIdle) void worker.terminate();
        else giveBack(worker);
      }
      if (failure) reject(failure.error);
      else resolve(results);
    };
    const onAbort = () => finish({error: signal?.reason});
    signal?.addEventListener('abort', onAbort, {once: true});
    // The worker itself failed (it could not start ...), not one call of the work.
    const onWorkerError = (/** @type {unknown} */ error) => finish({error});
    /**
     * A worker's thread ended without an error while it ran this call's item (the work called
     * process.exit; someone terminated it): the item will never answer, so the call fails rather
     * than waits for ever. An 'error' comes before its 'exit', and has already ended the call. Its
     * other workers are not given back: whoever terminated one may be ending them all, and one
     * still stopping must not be taken for idle by the next call.
     * @this {Worker}
     * @param {number} code
     */
    function onWorkerExit(code) {
      if (running.has(this)) finish({error: new Error(`a worker stopped (exit code ${code}) while it ran an item`)}, false);
    }

    /** @param {Worker} worker */
    const takeNext = (worker) => {
      if (finished) return;
      if (next >= todo.length) {
        if (running.size === 0) finish(undefined);
        return;
      }
      const index = next++;
      running.add(worker);
      worker.once('message', (/** @type {Reply} */ reply) => {
        running.delete(worker);
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
      const worker = takeWorker();
      worker.on('error', onWorkerError);
      worker.once('exit', onWorkerExit);
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
