/**
 * cockatiel (`retry(handleWhen, {maxAttempts, backoff: ExponentialBackoff})`) as the spec's
 * retry-backoff.
 *
 * Adapted: `maxAttempts` -> `maxAttempts: maxAttempts - 1` (cockatiel counts retries);
 * `baseDelayMs` -> `initialDelay`, `factor` -> `exponent`, `maxDelayMs` -> `maxDelay`, with
 * `noJitterGenerator`; only transient and timeout errors are handled (`handleWhen`); the
 * caller's signal -> `execute`'s, whose signal reaches each attempt. cockatiel sleeps with
 * `setTimeout`: it runs on the virtual clock as it is.
 *
 * Jitter: cockatiel's own generators draw from `Math.random` with other formulas, but
 * `ExponentialBackoff` takes any `generator` (a documented hook): the spec's proportional
 * jitter -- cockatiel's own delay times `0.5 + u`, `u` the scenario's draws -- is given through
 * it. The delay before the jitter is cockatiel's (`noJitterGenerator`); the `0.5 + u` is the adapter's.
 *
 * And `timeout(timeoutMs, TimeoutStrategy.Aggressive)` as the spec's timeout: its "no result" --
 * a `TaskCancelledError` -- is the spec's `null`; the caller's signal -> `execute`'s, whose
 * signal (aborted at the limit) reaches the operation. Aggressive: the strategy that ends the
 * wait at the limit whether or not the operation stops (Cooperative only aborts the signal).
 *
 * And `circuitBreaker(handleAll, {halfOpenAfter, breaker: ConsecutiveBreaker})` as the spec's
 * circuit-breaker (invoked many times: one policy, one `execute` per invocation): `failureThreshold`
 * -> `new ConsecutiveBreaker(failureThreshold)`, `breakMs` -> `halfOpenAfter`; `handleAll`, the
 * default of the docs' examples (every error counts, as R6 says -- the caller's abort included);
 * the caller's signal -> `execute`'s, which reaches the operation. cockatiel reads `Date.now()`,
 * which the virtual clock fakes: it runs on the virtual clock as it is. Its refusal, a
 * `BrokenCircuitError`, carries `isBrokenCircuitError: true` (the runner's `circuit-open`).
 * @module
 */

import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  noJitterGenerator,
  retry as retryPolicy,
  TaskCancelledError,
  timeout as timeoutPolicy,
  TimeoutStrategy,
} from 'cockatiel';
import {isRetryable} from './retryable.js';

/**
 * @template T
 * @param {(options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {{maxAttempts: number, baseDelayMs: number, factor: number, maxDelayMs: number, jitter: string, random: () => number, signal?: AbortSignal}} options
 */
export function retry(operation, {maxAttempts, baseDelayMs, factor, maxDelayMs, jitter, random, signal}) {
  /** @type {import('cockatiel').GeneratorFn<number>} */
  const jittered = (state, options) => {
    const [delay, next] = noJitterGenerator(state, options);
    return [delay * (0.5 + random()), next];
  };
  const backoff = new ExponentialBackoff({
    initialDelay: baseDelayMs,
    exponent: factor,
    maxDelay: maxDelayMs,
    generator: jitter === 'none' ? noJitterGenerator : jittered,
  });
  const policy = retryPolicy(handleWhen(isRetryable), {maxAttempts: maxAttempts - 1, backoff});
  return policy.execute(({signal: attemptSignal}) => operation({signal: attemptSignal}), signal);
}

const NO_REFUSAL = 'takes a value the spec refuses up front (PROTOCOL.md section 8) and retries with it';
const RACE =
  'at the limit it aborts the signal, then races the operation against its own `TaskCancelledError`: an operation that stops at once loses no time and wins -- the timeout comes out as the operation\'s `AbortError`, a cancellation';
const NO_EXPONENT = '`noJitterGenerator` computes `initialDelay * 2 ** attempts`: the `exponent` option is ignored';

/**
 * @template T
 * @param {(options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {number} timeoutMs
 * @param {{signal?: AbortSignal}} [options]
 */
export async function withTimeout(operation, timeoutMs, {signal} = {}) {
  try {
    return await timeoutPolicy(timeoutMs, TimeoutStrategy.Aggressive).execute(({signal: opSignal}) => operation({signal: opSignal}), signal);
  } catch (error) {
    if (error instanceof TaskCancelledError) return null; // its "no result"
    throw error;
  }
}

