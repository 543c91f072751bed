/**
 * Retry with exponential backoff (spec: `spec/patterns/retry-backoff.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: the operation is attempted at most `maxAttempts` times; a success returns its value at once.
 * - R2: before attempt n+1 the caller waits `min(baseDelayMs * factor ** (n - 1), maxDelayMs)`.
 * - R3: with proportional jitter each delay is the capped delay of R2 times `(0.5 + u)`, `u` drawn in
 *   order from `random`, one per delay: the cap applies before the jitter.
 * - R4: when every attempt fails, the last attempt's error propagates unchanged (the same error, not
 *   a wrapper).
 * - R5: only failures of kind transient or timeout are retried (`shouldRetry`, default
 *   {@link isRetryable}); any other failure propagates at once, unchanged, with no delay.
 * - R6: cancellation is never retried: when the caller aborts `signal` during an attempt, or the
 *   operation itself reports cancellation (an `AbortError`), it propagates at once and no further
 *   attempt is made.
 * - R7: an abort during a delay ends the delay at once: no further attempt is made and the promise
 *   rejects with `signal.reason`.
 * @module
 */

import {checkFunction, invalidArgument, LARGEST_COUNT, LONGEST_MS} from './common/arguments.js';
import {sleep} from './common/sleep.js'; // R7: the caller's abort ends a delay at once

/** @typedef {'none' | 'proportional'} Jitter */

/**
 * What each attempt is given.
 * @typedef {object} AttemptContext
 * @property {number} attempt The attempt number, from 1.
 * @property {AbortSignal} signal Aborts when the caller cancels: pass it on to the operation.
 */

/**
 * @typedef {object} BackoffOptions
 * @property {number} [baseDelayMs] The delay before the second attempt, in ms. Default: 1000.
 * @property {number} [factor] Each delay is the previous one times `factor`. Default: 2.
 * @property {number} [maxDelayMs] No delay (before jitter) is longer than this, in ms. Default: 60000.
 * @property {Jitter} [jitter] `'proportional'` multiplies each capped delay by `0.5 + random()`.
 *   Default: `'none'`.
 * @property {() => number} [random] The source of jitter, a number in [0, 1). Default: `Math.random`.
 */

/**
 * @typedef {BackoffOptions & {
 *   maxAttempts?: number,
 *   shouldRetry?: (error: unknown) => boolean,
 *   signal?: AbortSignal,
 * }} RetryOptions
 * `maxAttempts`: how many attempts at most (default 3); `shouldRetry`: which failures are retried
 * (default {@link isRetryable}); `signal`: the caller's cancellation.
 */

/** The defaults, written once; a test pins them to the spec's `params`. */
export const RETRY_DEFAULTS = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: /** @type {Jitter} */ ('none'),
});

/** Node's error codes for a connection that failed or broke: worth another try. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT']);

/**
 * The default retry predicate: a transient failure (a connection error code such as
 * `ECONNRESET`) or a timeout (an error named `TimeoutError`). Everything else, an `AbortError`
 * included, is final.
 * @param {unknown} error
 * @returns {boolean}
 */
export function isRetryable(error) {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError') return true;
  const code = /** @type {{code?: unknown}} */ (error).code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/**
 * The wait, in ms, before attempt `attempt + 1` (R2, R3): capped first, then jittered, so a
 * jittered delay may exceed `maxDelayMs` by up to half.
 * @param {number} attempt The attempt that just failed, from 1.
 * @param {BackoffOptions} [options]
 * @returns {number}
 */
export function backoffDelay(attempt, options = {}) {
  const {
    baseDelayMs = RETRY_DEFAULTS.baseDelayMs,
    factor = RETRY_DEFAULTS.factor,
    maxDelayMs = RETRY_DEFAULTS.maxDelayMs,
    jitter = RETRY_DEFAULTS.jitter,
    random = Math.random,
  } = options;
  const capped = Math.min(baseDelayMs * factor ** (attempt - 1), maxDelayMs);
  return jitter === 'proportional' ? capped * (0.5 + random()) : capped;
}

/**
 * Calls `fn` until it succeeds, at most `maxAttempts` times, waiting a growing delay between
 * attempts. See the module's guarantees (R1-R7).
 *
 * @example
 * const body = await retry(({signal}) => fetch(url, {signal}).then((r) => r.text()), {signal});
 * @template T
 * @param {(context: AttemptContext) => Promise<T> | T} fn One attempt.
 * @param {RetryOptions} [options]
 * @returns {Promise<T>}
 */
export async function retry(fn, options = {}) {
  const {
    maxAttempts = RETRY_DEFAULTS.maxAttempts,
    baseDelayMs = RETRY_DEFAULTS.baseDelayMs,
    factor = RETRY_DEFAULTS.factor,
    maxDelayMs = RETRY_DEFAULTS.maxDelayMs,
    jitter = RETRY_DEFAULTS.jitter,
    random = Math.random,
    shouldRetry = isRetryable,
    signal,
  } = options;
  validate({fn, maxAttempts, baseDelayMs, factor, maxDelayMs, jitter, random, shouldRetry});
  const attemptSignal = signal ?? new AbortController().signal;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      // The caller cancelled during the attempt: that is no failure to retry (R6).
      signal?.throwIfAborted();
      if (attempt >= maxAttempts || !shouldRetry(error)) throw error;
    }
    await sleep(backoffDelay(attempt, {baseDelayMs, factor, maxDelayMs, jitter, random}), signal);
  }
}

/**
 * Eager validation, p-limit style: each message quotes the option; the error carries Node's
 * `ERR_INVALID_ARG_*` code (spec/PROTOCOL.md section 6: `invalid`).
 * @param {Record<string, unknown>} options
 */
function validate({fn, maxAttempts, baseDelayMs, factor, maxDelayMs, jitter, random, shouldRetry}) {
  checkFunction('fn', fn);
  const attempts = Number(maxAttempts);
  if (typeof maxAttempts !== 'number' || !((Number.isSafeInteger(attempts) && attempts >= 1 && attempts <= LARGEST_COUNT) || attempts === Infinity)) {
    throw invalidArgument(`Expected \`maxAttempts\` to be an integer from 1 to ${LARGEST_COUNT}, or Infinity`);
  }
  for (const [name, value] of /** @type {const} */ ([['baseDelayMs', baseDelayMs], ['maxDelayMs', maxDelayMs]])) {
    if (typeof value !== 'number' || !(value >= 0 && value <= LONGEST_MS)) {
      throw invalidArgument(`Expected \`${name}\` to be a number from 0 to ${LONGEST_MS}`);
    }
  }
  if (typeof factor !== 'number' || !(factor >= 1) || factor === Infinity) {
    throw invalidArgument('Expected `factor` to be a finite number from 1 and up');
  }
  if (jitter !== 'none' && jitter !== 'proportional') {
    throw invalidArgument("Expected `jitter` to be 'none' or 'proportional'");
  }
  checkFunction('random', random);
  checkFunction('shouldRetry', shouldRetry);
}
