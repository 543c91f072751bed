/**
 * The mistakes offload-blocking exists to prevent. Each has the reference's signature.
 * @module
 */

import {offloadAll} from '../offload-blocking.js';

/**
 * Calls the blocking work on the event loop's thread, as if it were async: the loop stalls for every block.
 * @param {{filename: string | URL}} work
 * @param {Iterable<unknown>} items
 * @param {number} _maxWorkers
 * @param {{signal?: AbortSignal}} [_options]
 */
export async function inline(work, items, _maxWorkers, _options) {
  const {default: run} = await import(String(work.filename));
  return [...items].map((item) => run(item));
}

/**
 * Offloads every item at once (a worker per item): maxWorkers is ignored.
 * @param {{filename: string | URL}} work
 * @param {Iterable<unknown>} items
 * @param {number} _maxWorkers
 * @param {{signal?: AbortSignal}} [options]
 */
export async function unbounded(work, items, _maxWorkers, options) {
  const todo = [...items];
  return offloadAll(work, todo, Math.max(1, todo.length), options);
}