/** One cockatiel circuit breaker, shared by every invocation (the reference's shape: `CircuitBreakerPolicy`). */
export class CircuitBreaker {
  /** @param {{failureThreshold: number, breakMs: number}} options */
  constructor({failureThreshold, breakMs}) {
    this.policy = circuitBreaker(handleAll, {halfOpenAfter: breakMs, breaker: new ConsecutiveBreaker(failureThreshold)});
  }

  /**
   * @template T
   * @param {(options: {signal?: AbortSignal}) => Promise<T>} operation
   * @param {{signal?: AbortSignal}} [options]
   */
  execute(operation, {signal} = {}) {
    return this.policy.execute(({signal: callSignal}) => operation({signal: callSignal}), signal);
  }
}

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'cockatiel',
    pattern: 'retry-backoff',
    api: 'retry(handleWhen, ExponentialBackoff)',
    implementation: retry,
    notApplicable: (scenario) =>
      ['none', 'proportional'].includes(String(scenario.params.jitter)) ? null : "a jitter name is the spec's: cockatiel takes a generator (the adapter's), so no name to refuse",
    why: {
      'max-attempts-past-the-largest-is-invalid': NO_REFUSAL,
      'fractional-max-attempts-is-invalid': NO_REFUSAL,
      'base-delay-ms-past-the-largest-is-invalid': NO_REFUSAL,
      'negative-base-delay-ms-is-invalid': NO_REFUSAL,
      'negative-max-delay-ms-is-invalid': NO_REFUSAL,
      'delay-is-capped': NO_EXPONENT,
      'jitter-rounds-half-up': NO_EXPONENT,
      'cancelled-during-backoff': 'its sleep between attempts does not listen to the signal: the next attempt starts after the caller cancelled (it is then cancelled at once)',
      'zero-attempts-is-invalid': '`maxAttempts: -1` is taken: one attempt, no retry',
      'factor-below-one-is-invalid': NO_REFUSAL,
      'delay-past-the-longest-timer-is-invalid': NO_REFUSAL,
    },
  },
  {
    library: 'cockatiel',
    pattern: 'timeout',
    api: 'timeout(TimeoutStrategy.Aggressive)',
    implementation: withTimeout,
    why: {
      'exceeds-limit': RACE,
      'completes-at-the-limit': RACE,
      'fractional-limit-rounds-half-up': RACE,
      'slow-to-stop': 'Aggressive does not wait for the operation to stop: no result at the limit, the operation still stopping',
      'limit-expires-while-a-cancelled-operation-stops':
        'the caller\'s abort aborts the same signal as its limit, and the operation stops slowly: the race gives cockatiel\'s `TaskCancelledError`, its "no result" -- a cancellation read as a timeout, before the operation stopped',
      'zero-limit-is-invalid': '`timeout(0)` is taken: the signal aborts at once, and the operation\'s `AbortError` comes out (as at any limit)',
      'negative-limit-is-invalid': '`timeout(-5)` is taken: the signal aborts at once, and the operation\'s `AbortError` comes out',
      'limit-below-one-is-invalid': '`timeout(0.3)` is taken: the signal aborts within the millisecond, and the operation\'s `AbortError` comes out',
      'limit-past-the-longest-timer-is-invalid': 'takes a limit past the longest timer (2147483647 ms): Node fires it after 1 ms, and the operation\'s `AbortError` comes out',
    },
  },
  {
    library: 'cockatiel',
    pattern: 'circuit-breaker',
    api: 'circuitBreaker(handleAll, ConsecutiveBreaker)',
    implementation: /** @type {any} */ (CircuitBreaker),
    why: {
      'refuses-failure-threshold-past-the-largest': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and calls with it',
      'refuses-fractional-failure-threshold': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and calls with it',
      'refuses-break-ms-past-the-largest': 'takes a value the spec refuses up front (PROTOCOL.md section 8) and calls with it',
      'one-trial-at-a-time':
        'a call made while the trial runs is not refused: it waits for the trial to end, then runs (here through the circuit the trial closed)',
      'caller-cancellation-does-not-count':
        "`handleAll` counts the caller's abort (the operation's `AbortError`) as a failure: the second one opens the circuit at 33, and the call at 70 is refused",
      'cancelled-trial-makes-next-the-trial':
        'a trial its caller aborted counts as a failed trial (`handleAll`): the circuit opens again for `halfOpenAfter` from 230, and the call at 280 is refused',
      'refuses-zero-threshold': '`new ConsecutiveBreaker(0)` is taken: the call runs',
      'refuses-negative-break': '`halfOpenAfter: -1` is taken: the call runs',
    },
  },
];
