/**
 * Anti-patterns: the mistakes each pattern exists to prevent, kept apart from the references.
 *
 * Each function has its pattern's reference signature, so the runner can run any of them in the
 * reference's place; the suite must reject every one. `REGISTRY` maps a pattern id to its
 * anti-patterns by the ids of the spec's `antipatterns:` list (`noCap` -> `no-cap`).
 * @module
 */

import * as asyncStream from './async-stream.js';
import * as asyncLock from './async-lock.js';
import * as backpressure from './backpressure.js';
import * as boundedConcurrency from './bounded-concurrency.js';
import * as cancellationCleanup from './cancellation-cleanup.js';
import * as circuitBreaker from './circuit-breaker.js';
import * as connectionPool from './connection-pool.js';
import * as gracefulShutdown from './graceful-shutdown.js';
import * as offloadBlocking from './offload-blocking.js';
import * as parallelPartialFailures from './parallel-partial-failures.js';
import * as racing from './racing.js';
import * as retryBackoff from './retry-backoff.js';
import * as taskGroup from './task-group.js';
import * as timeout from './timeout.js';
import * as unobservedFailures from './unobserved-failures.js';

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
    if (typeof value === 'function') found[name.replace(/(?!^)[A-Z]/g, (c) => `-${c}`).toLowerCase()] = /** @type {AntiPattern} */ (value);
  }
  return found;
}

/** @type {Readonly<Record<string, Readonly<Record<string, AntiPattern>>>>} */
export const REGISTRY = Object.freeze({
  'async-stream': Object.freeze(byId(asyncStream)),
  'async-lock': Object.freeze(byId(asyncLock)),
  backpressure: Object.freeze(byId(backpressure)),
  'bounded-concurrency': Object.freeze(byId(boundedConcurrency)),
  'cancellation-cleanup': Object.freeze(byId(cancellationCleanup)),
  // A stateful pattern's anti-patterns are classes (PascalCase): `NeverOpens` -> `never-opens`.
  'circuit-breaker': Object.freeze(byId(circuitBreaker)),
  'connection-pool': Object.freeze(byId(connectionPool)),
  'graceful-shutdown': Object.freeze(byId(gracefulShutdown)),
  'offload-blocking': Object.freeze(byId(offloadBlocking)),
  'parallel-partial-failures': Object.freeze(byId(parallelPartialFailures)),
  racing: Object.freeze(byId(racing)),
  'retry-backoff': Object.freeze(byId(retryBackoff)),
  'task-group': Object.freeze(byId(taskGroup)),
  timeout: Object.freeze(byId(timeout)),
  'unobserved-failures': Object.freeze(byId(unobservedFailures)),
});
