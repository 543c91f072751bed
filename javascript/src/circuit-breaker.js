/**
 * Circuit breaker: closed, open, half-open (spec: `spec/patterns/circuit-breaker.yaml`), in the
 * shape of cockatiel's `CircuitBreakerPolicy`: one policy shared by every caller of `execute`.
 *
 * Guarantees (the spec's rules):
 * - R1: while closed, every call runs the operation: its value comes back, its failure propagates unchanged.
 * - R2: `failureThreshold` consecutive counted failures open the circuit, at the instant the last of
 *   them fails; a success while closed starts the count again.
 * - R3: while open, a call rejects at once with a `BrokenCircuitError` and the operation is not called.
 * - R4: from `breakMs` after the circuit opened -- that very instant included -- the next call is the
 *   one trial; a call made while the trial runs is refused like one while open.
 * - R5: the trial's success closes the circuit; its counted failure opens it again for another `breakMs`.
 * - R6, R7: every failure of the operation counts, its own `AbortError` too (one its signal did not
 *   ask for); the caller's abort never counts, and a trial its caller aborted makes the next call the trial.
 * - R8: an outcome counts only in the state its call was let through in.
 * - R9: `failureThreshold` is an integer from 1 to 2147483647, `breakMs` a number from 0 to
 *   2147483647; anything else throws at once (`ERR_OUT_OF_RANGE` / `ERR_INVALID_ARG_VALUE`).
 * @module
 */

import {checkFunction, invalidArgument, LARGEST_COUNT, LONGEST_MS} from './common/arguments.js';

/** The circuit is open (or its one trial is running): the call was refused and the operation not called (cockatiel's name). */
export class BrokenCircuitError extends Error {
  /** @param {string} [message] */
  constructor(message = 'Execution prevented because the circuit breaker is open') {
    super(message);
    this.name = 'BrokenCircuitError';
  }
}

/** @typedef {'closed' | 'open' | 'half-open'} CircuitState */

export class CircuitBreakerPolicy {
  #threshold;
  #breakMs;
  /** @type {CircuitState} */
  #state = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialRunning = false;
  /** Bumped at every change of state: an outcome of an older one changes nothing (R8). */
  #generation = 0;

  /**
   * @param {{failureThreshold?: number, breakMs?: number}} [options] `failureThreshold`: consecutive
   *   failures that open the circuit (default 5, the spec's); `breakMs`: how long it stays open
   *   before a trial, in ms (default 30000, the spec's).
   */
  constructor({failureThreshold = 5, breakMs = 30_000} = {}) {
    this.checkOptions(failureThreshold, breakMs);
    this.#threshold = failureThreshold;
    this.#breakMs = breakMs;
  }

  /**
   * Refuses options out of their domain (R9), before anything else.
   * @protected
   * @param {number} failureThreshold
   * @param {number} breakMs
   */
  checkOptions(failureThreshold, breakMs) {
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1 || failureThreshold > LARGEST_COUNT) {
      throw invalidArgument(`Expected \`failureThreshold\` to be an integer from 1 to ${LARGEST_COUNT}, got ${String(failureThreshold)}`);
    }
    if (typeof breakMs !== 'number' || !(breakMs >= 0 && breakMs <= LONGEST_MS)) {
      throw invalidArgument(`Expected \`breakMs\` to be a number from 0 to ${LONGEST_MS}, got ${String(breakMs)}`);
    }
  }

  /** @returns {CircuitState} */
  get state() {
    return this.#state;
  }

  /**
   * Runs `fn` through the circuit (see the module's guarantees).
   * @template T
   * @param {(options: {signal?: AbortSignal}) => Promise<T> | T} fn The operation; it gets the caller's signal.
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
   * @returns {Promise<T>}
   */
  async execute(fn, {signal} = {}) {
    checkFunction('fn', fn);
    signal?.throwIfAborted();
    if (this.#state === 'open' && this.breakOver(performance.now())) this.change('half-open');
    if (this.#state === 'open' || (this.#state === 'half-open' && this.trialRunning)) {
      throw new BrokenCircuitError(`Execution prevented because the circuit breaker is ${this.#state}`);
    }
    const trial = this.#state === 'half-open';
    const generation = this.#generation;
    if (trial) this.trialRunning = true;
    let result;
    try {
      result = await fn({signal});
    } catch (error) {
      if (generation === this.#generation) {
        // The caller's abort says nothing about the dependency (R6): a trial's slot is freed.
        if (signal?.aborted) {
          if (trial) this.trialRunning = false;
        } else {
          this.failed(performance.now());
        }
      }
      throw error;
    }
    if (generation === this.#generation) this.succeeded();
    return result;
  }

  /**
   * Whether the break is over at `now` (ms).
   * @protected
   * @param {number} now
   */
  breakOver(now) {
    return now - this.#openedAt >= this.#breakMs;
  }

  /**
   * A counted failure at `now` (ms).
   * @protected
   * @param {number} now
   */
  failed(now) {
    if (this.#state === 'half-open' || ++this.#failures >= this.#threshold) {
      this.#openedAt = now;
      this.change('open');
    }
  }

  /** @protected */
  succeeded() {
    if (this.#state === 'half-open') this.change('closed');
    this.#failures = 0;
  }

  /**
   * @protected
   * @param {CircuitState} state
   */
  change(state) {
    this.#state = state;
    this.#failures = 0;
    this.trialRunning = false;
    this.#generation += 1;
  }

  /** @protected Whether a trial is running; an anti-pattern overrides it. */
  get trialRunning() {
    return this.#trialRunning;
  }

  /** @protected */
  set trialRunning(value) {
    this.#trialRunning = value;
  }
}
