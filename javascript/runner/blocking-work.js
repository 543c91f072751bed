/**
 * The injected blocking work, as a module a worker can load (spec/PROTOCOL.md section 5, "Blocking
 * work"): its default export `work(item)` plays the plan's step for `item` and blocks the thread
 * that calls it for the step's `after_ms` (blocking-call.js). A closure cannot cross into a worker;
 * this module can -- the runner hands the pattern its URL, with the run's id in the query.
 *
 * Each run loads it anew (a new query), in the runner and in every worker that calls it -- a pool's
 * worker serves many runs -- and a loaded module is never freed: so it is kept this small, and the
 * code it runs is loaded once per thread.
 * @module
 */

import {playBlocking} from './blocking-call.js';

const RUN = new URL(import.meta.url).searchParams.get('run') ?? '';

/**
 * @param {unknown} item
 * @returns {unknown}
 */
export default function work(item) {
  return playBlocking(RUN, item);
}
