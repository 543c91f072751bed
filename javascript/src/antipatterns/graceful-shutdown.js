/**
 * The mistakes graceful-shutdown exists to prevent, each with the reference's signature
 * (`createJobService(operation, openResource, {drainMs})`, a service with `submit`, `shutdown`
 * and `run({signal})`). The suite must reject every one. One service below, with one flaw each.
 * @module
 */

import {ServiceStoppedError} from '../graceful-shutdown.js';

/** @typedef {(key: string, options: {signal: AbortSignal}) => Promise<unknown> | unknown} JobOperation */
/** @typedef {() => Promise<AsyncDisposable> | AsyncDisposable} OpenResource */
/** @typedef {{drainMs?: number}} Options */
/** @typedef {'exits-at-once' | 'no-deadline' | 'accepts-after-shutdown' | 'skips-cleanup' | 'no-wait-after-cancel'} Flaw */

class FlawedJobService {
  #operation;
  #openResource;
  #drainMs;
  #flaw;
  #stopping = new AbortController();
  /** @type {Map<string, {controller: AbortController, done: Promise<void>}>} */
  #jobs = new Map();
  /** @type {Map<string, string>} */
  #ended = new Map();

  /**
   * @param {JobOperation} operation
   * @param {OpenResource} openResource
   * @param {Options} options
   * @param {Flaw} flaw
   */
  constructor(operation, openResource, {drainMs = 50}, flaw) {
    this.#operation = operation;
    this.#openResource = openResource;
    this.#drainMs = drainMs;
    this.#flaw = flaw;
  }

  /** @param {string} key */
  submit(key) {
    const refused = this.#flaw !== 'accepts-after-shutdown' && this.#stopping.signal.aborted;
    if (refused) throw new ServiceStoppedError(`The service is shutting down: job ${key} refused`);
    const controller = new AbortController();
    const done = (async () => {
      try {
        await this.#operation(key, {signal: controller.signal});
        this.#ended.set(key, 'completed');
      } catch {
        this.#ended.set(key, controller.signal.aborted ? 'cancelled' : 'failed');
      }
    })();
    this.#jobs.set(key, {controller, done});
  }

  shutdown() {
    this.#stopping.abort();
  }

  /** @param {{signal?: AbortSignal}} [options] */
  async run({signal} = {}) {
    const resource = await this.#openResource();
    const detached = this.#flaw === 'exits-at-once' || this.#flaw === 'no-wait-after-cancel';
    const cancelAll = () => {
      for (const {controller} of this.#jobs.values()) controller.abort(signal?.reason);
    };
    if (!detached) signal?.addEventListener('abort', cancelAll, {once: true});
    const stopped = () => this.#stopping.signal.aborted || Boolean(signal?.aborted);
    const untilStopped = new Promise((resolve) => {
      if (stopped()) return resolve(undefined);
      this.#stopping.signal.addEventListener('abort', resolve, {once: true});
      signal?.addEventListener('abort', resolve, {once: true});
    });
    const graceful = async () => {
      await untilStopped;
      signal?.throwIfAborted();
      if (this.#flaw === 'exits-at-once') return;
      const inFlight = [...this.#jobs].filter(([key]) => !this.#ended.has(key)).map(([, job]) => job);
      const allEnded = Promise.allSettled(inFlight.map((job) => job.done));
      if (this.#flaw === 'no-deadline') {
        await allEnded; // no deadline: a job that never ends keeps the service up for good
      } else if (inFlight.length > 0 && this.#drainMs > 0) {
        /** @type {ReturnType<typeof setTimeout> | undefined} */
        let timer;
        await Promise.race([allEnded, new Promise((resolve) => (timer = setTimeout(resolve, this.#drainMs)))]);
        clearTimeout(timer);
      }
      signal?.throwIfAborted();
      for (const {controller} of inFlight) controller.abort(new DOMException('The service shut down', 'AbortError'));
    };
    if (this.#flaw === 'skips-cleanup') {
      try {
        await graceful();
      } finally {
        this.#stopping.abort();
        signal?.removeEventListener('abort', cancelAll);
        await Promise.allSettled([...this.#jobs.values()].map((job) => job.done)); // and never closes `resource`
      }
    } else {
      try {
        await graceful();
      } finally {
        this.#stopping.abort();
        signal?.removeEventListener('abort', cancelAll);
        if (!detached) await Promise.allSettled([...this.#jobs.values()].map((job) => job.done));
        await resource[Symbol.asyncDispose]();
      }
    }
    /** @param {string} ending */
    const having = (ending) => [...this.#jobs.keys()].filter((key) => this.#ended.get(key) === ending);
    return {completed: having('completed'), failed: having('failed'), cancelled: having('cancelled')};
  }
}

/**
 * Stops at the shutdown at once: closes and reports without waiting for the jobs in flight.
 * @param {JobOperation} operation
 * @param {OpenResource} openResource
 * @param {Options} [options]
 */
export function exitsAtOnce(operation, openResource, options = {}) {
  return new FlawedJobService(operation, openResource, options, 'exits-at-once');
}

/**
 * Waits for the jobs in flight with no deadline.
 * @param {JobOperation} operation
 * @param {OpenResource} openResource
 * @param {Options} [options]
 */
export function noDeadline(operation, openResource, options = {}) {
  return new FlawedJobService(operation, openResource, options, 'no-deadline');
}

/**
 * Never refuses a job: it accepts them while it drains, and after it has stopped.
 * @param {JobOperation} operation
 * @param {OpenResource} openResource
 * @param {Options} [options]
 */
export function acceptsAfterShutdown(operation, openResource, options = {}) {
  return new FlawedJobService(operation, openResource, options, 'accepts-after-shutdown');
}

/**
 * Never closes its resource.
 * @param {JobOperation} operation
 * @param {OpenResource} openResource
 * @param {Options} [options]
 */
export function skipsCleanup(operation, openResource, options = {}) {
  return new FlawedJobService(operation, openResource, options, 'skips-cleanup');
}

/**
 * Cancels the jobs left at the deadline, but closes without waiting for them to stop.
 * @param {JobOperation} operation
 * @param {OpenResource} openResource
 * @param {Options} [options]
 */
export function noWaitAfterCancel(operation, openResource, options = {}) {
  return new FlawedJobService(operation, openResource, options, 'no-wait-after-cancel');
}
