/**
 * p-retry (`pRetry`) as the spec's retry-backoff.
 *
 * Adapted: `maxAttempts` -> `retries: maxAttempts - 1` (p-retry counts retries, not attempts);
 * `baseDelayMs` -> `minTimeout`, `factor` -> `factor`, `maxDelayMs` -> `maxTimeout`; only
 * transient and timeout errors are retried (`shouldRetry`); the caller's signal -> `signal`, and
 * to each attempt. p-retry sleeps with `setTimeout`: it runs on the virtual clock as it is.
 *
 * n/a: jitter. `randomize: true` multiplies the delay by `1 + Math.random()` -- the global random
 * source, with no hook -- and before the cap, where the spec jitters the capped delay by
 * `0.5 + u`. A library that reads the global random is refused for jitter (libraries/README.md),
 * never patched.
 *
 * Left out: `maxRetryTime` (it reads `performance.now()`, which the virtual clock fakes): the
 * spec's retry has no overall limit, so no scenario needs it.
 * @module
 */

import pRetry from 'p-retry';
import {isRetryable} from './retryable.js';

/**
 * @template T
 * @param {(options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {{maxAttempts: number, baseDelayMs: number, factor: number, maxDelayMs: number, jitter: string, signal?: AbortSignal}} options
 */
export function retry(operation, {maxAttempts, baseDelayMs, factor, maxDelayMs, signal}) {
  return pRetry(() => operation({signal}), {
    retries: maxAttempts - 1,
    minTimeout: baseDelayMs,
    factor,
    maxTimeout: maxDelayMs,
    shouldRetry: ({error}) => isRetryable(error),
    signal,
  });
}

const NO_REFUSAL = 'takes a value the spec refuses up front (PROTOCOL.md section 8) and retries with it';

/** @type {import('./adapters.js').NotApplicable} */
const noHookForRandom = (scenario) =>
  scenario.params.jitter !== 'none'
    ? 'no hook for the random source: `randomize` multiplies by 1 + Math.random() (the global random), before the cap'
    : null;

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'p-retry',
    pattern: 'retry-backoff',
    api: 'pRetry(retries, minTimeout, factor, maxTimeout)',
    implementation: retry,
    notApplicable: noHookForRandom,
    why: {
      'max-attempts-past-the-largest-is-invalid': NO_REFUSAL,
      'fractional-max-attempts-is-invalid': NO_REFUSAL,
      'base-delay-ms-past-the-largest-is-invalid': NO_REFUSAL,
      'negative-base-delay-ms-is-invalid': 'refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
      'negative-max-delay-ms-is-invalid': 'refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
      'zero-attempts-is-invalid': '`retries: -1` is refused up front, but with a bare `TypeError` (no `code`): the runner cannot tell it from a programming error (PROTOCOL.md section 6), so no verdict',
      'factor-below-one-is-invalid': NO_REFUSAL,
      'delay-past-the-longest-timer-is-invalid': NO_REFUSAL,
    },
  },
];
