/**
 * How the runner calls each pattern, and how it turns what the pattern returns into JSON
 * (spec/PROTOCOL.md section 8, "Pattern contracts").
 *
 * One binding per spec pattern. The reference and every anti-pattern of a pattern share its
 * signature, so the same binding runs any of them. Times are given in ms, JavaScript's unit; the
 * caller's cancellation is a trailing `{signal}` option.
 * @module
 */

import {consumeStream} from '../src/async-stream.js';
import {runPipeline} from '../src/backpressure.js';
import {mapBounded} from '../src/bounded-concurrency.js';
import {useResource} from '../src/cancellation-cleanup.js';
import {CircuitBreakerPolicy} from '../src/circuit-breaker.js';
import {GuardedCounter} from '../src/async-lock.js';
import {ConnectionPool} from '../src/connection-pool.js';
import {createJobService} from '../src/graceful-shutdown.js';
import {offloadAll} from '../src/offload-blocking.js';
import {runAll} from '../src/parallel-partial-failures.js';
import {race} from '../src/racing.js';
import {retry} from '../src/retry-backoff.js';
import {runGroup} from '../src/task-group.js';
import {withTimeout} from '../src/timeout.js';
import {runInBackground} from '../src/unobserved-failures.js';
import {LONGEST_MS, invalidArgument} from '../src/common/arguments.js';
import {Heartbeat} from './blocking.js';
import {describeError} from './errors.js';
import {runnerTimeout} from './virtual-clock.js';

/** @typedef {import('./instruments.js').Instruments} Instruments */
/** @typedef {(...args: any[]) => unknown} Implementation A function; for a pattern invoked many times, a class (typed as `any`) */

/**
 * @typedef {object} Binding
 * @property {Implementation} reference
 * @property {string[]} params The request parameters the binding reads: the spec's `params` keys.
 * @property {Record<string, unknown>} defaults The spec's `params`: what a parameter a request leaves out
 *   takes (spec/PROTOCOL.md section 2); a test pins them to the spec.
 * @property {(impl: Implementation, ins: Instruments, params: Record<string, any>, signal: AbortSignal) => unknown} invoke
 * @property {(value: unknown, ins: Instruments) => unknown} toJson The value as the protocol's JSON form.
 * @property {boolean} [blocking] The pattern takes the injected blocking work (`ins.blockingWork`).
 * @property {(impl: Implementation, params: Record<string, any>, ins: Instruments) => unknown} [create] A pattern invoked many
 *   times (`invoked: many`, spec/PROTOCOL.md section 2, "Invocations"): its one instance, built from the
 *   implementation (a class), the parameters and (for a pool's connections) the instruments; `invoke` is then unused.
 * @property {(instance: any, operation: (options: {signal?: AbortSignal}) => Promise<unknown>, signal: AbortSignal, key: string, ins: Instruments) => unknown} [call]
 *   One caller's invocation of that instance, with the operation for the invocation's key (and the key
 *   itself, for a pool whose invocation of key `close` closes it).
 */

/**
 * The runner's own parameters that several patterns share, and whether each must be whole: its resource's or
 * source's close time, the source's length (spec/PROTOCOL.md section 8, "Parameters").
 */
const RUNNER_PARAMS = /** @type {const} */ ({close_ms: false, length: true});

/**
 * Refuses up front (invalid, with Node's code) a runner's own parameter outside its domain, like one of the
 * implementation's, before anything starts: 0 to 2147483647, whole for a count.
 * @param {Record<string, unknown>} params
 */
export function checkRunnerParams(params) {
  for (const [name, whole] of Object.entries(RUNNER_PARAMS)) {
    if (!(name in params)) continue;
    const value = params[name];
    if (typeof value !== 'number' || !(value >= 0 && value <= LONGEST_MS) || (whole && !Number.isInteger(value))) {
      const kind = whole ? 'an integer' : 'a number';
      throw Object.assign(new RangeError(`\`${name}\` must be ${kind} from 0 to ${LONGEST_MS}, got ${value}`), {code: 'ERR_OUT_OF_RANGE'});
    }
  }
}

