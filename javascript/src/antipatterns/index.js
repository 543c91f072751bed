/**
 * Anti-patterns: the mistakes each pattern exists to prevent, kept apart from the references.
 *
 * Each function has its pattern's reference signature, so the runner can run any of them in the
 * reference's place; the suite must reject every one. `REGISTRY` maps a pattern id to its
 * anti-patterns by the ids of the spec's `antipatterns:` list (`noCap` -> `no-cap`).
 * @module
 */

import * as boundedConcurrency from './bounded-concurrency.js';
import * as cancellationCleanup from './cancellation-cleanup.js';
import * as offloadBlocking from './offload-blocking.js';
import * as parallelPartialFailures from './parallel-partial-failures.js';
import * as retryBackoff from './retry-backoff.js';
import * as taskGroup from './task-group.js';
import * as timeout from './timeout.js';

/** @typedef {(...args: any[]) => Promise<unknown>} AntiPattern */

/**
 * A module's exported functions by spec id.
 * @param {Record<string, unknown>} module
 * @returns {Record<string, AntiPattern>}
 */
function byId(module) {
  /** @type {Record<string, AntiPattern>} */
  const found = {};
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === 'function') found[name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = /** @type {AntiPattern} */ (value);
  }
  return found;
}

/** @type {Readonly<Record<string, Readonly<Record<string, AntiPattern>>>>} */
export const REGISTRY = Object.freeze({
  'bounded-concurrency': Object.freeze(byId(boundedConcurrency)),
  'cancellation-cleanup': Object.freeze(byId(cancellationCleanup)),
  'offload-blocking': Object.freeze(byId(offloadBlocking)),
  'parallel-partial-failures': Object.freeze(byId(parallelPartialFailures)),
  'retry-backoff': Object.freeze(byId(retryBackoff)),
  'task-group': Object.freeze(byId(taskGroup)),
  timeout: Object.freeze(byId(timeout)),
});
