/**
 * Fire and forget, observed: background tasks whose failures reach an error handler (spec:
 * `spec/patterns/unobserved-failures.yaml`).
 *
 * Node 15+ terminates the process on an unhandled rejection: a background promise must always
 * have a handler attached before it can reject, and that handler must not throw.
 *
 * Guarantees (the spec's rules):
 * - R1: `start` returns at once; the work runs in the background.
 * - R2, R3: every failure goes to `onError` once, the very error, from a `.catch` attached at
 *   the start -- no rejection is ever left unhandled.
 * - R4: the tasks are tracked: `shutdown()` aborts the signal of every task still running and
 *   resolves once each has settled.
 * - R5: an operation's own `AbortError` (its signal had not aborted) is a failure and is
 *   reported; one the shutdown asked for is not.
 * - R7: an error `onError` throws is kept, and `shutdown()` rejects with all of them in one
 *   `AggregateError` once every task has settled.
 * @module
 */

import {checkFunction, invalidArgument} from './common/arguments.js';
import {SignalFanOut} from './common/abort.js';

/**
 * @callback ErrorHandler
 * @param {unknown} error The very error a background task failed with.
 * @returns {void}
 */

export class BackgroundTasks {
  /** @type {ErrorHandler} */
  #onError;
  #shutdown = new AbortController();
  /** A signal per task, not one shared by all of them (see SignalFanOut). */
  #signals = new SignalFanOut(this.#shutdown.signal);
  /** @type {Set<Promise<void>>} the tasks still running, each already observed */
  #running = new Set();
  /** @type {unknown[]} what `onError` itself threw */
  #handlerErrors = [];

  /** @param {ErrorHandler} onError */
  constructor(onError) {
    checkFunction('onError', onError);
    this.#onError = onError;
  }

  /**
   * Starts `work` in the background and returns at once.
   * @param {(options: {signal: AbortSignal}) => Promise<unknown> | unknown} work
   */
  start(work) {
    checkFunction('work', work);
    const own = this.#signals.fork();
    /** @type {Promise<unknown>} */
    let running;
    try {
      running = Promise.resolve(work({signal: own.signal}));
    } catch (error) {
      running = Promise.reject(error); // a synchronous throw is a failure like any other
    }
    const observed = running
      .then(
        () => {},
        (error) => {
          if (!own.signal.aborted) this.#report(error); // R5: an abort the shutdown asked for is no failure
        },
      )
      .finally(() => {
        this.#running.delete(observed);
        this.#signals.release(own);
      });
    this.#running.add(observed);
  }

  /** @param {unknown} error */
  #report(error) {
    try {
      this.#onError(error);
    } catch (handlerError) {
      this.#handlerErrors.push(handlerError); // R7: never an unhandled rejection
    }
  }

  /**
   * Aborts every task still running and resolves once each has settled; rejects with an
   * `AggregateError` of what `onError` threw, if it ever did.
   * @returns {Promise<void>}
   */
  async shutdown() {
    this.#shutdown.abort(new DOMException('The background tasks are shutting down', 'AbortError'));
    await Promise.allSettled([...this.#running]);
    this.#signals.dispose();
    if (this.#handlerErrors.length > 0) {
      const errors = this.#handlerErrors.splice(0);
      throw new AggregateError(errors, `the error handler failed ${errors.length} time(s)`);
    }
  }
}

/**
 * Starts `operation(item)` for every item in the background, goes on until `shutdown` aborts,
 * then shuts the tasks down (R9: the caller's abort shuts them down too, then rejects with its
 * reason).
 *
 * @example
 * const stopping = new AbortController();
 * const done = runInBackground(sendEmail, emails, (error) => log.error(error), {shutdown: stopping.signal});
 * process.once('SIGTERM', () => stopping.abort());
 * @template K
 * @param {(item: K, options: {signal: AbortSignal}) => Promise<unknown> | unknown} operation
 * @param {Iterable<K>} items
 * @param {ErrorHandler} onError
 * @param {{shutdown: AbortSignal, signal?: AbortSignal}} options `shutdown`: the owner's shutdown;
 *   `signal`: the caller's cancellation.
 * @returns {Promise<void>}
 */
export async function runInBackground(operation, items, onError, {shutdown, signal} = /** @type {any} */ ({})) {
  checkFunction('operation', operation);
  if (!(shutdown instanceof AbortSignal)) throw invalidArgument('Expected `shutdown` to be an AbortSignal', 'ERR_INVALID_ARG_TYPE');
  const tasks = new BackgroundTasks(onError);
  for (const item of items) tasks.start(({signal: own}) => operation(item, {signal: own}));
  try {
    await untilAborted(shutdown, signal);
  } finally {
    await tasks.shutdown();
  }
  signal?.throwIfAborted();
}

/**
 * Resolves when one of the signals aborts.
 * @param {...(AbortSignal | undefined)} signals
 * @returns {Promise<void>}
 */
function untilAborted(...signals) {
  const present = signals.filter((s) => s !== undefined);
  return new Promise((resolve) => {
    const onAbort = () => {
      for (const s of present) s.removeEventListener('abort', onAbort);
      resolve();
    };
    if (present.some((s) => s.aborted)) return resolve();
    for (const s of present) s.addEventListener('abort', onAbort, {once: true});
  });
}
