/**
 * The mistakes a circuit breaker exists to prevent: the reference with one decision changed each,
 * with its constructor and `execute`.
 * @module
 */

import {CircuitBreakerPolicy} from '../circuit-breaker.js';

/** Counts nothing: every call goes through, however often the operation fails. */
export class NeverOpens extends CircuitBreakerPolicy {
  /** @override @param {number} _now */
  failed(_now) {}
}

/** Once open stays open: no half-open trial after the break. */
export class NeverCloses extends CircuitBreakerPolicy {
  /** @override @param {number} _now */
  breakOver(_now) {
    return false;
  }
}

/** After the break lets every call through instead of one trial at a time. */
export class HalfOpenLetsAllThrough extends CircuitBreakerPolicy {
  /** @override */
  get trialRunning() {
    return false;
  }

  /** @override */
  set trialRunning(_value) {}
}

/** Counts the caller's cancellation as a failure of the operation. */
export class CountsCancellations extends CircuitBreakerPolicy {
  /**
   * @override
   * @template T
   * @param {(options: {signal?: AbortSignal}) => Promise<T> | T} fn
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<T>}
   */
  async execute(fn, {signal} = {}) {
    try {
      return await super.execute(fn, {signal});
    } catch (error) {
      if (signal?.aborted && this.state !== 'open') this.failed(performance.now());
      throw error;
    }
  }
}

/** Counts every failure since the circuit closed, not consecutive ones: a success resets nothing. */
export class NeverResetsCount extends CircuitBreakerPolicy {
  /** @override */
  succeeded() {
    if (this.state === 'half-open') this.change('closed');
  }
}

/** Forgets a trial its caller cancelled: the trial slot stays taken and every later call is refused. */
export class CancelledTrialSticks extends CircuitBreakerPolicy {
  /**
   * @override
   * @template T
   * @param {(options: {signal?: AbortSignal}) => Promise<T> | T} fn
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<T>}
   */
  async execute(fn, {signal} = {}) {
    const trial = this.state === 'half-open' || (this.state === 'open' && this.breakOver(performance.now()));
    try {
      return await super.execute(fn, {signal});
    } catch (error) {
      if (trial && signal?.aborted && this.state === 'half-open') this.trialRunning = true;
      throw error;
    }
  }
}

/** Reports the operation's failure wrapped in an error of its own instead of unchanged. */
export class WrapsFailure extends CircuitBreakerPolicy {
  /**
   * @override
   * @template T
   * @param {(options: {signal?: AbortSignal}) => Promise<T> | T} fn
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<T>}
   */
  async execute(fn, {signal} = {}) {
    try {
      return await super.execute(fn, {signal});
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'BrokenCircuitError' || name === 'AbortError') throw error;
      throw new Error('the call through the circuit failed', {cause: error});
    }
  }
}

/** Takes a threshold below 1 or a negative break without refusing it. */
export class AcceptsInvalidOptions extends CircuitBreakerPolicy {
  /** @override @param {number} _failureThreshold @param {number} _breakMs */
  checkOptions(_failureThreshold, _breakMs) {}
}
