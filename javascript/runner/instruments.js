/**
 * What the runner injects into a pattern: the planned operation and instrumented resources.
 *
 * Both record a trace (`call`/`ok`/`fail`/`cancel`, `open`/`close`) stamped with the run's clock in
 * whole milliseconds; the reference code is never asked to log anything (spec/PROTOCOL.md sections
 * 3, 4 and 7).
 * @module
 */

import {makeError} from './errors.js';
import {runnerTimeout} from './virtual-clock.js';

/** @typedef {{t: number, ev: string, key: string, n: number, kind?: string, lag?: number}} TraceEvent */

/**
 * One step of the plan (spec/PROTOCOL.md section 3).
 * @typedef {object} Step
 * @property {number} [after_ms]
 * @property {unknown} [ok]
 * @property {import('./errors.js').Kind} [fail]
 * @property {string} [message]
 * @property {boolean} [hang]
 * @property {number} [cancel_ms]
 */

/** @typedef {Record<string, Step[]>} Plan */

/**
 * @typedef {object} InstrumentsOptions
 * @property {() => number} now The run's clock, in whole ms since the run started.
 * @property {Record<string, unknown>} params The run's parameters (`close_ms` is read here).
 * @property {number[]} random The values `draw()` hands out, in order.
 * @property {number} maxCalls Operation calls beyond this never complete.
 */

export class Instruments {
  /** @type {TraceEvent[]} */
  trace = [];
  /** Set when a call beyond `maxCalls` was parked. */
  limitReached = false;
  /** @type {Map<string, (reason: unknown) => void>} tag -> stop that call, for calls in flight */
  #inFlight = new Map();
  /** @type {Set<string>} */
  #openResources = new Set();
  /** @type {WeakMap<object, string>} error -> the call that raised it, by identity */
  #raised = new WeakMap();
  /** @type {Map<string, number>} */
  #calls = new Map();
  /** @type {Map<string, number>} */
  #opens = new Map();
  #totalCalls = 0;
  /** @type {{filename: string} | undefined} The blocking work of the run (blocking.js), for a pattern that takes one. */
  blockingWork;
  /** How many values the pattern drew from the random source (the answer's `random_draws`). */
  draws = 0;
  #plan;
  #options;

  /**
   * @param {Plan} plan
   * @param {InstrumentsOptions} options
   */
  constructor(plan, options) {
    this.#plan = plan;
    this.#options = options;
  }

  // -- recording ----------------------------------------------------------------------------------

