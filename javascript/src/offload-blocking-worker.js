/**
 * The worker side of `offloadAll` (offload-blocking.js): loads the work's module and runs its
 * default export on each item it is sent, one at a time, answering each with one message.
 * @module
 */

import {parentPort} from 'node:worker_threads';

/**
 * An error as it crosses the thread boundary: structured clone keeps an Error's class, message and
 * stack but drops its own properties, and turns a DOMException into an empty object.
 * @typedef {{type: 'DOMException', name: string, message: string, own: Record<string, unknown>}
 *   | {type: 'Error', error: Error, own: Record<string, unknown>}
 *   | {type: 'value', value: unknown}} SentError
 */

/**
 * @param {unknown} error
 * @returns {SentError}
 */
function sendable(error) {
  if (error instanceof DOMException) return {type: 'DOMException', name: error.name, message: error.message, own: {...error}};
  if (error instanceof Error) return {type: 'Error', error, own: {...error}};
  return {type: 'value', value: error};
}

parentPort?.on('message', async (/** @type {{filename: string, item: unknown}} */ {filename, item}) => {
  try {
    const {default: work} = await import(filename);
    parentPort?.postMessage({ok: true, value: work(item)});
  } catch (error) {
    parentPort?.postMessage({ok: false, error: sendable(error)});
  }
});
