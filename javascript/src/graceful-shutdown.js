/**
 * Graceful shutdown (spec: `spec/patterns/graceful-shutdown.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: a job submitted before the shutdown starts at once, concurrently with the others.
 * - R2: from the shutdown on, `submit()` throws a `ServiceStoppedError` (code
 *   `ERR_SERVICE_STOPPED`) and starts nothing.
 * - R3: the jobs in flight get up to `drainMs` to finish; the service goes on as soon as they have.
 * - R4: then the rest are cancelled (their signal aborts) and the service waits for them to stop;
 *   a `drainMs` under half a millisecond is no drain at all.
 * - R5: the resource is closed exactly once, after every job has ended or stopped, on every path;
 *   `run()` settles only once it is closed.
 * - R6: the report lists each accepted job once: completed, failed (its own cancellation, one
 *   nobody asked for, included) or cancelled.
 * - R7: a caller's abort cancels every job at once, waits for them, closes the resource and
 *   rejects with `signal.reason`.
 * @module
 */

import {checkFunction, invalidArgument, LONGEST_MS, wholeMs} from './common/arguments.js';

/** What `submit()` throws once the shutdown has begun: the job is refused, never started (R2). */
export class ServiceStoppedError extends Error {
  code = 'ERR_SERVICE_STOPPED';

  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ServiceStoppedError';
  }
}

/**
 * What became of every job the service accepted, each key in the order the jobs arrived.
 * @typedef {{completed: string[], failed: string[], cancelled: string[]}} ShutdownReport
 */

/**
 * @typedef {object} JobServiceOptions
 * @property {number} [drainMs] How long the jobs in flight at shutdown get to finish, in ms: a
 *   number from 0 to 2147483647, rounded to whole ms (halves up). Default: 50 (the spec's).
 */

/** @typedef {(key: string, options: {signal: AbortSignal}) => Promise<unknown> | unknown} JobOperation */

/**
 * A service that runs `operation(key, {signal})` for each job submitted, until it is shut down.
 *
 * @example
 * const service = new JobService(handle, () => openPool(), {drainMs: 5000});
 * process.once('SIGTERM', () => service.shutdown());
 * server.on('job', (key) => service.submit(key)); // throws ServiceStoppedError once stopping
 * const {completed, failed, cancelled} = await service.run();
 */
export class JobService {
  #operation;
  #openResource;
  #drainMs;
  /** Aborted by `shutdown()`: from then on no job is accepted. */
  #stopping = new AbortController();
  #running = false;
  /** @type {Map<string, {controller: AbortController, done: Promise<void>}>} in arrival order */
  #jobs = new Map();
  /** @type {Map<string, 'completed' | 'failed' | 'cancelled'>} */
  #ended = new Map();

  /**
   * @param {JobOperation} operation A job's work.
   * @param {() => Promise<AsyncDisposable> | AsyncDisposable} openResource Opens what the service
   *   holds while it runs; closed by `await resource[Symbol.asyncDispose]()`.
   * @param {JobServiceOptions} [options]
   */
  constructor(operation, openResource, {drainMs = 50} = {}) {
    checkFunction('operation', operation);
    checkFunction('openResource', openResource);
    if (typeof drainMs !== 'number' || !(drainMs >= 0 && drainMs <= LONGEST_MS)) {
      throw invalidArgument(`Expected \`drainMs\` to be a number from 0 to ${LONGEST_MS}, got ${drainMs}`);
    }
    this.#operation = operation;
    this.#openResource = openResource;
    this.#drainMs = wholeMs(drainMs);
  }