  /**
   * @param {string} ev
   * @param {string} key
   * @param {number} n
   * @param {{kind?: string}} [extra]
   */
  #record(ev, key, n, extra = {}) {
    this.trace.push({t: this.#options.now(), ev, key, n, ...extra});
  }

  /**
   * `"key#n"` when `error` is the very object an operation call raised.
   * @param {unknown} error
   * @returns {string | undefined}
   */
  origin = (error) => {
    if (typeof error !== 'object' || error === null) return undefined;
    const raised = this.#raised.get(error);
    if (raised !== undefined) return raised;
    // Across a worker boundary identity cannot hold: an error that came back with the stamp of the
    // call that raised it in a worker, and that call's message, is that error, unchanged
    // (spec/PROTOCOL.md section 6).
    const stamp = /** @type {{asyncconfCall?: unknown}} */ (error).asyncconfCall;
    if (typeof stamp === 'string' && error instanceof Error && this.#workerRaised.get(stamp) === error.message) return stamp;
    return undefined;
  };

  /**
   * The error handler got `error`: records `report` under the call that raised this very object
   * (key `?`, n 0, when it came from no call: a wrapped or re-created error).
   * @param {unknown} error
   */
  report = (error) => {
    const origin = this.origin(error);
    const at = origin === undefined ? -1 : origin.lastIndexOf('#');
    if (origin === undefined) this.#record('report', '?', 0);
    else this.#record('report', origin.slice(0, at), Number(origin.slice(at + 1)));
  };

  /** What is still going on now: operations in flight and resources not closed, sorted. */
  leaks() {
    return [
      ...[...this.#inFlight.keys()].sort().map((tag) => `operation ${tag} still running`),
      ...[...this.#openResources].sort().map((tag) => `resource ${tag} not closed`),
    ];
  }

  get inFlightCount() {
    return this.#inFlight.size;
  }

  /**
   * Cancel every call still in flight, as if its signal had aborted (the runner's cleanup after
   * the pattern settled or ran out of time: nothing may spill into the next run).
   */
  cancelLeftovers() {
    const reason = new DOMException('the run is over', 'AbortError');
    for (const stop of [...this.#inFlight.values()]) stop(reason);
  }

  // -- the injected operation ---------------------------------------------------------------------

  /**
   * Call number n of `key` plays the plan's n-th step for that key (the last one repeats); it
   * stops when `signal` aborts, after the step's `cancel_ms`, rejecting with `signal.reason`.
   * @param {unknown} item
   * @param {AbortSignal} [signal]
   * @returns {Promise<unknown>}
   */
  operation = (item, signal) => {
    const key = String(item);
    const steps = this.#plan[key] ?? this.#plan['*'];
    if (!steps || steps.length === 0) {
      return Promise.reject(new RangeError(`the plan has no steps for key ${JSON.stringify(key)} and no '*' entry`));
    }
    const n = (this.#calls.get(key) ?? 0) + 1;
    this.#calls.set(key, n);
    if (++this.#totalCalls > this.#options.maxCalls) {
      // Park the caller for good: the run ends at its limit as "unfinished". Failing instead
      // would feed a retry loop that catches everything.
      this.limitReached = true;
      return new Promise(() => {});
    }
    const step = steps[Math.min(n, steps.length) - 1];
    const tag = `${key}#${n}`;
    this.#record('call', key, n);
    return new Promise((resolve, reject) => {
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      let stopping = false;
      const onAbort = () => stop(signal?.reason);
      const detach = () => {
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      };
      const complete = () => {
        if (stopping || !this.#inFlight.has(tag)) return;
        detach();
        this.#inFlight.delete(tag);
        if (step.fail !== undefined) {
          const error = makeError(step.fail, step.message ?? `${step.fail} failure of ${tag}`);
          this.#raised.set(error, tag);
          this.#record('fail', key, n, {kind: step.fail});
          reject(error);
        } else {
          this.#record('ok', key, n);
          resolve(step.ok === undefined ? null : step.ok);
        }
      };
      /** @param {unknown} reason */
      const stop = (reason) => {
        if (stopping || !this.#inFlight.has(tag)) return;
        stopping = true;
        detach();
        const stopped = () => {
          this.#inFlight.delete(tag);
          this.#record('cancel', key, n);
          reject(reason);
        };
        // An operation that takes a while to stop once cancelled.
        if (step.cancel_ms) timer = runnerTimeout(stopped, step.cancel_ms);
        else stopped();
      };
      this.#inFlight.set(tag, stop);
      if (signal?.aborted) return stop(signal.reason);
      signal?.addEventListener('abort', onAbort, {once: true});
      if (step.hang) return;
      // On a timer even for after_ms 0: calls that settle at one instant settle one at a time, in
      // the order they started (spec/PROTOCOL.md sections 3 and 5). The virtual clock keeps a 0 ms
      // timer at 0 ms; Node's real one waits 1 ms, within the real clock's tolerance. The plan's
      // delays are the runner's timers, not work the pattern left pending.
      timer = runnerTimeout(complete, step.after_ms ?? 0);
    });
  };

  // -- the injected blocking work (blocking.js blocks; this plays the plan) ------------------------

  /** The run's clock: whole ms since the run started. */
  now = () => this.#options.now();

  /** @type {Map<string, string>} tag -> message, of the failures raised in a worker */
  #workerRaised = new Map();

  /**
   * A blocking call of `key` starts: records `call`; its step and call number. It cannot be
   * cancelled: the runner's cleanup waits for its end.
   * @param {string} key
   * @param {number} [at] When it started, if earlier than now (the run's clock): recorded in its place.
   * @returns {{step: Step, n: number}}
   */
  startBlocking(key, at) {
    const steps = this.#plan[key] ?? this.#plan['*'];
    if (!steps || steps.length === 0) throw new RangeError(`the plan has no steps for key ${JSON.stringify(key)} and no '*' entry`);
    const n = (this.#calls.get(key) ?? 0) + 1;
    this.#calls.set(key, n);
    this.#totalCalls++;
    if (at === undefined) {
      this.#record('call', key, n);
    } else {
      let index = this.trace.length;
      while (index > 0 && this.trace[index - 1].t > at) index--;
      this.trace.splice(index, 0, {t: at, ev: 'call', key, n});
    }
    this.#inFlight.set(`${key}#${n}`, () => {});
    return {step: steps[Math.min(n, steps.length) - 1], n};
  }

  /**
   * The blocking call ends as its step says: records `ok` or `fail`.
   * @param {string} key
   * @param {number} n
   * @param {Step} step
   * @returns {{ok: unknown} | {fail: import('./errors.js').Kind, message: string, call: string}}
   */
  endBlocking(key, n, step) {
    const tag = `${key}#${n}`;
    this.#inFlight.delete(tag);
    if (step.fail !== undefined) {
      const message = step.message ?? `${step.fail} failure of ${tag}`;
      this.#workerRaised.set(tag, message);
      this.#record('fail', key, n, {kind: step.fail});
      return {fail: step.fail, message, call: tag};
    }
    this.#record('ok', key, n);
    return {ok: step.ok === undefined ? null : step.ok};
  }

  /**
   * The error of a failed blocking call that ran on this thread (`from` by identity).
   * @param {{fail: import('./errors.js').Kind, message: string, call: string}} ended
   */
  blockingError(ended) {
    const error = makeError(ended.fail, ended.message);
    this.#raised.set(error, ended.call);
    return error;
  }

  /**
   * A blocking call stopped before its end: its worker was terminated. Records `cancel`.
   * @param {string} key
   * @param {number} n
   */
  stopBlocking(key, n) {
    this.#inFlight.delete(`${key}#${n}`);
    this.#record('cancel', key, n);
  }

  /**
   * The runner's heartbeat on the loop beat, `lag` ms late.
   * @param {number} n
   * @param {number} lag
   */
  recordBeat(n, lag) {
    this.trace.push({t: this.#options.now(), ev: 'beat', key: 'heartbeat', n, lag});
  }

  // -- instrumented resources ---------------------------------------------------------------------

  /**
   * Opens the resource `name`: records `open`; its `[Symbol.asyncDispose]()` takes `close_ms` and
   * then records `close`.
   * @param {string} name
   * @returns {Promise<Resource>}
   */
  async openResource(name) {
    const n = (this.#opens.get(name) ?? 0) + 1;
    this.#opens.set(name, n);
    this.#record('open', name, n);
    this.#openResources.add(`${name}#${n}`);
    const closeMs = Number(this.#options.params.close_ms ?? 0);
    return new Resource(name, n, async () => {
      if (closeMs > 0) await new Promise((resolve) => runnerTimeout(() => resolve(undefined), closeMs));
      this.#openResources.delete(`${name}#${n}`);
      this.#record('close', name, n);
    });
  }

  /**
   * Records `ev` (a pool's `acquire` / `release`) under `resource`'s name and number.
   * @param {string} ev
   * @param {Resource} resource
   */
  mark(ev, resource) {
    this.#record(ev, resource.name, resource.n);
  }

  // -- injected randomness ------------------------------------------------------------------------

  /**
   * The scenario's `random` values, in order; past them the last one again (0.5 if none). Never
   * throws: a draw past the supplied values is the runner's to report (`draws`, the answer's
   * `random_draws`) and the checker's to judge, not an outcome of the pattern (spec/PROTOCOL.md
   * section 3).
   */
  draw = () => {
    const values = this.#options.random;
    this.draws += 1;
    return values.length === 0 ? 0.5 : values[Math.min(this.draws, values.length) - 1];
  };
}

/** A resource released by `await resource[Symbol.asyncDispose]()`. */
export class Resource {
  #close;

  /**
   * @param {string} name
   * @param {number} n
   * @param {() => Promise<void>} close
   */
  constructor(name, n, close) {
    this.name = name;
    this.n = n;
    this.#close = close;
    /** A connection's last use failed fatally (connection-pool): it must not be used again. */
    this.broken = false;
  }

  /** Closes the resource: completes `close_ms` later. */
  [Symbol.asyncDispose]() {
    return this.#close();
  }
}
