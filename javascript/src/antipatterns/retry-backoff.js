/**
 * The mistakes retry-backoff exists to prevent, each with the reference's signature
 * (`retry(fn, options)`). The suite must reject every one.
 * @module
 */

import {sleep} from '../common/sleep.js';
import {RETRY_DEFAULTS, backoffDelay, isRetryable} from '../retry-backoff.js';

/** @typedef {import('../retry-backoff.js').RetryOptions} RetryOptions */
/** @typedef {import('../retry-backoff.js').AttemptContext} AttemptContext */
/** @typedef {(context: AttemptContext) => Promise<unknown> | unknown} Attempt */

/** @param {RetryOptions} options */
function settings({maxAttempts = RETRY_DEFAULTS.maxAttempts, signal, ...backoff}) {
  return {maxAttempts, signal, attemptSignal: signal ?? new AbortController().signal, backoff};
}

/**
 * Retries until it succeeds: `maxAttempts` is ignored.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function noCap(fn, options = {}) {
  const {signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (!isRetryable(error)) throw error;
    }
    await sleep(backoffDelay(attempt, backoff), signal);
  }
}

/**
 * Retries at once, with no delay between attempts.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function noBackoff(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal} = settings(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
  }
}

/**
 * Waits a delay before the first attempt too.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function sleepsBeforeFirstAttempt(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    await sleep(backoffDelay(attempt, backoff), signal);
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
  }
}

/**
 * Lets the delay grow past `maxDelayMs`.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function uncappedDelay(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
    await sleep(backoffDelay(attempt, {...backoff, maxDelayMs: Infinity}), signal);
  }
}

/**
 * Applies the jitter first and caps the jittered delay.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function jitterBeforeCap(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  const {maxDelayMs = RETRY_DEFAULTS.maxDelayMs} = backoff;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
    await sleep(Math.min(backoffDelay(attempt, {...backoff, maxDelayMs: Infinity}), maxDelayMs), signal);
  }
}

/**
 * Retries every failure, fatal errors and the caller's abort alike: a bare `catch {}`.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function retriesEverything(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, backoff)));
  }
}

/**
 * Retries transient failures only and gives up on a timeout.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function ignoresTimeouts(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      const transient = isRetryable(error) && !(error instanceof Error && error.name === 'TimeoutError');
      if (attempt >= maxAttempts || !transient) throw error;
    }
    await sleep(backoffDelay(attempt, backoff), signal);
  }
}

/**
 * Gives up with an error of its own (the last one as its `cause`) instead of the last attempt's error.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function wrapsError(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (!isRetryable(error)) throw error;
      if (attempt >= maxAttempts) throw new Error(`gave up after ${attempt} attempts`, {cause: error});
    }
    await sleep(backoffDelay(attempt, backoff), signal);
  }
}

/**
 * Waits with a blocking sleep (`Atomics.wait`) that stalls the event loop.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function blockingSleep(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
    Atomics.wait(cell, 0, 0, backoffDelay(attempt, backoff));
  }
}

/**
 * Swallows an abort that arrives during a delay and goes on retrying: the delay is a plain
 * timer that never looks at the signal.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function ignoresCancelInBackoff(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, backoff)));
  }
}

/**
 * Computes the next delay, drawing its jitter, before it checks whether an attempt is left (as
 * tenacity calls its wait): one draw more than it waits.
 * @param {Attempt} fn
 * @param {RetryOptions} [options]
 */
export async function drawsAfterLastAttempt(fn, options = {}) {
  const {maxAttempts, signal, attemptSignal, backoff} = settings(options);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let delay;
    try {
      return await fn({attempt, signal: attemptSignal});
    } catch (error) {
      signal?.throwIfAborted();
      delay = backoffDelay(attempt, backoff);
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
    await sleep(delay, signal);
  }
}