/** @param {unknown} value */
const identity = (value) => value;

/**
 * connection-pool: an invocation of key `close` closes the pool; any other borrows a connection for
 * the call of its key, recording `acquire` and `release` of that connection around the call. Both
 * get the invocation's signal: a cancelled close stops waiting (the pool stays closing).
 * @param {any} pool
 * @param {string} key
 * @param {Instruments} ins
 * @param {AbortSignal} signal
 */
async function poolInvocation(pool, key, ins, signal) {
  if (key === 'close') {
    await pool.close({signal});
    return null;
  }
  return pool.withConnection(
    async (/** @type {import('./instruments.js').Resource} */ connection, /** @type {{signal?: AbortSignal}} */ options) => {
      ins.mark('acquire', connection);
      try {
        return await ins.operation(key, options?.signal);
      } catch (error) {
        // A fatal failure: the connection is lost, as a driver marks it.
        if (/** @type {{code?: unknown}} */ (error)?.code === 'EACCES') connection.broken = true;
        throw error;
      } finally {
        ins.mark('release', connection);
      }
    },
    {signal},
  );
}

/**
 * A pattern over items calls `operation(item, {signal})`; the injected one takes `(key, signal)`.
 * @param {Instruments} ins
 */
const itemOperation = (ins) => (/** @type {unknown} */ item, /** @type {{signal?: AbortSignal}} */ options) =>
  ins.operation(item, options?.signal);

/**
 * The runner's producer (spec/PROTOCOL.md section 8): its n-th item is produced by operation call `produce#n`.
 * @param {Instruments} ins
 * @param {unknown[]} items
 */
const producer = (ins, items) =>
  async function* produce(/** @type {{signal?: AbortSignal}} */ {signal} = {}) {
    for (const item of items) {
      await ins.operation('produce', signal);
      yield item;
    }
  };

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

/**
 * The async-stream source (spec/PROTOCOL.md section 8): opens `source` on the first pull, yields
 * `length` items, the n-th the value of call `item#n` (which honours the signal it is made with),
 * and closes `source` in its `finally` -- at its end, on a failure, or when `return()` is called.
 * @param {Instruments} ins
 * @param {number} length
 */
const streamSource = (ins, length) =>
  async function* source(/** @type {{signal?: AbortSignal}} */ {signal} = {}) {
    const resource = await ins.openResource('source');
    try {
      for (let i = 0; i < length; i++) yield await ins.operation('item', signal);
    } finally {
      await resource[Symbol.asyncDispose]();
    }
  };

/**
 * The owner of the background tasks (spec/PROTOCOL.md section 8): its shutdown comes at
 * `shutdown_at_ms` on a timer armed before the tasks start (so a failure due at that instant
 * comes after it); its error handler records each error it gets (trace event `report`) and, with
 * `handler_fails`, throws it back. Resolves to the errors reported, in order.
 * @param {Implementation} impl
 * @param {Instruments} ins
 * @param {Record<string, any>} p
 * @param {AbortSignal} signal
 */
async function inBackground(impl, ins, p, signal) {
  const at = p.shutdown_at_ms;
  if (typeof at !== 'number' || !(at >= 0 && at <= LONGEST_MS)) {
    throw Object.assign(new RangeError(`Expected \`shutdown_at_ms\` to be a number from 0 to ${LONGEST_MS}, got ${at}`), {code: 'ERR_OUT_OF_RANGE'});
  }
  if (typeof p.handler_fails !== 'boolean') throw invalidArgument(`Expected \`handler_fails\` to be a boolean, got ${p.handler_fails}`);
  /** @type {unknown[]} */
  const reported = [];
  const onError = (/** @type {unknown} */ error) => {
    ins.report(error);
    reported.push(error);
    if (p.handler_fails) throw error;
  };
  const owner = new AbortController();
  const timer = runnerTimeout(() => owner.abort(), at);
  try {
    await impl(itemOperation(ins), p.items, onError, {shutdown: owner.signal, signal});
  } finally {
    clearTimeout(timer);
  }
  return reported;
}