  /**
   * Starts job `key` now.
   * @param {string} key
   * @throws {ServiceStoppedError} once the shutdown has begun (R2).
   */
  submit(key) {
    if (this.#stopping.signal.aborted) throw new ServiceStoppedError(`The service is shutting down: job ${key} refused`);
    if (!this.#running) throw new Error('The service is not running: call run() first');
    const controller = new AbortController();
    const done = (async () => {
      try {
        await this.#operation(key, {signal: controller.signal});
        this.#ended.set(key, 'completed');
      } catch {
        // Cancelled only when the service asked; its own cancellation is a failure (R6).
        this.#ended.set(key, controller.signal.aborted ? 'cancelled' : 'failed');
      }
    })();
    this.#jobs.set(key, {controller, done});
  }

  /** Asks for the shutdown: no job is accepted from now on, and `run()` drains and settles. */
  shutdown() {
    this.#stopping.abort();
  }

  /**
   * Serves until `shutdown()`; then drains, cancels the rest, closes, and reports.
   * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation of the whole service.
   * @returns {Promise<ShutdownReport>}
   */
  async run({signal} = {}) {
    signal?.throwIfAborted();
    const resource = await this.#openResource();
    this.#running = true;
    const cancelAll = () => this.#cancel(this.#jobs.values(), signal?.reason);
    signal?.addEventListener('abort', cancelAll, {once: true}); // R7: no drain
    try {
      await firstAbort([this.#stopping.signal, signal]);
      signal?.throwIfAborted();
      await this.#drain(signal);
      signal?.throwIfAborted();
    } finally {
      this.#stopping.abort(); // a stopped service accepts nothing either (R2)
      signal?.removeEventListener('abort', cancelAll);
      // Every job has ended or stopped before the close (R4, R5, R7).
      await Promise.allSettled([...this.#jobs.values()].map((job) => job.done));
      await resource[Symbol.asyncDispose]();
    }
    // The caller's abort while jobs stopped or the resource closed is still a cancellation (R7).
    signal?.throwIfAborted();
    return this.#report();
  }

  /**
   * Waits up to the drain for the jobs in flight to end (R3), then cancels the rest (R4).
   * @param {AbortSignal | undefined} signal
   */
  async #drain(signal) {
    const inFlight = [...this.#jobs].filter(([key]) => !this.#ended.has(key)).map(([, job]) => job);
    if (inFlight.length === 0) return;
    if (this.#drainMs > 0) {
      // A timer cleared once the jobs have ended, not AbortSignal.timeout, which cannot be cleared.
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      const deadline = new Promise((resolve) => {
        timer = setTimeout(resolve, this.#drainMs);
      });
      try {
        // A caller's abort cancels every job (run's listener), which ends this wait as they stop.
        await Promise.race([Promise.allSettled(inFlight.map((job) => job.done)), deadline]);
      } finally {
        clearTimeout(timer);
      }
    }
    signal?.throwIfAborted();
    this.#cancel(inFlight, new DOMException('The service shut down', 'AbortError'));
  }

  /**
   * @param {Iterable<{controller: AbortController}>} jobs
   * @param {unknown} reason
   */
  #cancel(jobs, reason) {
    for (const {controller} of jobs) controller.abort(reason);
  }

  /** @returns {ShutdownReport} */
  #report() {
    /** @param {string} ending */
    const having = (ending) => [...this.#jobs.keys()].filter((key) => this.#ended.get(key) === ending);
    return {completed: having('completed'), failed: having('failed'), cancelled: having('cancelled')};
  }
}

/**
 * A new service: `new JobService(operation, openResource, options)` (the shape every
 * implementation of the pattern shares).
 * @param {JobOperation} operation
 * @param {() => Promise<AsyncDisposable> | AsyncDisposable} openResource
 * @param {JobServiceOptions} [options]
 */
export function createJobService(operation, openResource, options) {
  return new JobService(operation, openResource, options);
}

/**
 * Resolves when the first of `signals` aborts (never, with none); then keeps no listener.
 * @param {(AbortSignal | undefined)[]} signals
 * @returns {Promise<void>}
 */
function firstAbort(signals) {
  const present = /** @type {AbortSignal[]} */ (signals.filter(Boolean));
  return new Promise((resolve) => {
    const done = () => {
      for (const s of present) s.removeEventListener('abort', done);
      resolve();
    };
    if (present.some((s) => s.aborted)) return resolve();
    for (const s of present) s.addEventListener('abort', done, {once: true});
  });
}
