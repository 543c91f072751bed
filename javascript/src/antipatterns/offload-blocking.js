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

/**
 * Sends a failure back across the worker boundary by structured clone alone: own properties
 * (`code`) are dropped and a DOMException arrives as an empty object -- the error comes back changed.
 * @param {{filename: string | URL}} work
 * @param {Iterable<unknown>} items
 * @param {number} maxWorkers
 * @param {{signal?: AbortSignal}} [options]
 */
export async function clonesErrors(work, items, maxWorkers, options) {
  try {
    return await offloadAll(work, items, maxWorkers, options);
  } catch (error) {
    if (options?.signal?.aborted && error === options.signal.reason) throw error;
    if (/^ERR_/.test(String(/** @type {{code?: unknown}} */ (error)?.code))) throw error; // its own argument checks
    throw structuredClone(error); // what `postMessage({error})` delivers
  }
}