/**
 * Strings by code point, as Python's `sorted` and the C# runner order them (not by UTF-16 unit).
 * @param {string} a
 * @param {string} b
 */
function byCodePoint(a, b) {
  const [x, y] = [Array.from(a, (c) => /** @type {number} */ (c.codePointAt(0))), Array.from(b, (c) => /** @type {number} */ (c.codePointAt(0)))];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * The jobs as [key, instant], refused like Node's validators outside their domain (PROTOCOL.md section 8).
 * @param {unknown} jobs
 * @param {unknown} shutdownAtMs
 * @returns {[string, number][]}
 */
function arrivals(jobs, shutdownAtMs) {
  const entries = Object.entries(/** @type {Record<string, unknown>} */ (jobs ?? {}));
  for (const [name, instant] of [['shutdown_at_ms', shutdownAtMs], ...entries.map(([key, at]) => [`jobs.${key}`, at])]) {
    if (!Number.isInteger(instant) || !(Number(instant) >= 0 && Number(instant) <= LONGEST_MS)) {
      throw Object.assign(new RangeError(`\`${name}\` must be an integer from 0 to ${LONGEST_MS}, got ${instant}`), {code: 'ERR_OUT_OF_RANGE'});
    }
  }
  return /** @type {[string, number][]} */ (entries);
}

/**
 * The service's caller (graceful-shutdown): submits each job at its instant and asks for the
 * shutdown at `shutdown_at_ms`. The shutdown is armed before the arrivals, so a job due at the
 * shutdown's instant comes after it (rejected, the spec's R2); the result comes once the service
 * has settled and every job has arrived.
 * @param {Implementation} impl
 * @param {Instruments} ins
 * @param {Record<string, any>} p
 * @param {AbortSignal} signal
 */
async function serveJobs(impl, ins, p, signal) {
  const jobs = arrivals(p.jobs, p.shutdown_at_ms);
  const service = /** @type {{submit(key: string): void, shutdown(): void, run(options: {signal: AbortSignal}): Promise<any>}} */ (
    impl(itemOperation(ins), () => ins.openResource('service'), {drainMs: p.drain_ms})
  );
  /** @type {string[]} */
  const rejected = [];
  /** @type {unknown[]} */
  const errors = [];
  let pending = jobs.length;
  /** @type {() => void} */
  let allArrived = () => {};
  const arrived = new Promise((resolve) => {
    allArrived = () => resolve(undefined);
  });
  if (pending === 0) allArrived();
  const timers = [runnerTimeout(() => service.shutdown(), p.shutdown_at_ms)];
  for (const [key, at] of jobs) {
    timers.push(
      runnerTimeout(() => {
        try {
          service.submit(key);
        } catch (error) {
          if (/** @type {{code?: unknown}} */ (error)?.code === 'ERR_SERVICE_STOPPED') rejected.push(key);
          else errors.push(error); // not the rejection error: the pattern's outcome
        }
        if (--pending === 0) allArrived();
      }, at),
    );
  }
  /** @type {(() => void) | undefined} */
  let unhook;
  try {
    const report = await service.run({signal});
    await Promise.race([
      arrived,
      new Promise((_, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, {once: true});
        unhook = () => signal.removeEventListener('abort', onAbort);
      }),
    ]);
    if (errors.length > 0) throw errors[0];
    /** @param {unknown} keys */
    const sorted = (keys) => Array.from(/** @type {Iterable<string>} */ (keys ?? []), String).sort(byCodePoint);
    return {
      completed: sorted(report?.completed),
      failed: sorted(report?.failed),
      cancelled: sorted(report?.cancelled),
      rejected: sorted(rejected),
    };
  } finally {
    unhook?.();
    for (const timer of timers) clearTimeout(timer);
  }
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
  'circuit-breaker': {
    reference: /** @type {any} */ (CircuitBreakerPolicy), // a class: `create` builds it
    params: ['failure_threshold', 'break_ms'],
    defaults: {failure_threshold: 5, break_ms: 30000},
    invoke: () => {
      throw new Error('circuit-breaker is invoked many times: `create` and `call`');
    },
    create: (impl, p) => new (/** @type {any} */ (impl))({failureThreshold: p.failure_threshold, breakMs: p.break_ms}),
    call: (breaker, operation, signal) => breaker.execute(operation, {signal}),
    toJson: identity,
  },
  'async-stream': {
    reference: consumeStream,
    params: ['take', 'length', 'close_ms'],
    defaults: {take: 3, length: 5, close_ms: 5},
    invoke: (impl, ins, p, signal) =>
      impl(
        streamSource(ins, p.length),
        p.take,
        (/** @type {unknown} */ _item, /** @type {{signal?: AbortSignal}} */ options) => ins.operation('use', options?.signal),
        {signal},
      ),
    toJson: identity,
  },
  'async-lock': {
    reference: /** @type {any} */ (GuardedCounter), // a class: `create` builds it
    params: [],
    defaults: {},
    invoke: () => {
      throw new Error('async-lock is invoked many times: `create` and `call`');
    },
    create: (impl) => new (/** @type {any} */ (impl))(),
    call: (counter, operation, signal) => counter.increment(operation, {signal}),
    toJson: identity,
  },
  'connection-pool': {
    reference: /** @type {any} */ (ConnectionPool), // a class: `create` builds it
    params: ['size', 'acquire_timeout_ms', 'close_timeout_ms', 'close_ms'],
    defaults: {size: 10, acquire_timeout_ms: 30000, close_timeout_ms: 10000, close_ms: 0},
    invoke: () => {
      throw new Error('connection-pool is invoked many times: `create` and `call`');
    },
    create: (impl, p, ins) =>
      new (/** @type {any} */ (impl))(
        async (/** @type {{signal?: AbortSignal}} */ {signal} = {}) => {
          await ins.operation('open', signal); // the open's time and failure come from the plan
          return ins.openResource('conn');
        },
        {size: p.size, acquireTimeoutMs: p.acquire_timeout_ms, closeTimeoutMs: p.close_timeout_ms},
      ),
    call: (pool, _operation, signal, key, ins) => poolInvocation(pool, key, ins, signal),
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
  racing: {
    reference: race,
    params: ['items', 'hedge_ms'],
    defaults: {items: ['a', 'b', 'c'], hedge_ms: 0},
    invoke: (impl, ins, p, signal) => impl(itemOperation(ins), p.items, {hedgeMs: p.hedge_ms, signal}),
    toJson: identity,
  },
  'unobserved-failures': {
    reference: runInBackground,
    params: ['items', 'shutdown_at_ms', 'handler_fails'],
    defaults: {items: ['a', 'b', 'c'], shutdown_at_ms: 100, handler_fails: false},
    invoke: inBackground,
    toJson: (value, ins) => /** @type {unknown[]} */ (value).map((error) => describeError(error, ins.origin)),
  },
  backpressure: {
    reference: runPipeline,
    params: ['items', 'capacity', 'workers'],
    defaults: {items: ['a', 'b', 'c', 'd', 'e'], capacity: 2, workers: 2},
    invoke: (impl, ins, p, signal) =>
      impl(producer(ins, p.items), itemOperation(ins), {capacity: p.capacity, workers: p.workers, signal}),
    toJson: identity,
  },
  'graceful-shutdown': {
    reference: createJobService,
    params: ['jobs', 'shutdown_at_ms', 'drain_ms', 'close_ms'],
    defaults: {jobs: {a: 0, b: 10, c: 30}, shutdown_at_ms: 40, drain_ms: 50, close_ms: 5},
    invoke: serveJobs,
    toJson: identity,
  },
};
