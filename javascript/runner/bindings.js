/**
 * How the runner calls each pattern, and how it turns what the pattern returns into JSON
 * (spec/PROTOCOL.md section 8, "Pattern contracts").
 *
 * One binding per spec pattern. The reference and every anti-pattern of a pattern share its
 * signature, so the same binding runs any of them. Times are given in ms, JavaScript's unit; the
 * caller's cancellation is a trailing `{signal}` option.
 * @module
 */

import {mapBounded} from '../src/bounded-concurrency.js';
import {useResource} from '../src/cancellation-cleanup.js';
import {offloadAll} from '../src/offload-blocking.js';
import {runAll} from '../src/parallel-partial-failures.js';
import {retry} from '../src/retry-backoff.js';
import {runGroup} from '../src/task-group.js';
import {withTimeout} from '../src/timeout.js';
import {Heartbeat} from './blocking.js';
import {describeError} from './errors.js';

/** @typedef {import('./instruments.js').Instruments} Instruments */
/** @typedef {(...args: any[]) => unknown} Implementation */

/**
 * @typedef {object} Binding
 * @property {Implementation} reference
 * @property {string[]} params The request parameters the binding reads: the spec's `params` keys.
 * @property {Record<string, unknown>} defaults The spec's `params`: what a parameter a request leaves out
 *   takes (spec/PROTOCOL.md section 2); a test pins them to the spec.
 * @property {(impl: Implementation, ins: Instruments, params: Record<string, any>, signal: AbortSignal) => unknown} invoke
 * @property {(value: unknown, ins: Instruments) => unknown} toJson The value as the protocol's JSON form.
 * @property {boolean} [blocking] The pattern takes the injected blocking work (`ins.blockingWork`).
 */

/** @param {unknown} value */
const identity = (value) => value;

/**
 * A pattern over items calls `operation(item, {signal})`; the injected one takes `(key, signal)`.
 * @param {Instruments} ins
 */
const itemOperation = (ins) => (/** @type {unknown} */ item, /** @type {{signal?: AbortSignal}} */ options) =>
  ins.operation(item, options?.signal);

/**
 * `{succeeded: Map, failed: Map}` (or plain objects) keyed by `String(item)`, failures as outcomes.
 * @param {unknown} value
 * @param {Instruments} ins
 */
function partialResultsJson(value, ins) {
  const {succeeded, failed} = /** @type {{succeeded: unknown, failed: unknown}} */ (value ?? {});
  /** @param {unknown} entries */
  const pairs = (entries) =>
    entries instanceof Map ? [...entries] : Object.entries(/** @type {object} */ (entries ?? {}));
  return {
    succeeded: Object.fromEntries(pairs(succeeded).map(([key, v]) => [String(key), v])),
    failed: Object.fromEntries(pairs(failed).map(([key, e]) => [String(key), describeError(e, ins.origin)])),
  };
}

/** @type {Record<string, Binding>} */
export const BINDINGS = {
  'retry-backoff': {
    reference: retry,
    params: ['max_attempts', 'base_delay_ms', 'factor', 'max_delay_ms', 'jitter'],
    defaults: {max_attempts: 3, base_delay_ms: 1000, factor: 2, max_delay_ms: 60000, jitter: 'none'},
    invoke: (impl, ins, p, signal) =>
      impl(({signal: attemptSignal} = /** @type {{signal?: AbortSignal}} */ ({})) => ins.operation('op', attemptSignal), {
        maxAttempts: p.max_attempts,
        baseDelayMs: p.base_delay_ms,
        factor: p.factor,
        maxDelayMs: p.max_delay_ms,
        jitter: p.jitter,
        random: ins.draw,
        signal,
      }),
    toJson: identity,
  },
  timeout: {
    reference: withTimeout,
    params: ['timeout_ms'],
    defaults: {timeout_ms: 1000},
    invoke: (impl, ins, p, signal) =>
      impl(({signal: opSignal} = /** @type {{signal?: AbortSignal}} */ ({})) => ins.operation('op', opSignal), p.timeout_ms, {
        signal,
      }),
    toJson: identity,
  },
  'cancellation-cleanup': {
    reference: useResource,
    params: ['close_ms'],
    defaults: {close_ms: 5},
    invoke: (impl, ins, _p, signal) =>
      impl(
        () => ins.openResource('conn'),
        (/** @type {unknown} */ _resource, /** @type {{signal?: AbortSignal}} */ options) =>
          ins.operation('op', options?.signal),
        {signal},
      ),
    toJson: identity,
  },
  'parallel-partial-failures': {
    reference: runAll,
    params: ['items'],
    defaults: {items: ['a', 'b', 'c']},
    invoke: (impl, ins, p, signal) => impl(itemOperation(ins), p.items, {signal}),
    toJson: partialResultsJson,
  },
  'bounded-concurrency': {
    reference: mapBounded,
    params: ['items', 'limit'],
    defaults: {items: ['a', 'b', 'c', 'd', 'e'], limit: 2},
    invoke: (impl, ins, p, signal) => impl(itemOperation(ins), p.items, p.limit, {signal}),
    toJson: identity,
  },
  'offload-blocking': {
    reference: offloadAll,
    params: ['items', 'max_workers', 'heartbeat_ms'],
    defaults: {items: ['a', 'b'], max_workers: 2, heartbeat_ms: 10},
    blocking: true,
    invoke: async (impl, ins, p, signal) => {
      const period = p.heartbeat_ms;
      if (typeof period !== 'number' || !(period >= 1 && period <= 2 ** 31 - 1)) {
        throw Object.assign(new RangeError(`\`heartbeat_ms\` must be a number from 1 to ${2 ** 31 - 1}`), {code: 'ERR_OUT_OF_RANGE'});
      }
      // The runner's heartbeat beats on the loop while the pattern runs (spec/PROTOCOL.md section 5).
      const heartbeat = new Heartbeat(ins, period);
      try {
        return await impl(ins.blockingWork, p.items, p.max_workers, {signal});
      } finally {
        heartbeat.stop();
      }
    },
    toJson: identity,
  },
  'task-group': {
    reference: runGroup,
    params: ['items'],
    defaults: {items: ['a', 'b', 'c']},
    invoke: (impl, ins, p, signal) => impl(itemOperation(ins), p.items, {signal}),
    toJson: identity,
  },
};
