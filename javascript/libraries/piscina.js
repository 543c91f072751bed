/**
 * piscina (`new Piscina({filename, maxThreads})`, `run(task, {signal})`) as the spec's
 * offload-blocking.
 *
 * Adapted: one pool for the call, `maxWorkers` -> `maxThreads`; each item is one `run` of
 * piscina-worker.js (the task: the work's module and the item; a closure cannot cross into a
 * worker), with the caller's signal; the values through `Promise.all` (input order, the first
 * failure at once). The pool lives as long as the call: `destroy()` in `finally`, not awaited (the
 * reference terminates its workers so too) -- which also rejects the items still queued: after a
 * failure piscina itself would go on starting them. A task already running when the signal aborts
 * is piscina's to stop: it terminates the task's worker. Errors come back as piscina sends them.
 * @module
 */

import {Piscina} from 'piscina';

const WORKER = new URL('./piscina-worker.js', import.meta.url).href;

/**
 * @param {{filename: string | URL}} work
 * @param {Iterable<unknown>} items
 * @param {number} [maxWorkers]
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<unknown[]>}
 */
export async function offloadAll(work, items, maxWorkers = 2, {signal} = {}) {
  const pool = new Piscina({filename: WORKER, maxThreads: maxWorkers});
  try {
    return await Promise.all([...items].map((item) => pool.run({filename: String(work.filename), item}, {signal})));
  } finally {
    void pool.destroy();
  }
}

const CLONED_DOM_EXCEPTION =
  'the worker sends the error back by structured clone alone: the DOMException the work raised arrives as an empty plain object (the clones-errors anti-pattern)';
const CLONED_ERROR =
  'the worker sends the error back by structured clone alone: the Error keeps its class and message but loses its own properties (`code`), so its kind is lost (the clones-errors anti-pattern)';

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'piscina',
    pattern: 'offload-blocking',
    api: 'Piscina.run(task, {signal})',
    implementation: offloadAll,
    why: {
      'max-workers-past-the-largest-is-refused': 'takes a `maxThreads` the spec refuses up front (PROTOCOL.md section 8) and runs with it',
      'fractional-max-workers-is-refused': 'takes a `maxThreads` the spec refuses up front (PROTOCOL.md section 8) and runs with it',
      'failure-comes-back-unchanged': CLONED_DOM_EXCEPTION,
      'own-cancellation-is-a-failure': CLONED_DOM_EXCEPTION,
      'first-failure-returns-at-once': CLONED_ERROR,
      'failures-at-one-instant-in-hand-over-order': CLONED_ERROR,
      'max-workers-zero-is-refused':
        '`maxThreads: 0` is refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
    },
  },
];
