/**
 * The mistakes racing exists to prevent, each with the reference's signature
 * (`race(operation, items, {hedgeMs, signal})`). The suite must reject every one.
 * @module
 */

/** @typedef {(item: unknown, options: {signal: AbortSignal}) => Promise<unknown> | unknown} Operation */
/** @typedef {{hedgeMs?: number, signal?: AbortSignal}} Options */

/**
 * Starts every alternative under one controller (and the caller's signal).
 * @param {AbortSignal | undefined} signal
 */
function controllerFor(signal) {
  const controller = new AbortController();
  return {controller, options: {signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal}};
}

/**
 * `Promise.race`: the first alternative to settle wins, a failure included.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function firstSettled(operation, items, {signal} = {}) {
  const {controller, options} = controllerFor(signal);
  const calls = [...items].map(async (item) => operation(item, options));
  try {
    return await Promise.race(calls);
  } finally {
    controller.abort(new DOMException('Another alternative won', 'AbortError'));
    await Promise.allSettled(calls);
  }
}

/**
 * Returns the first success (`Promise.any`) and leaves the other alternatives running.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function losersLeftRunning(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  return Promise.any([...items].map(async (item) => operation(item, options)));
}

/**
 * Cancels the losers but returns before they have stopped.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function noWaitForLosers(operation, items, {signal} = {}) {
  const {controller, options} = controllerFor(signal);
  try {
    return await Promise.any([...items].map(async (item) => operation(item, options)));
  } finally {
    controller.abort(new DOMException('Another alternative won', 'AbortError'));
  }
}

/**
 * Tries the alternatives one after another, each only once the previous one has failed.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function sequential(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const errors = [];
  for (const item of items) {
    try {
      return await operation(item, options);
    } catch (error) {
      errors.push(error);
    }
  }
  throw new AggregateError(errors, 'every alternative failed');
}

/**
 * Waits for every alternative to settle (`Promise.allSettled`), then takes the first success.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function waitsForAll(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const outcomes = await Promise.allSettled([...items].map(async (item) => operation(item, options)));
  signal?.throwIfAborted();
  const success = outcomes.find((o) => o.status === 'fulfilled');
  if (success) return /** @type {PromiseFulfilledResult<unknown>} */ (success).value;
  throw new AggregateError(outcomes.map((o) => /** @type {PromiseRejectedResult} */ (o).reason), 'every alternative failed');
}

/**
 * Starts alternative i at i * hedgeMs, even when every running one has failed already.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function hedgesOnTimerOnly(operation, items, {hedgeMs = 0, signal} = {}) {
  const {controller, options} = controllerFor(signal);
  /** @type {ReturnType<typeof setTimeout>[]} */
  const timers = [];
  const calls = [...items].map(
    (item, index) =>
      new Promise((resolve) => {
        if (index === 0) resolve(undefined);
        else timers.push(setTimeout(resolve, index * hedgeMs));
      }).then(() => {
        options.signal.throwIfAborted();
        return operation(item, options);
      }),
  );
  try {
    return await Promise.any(calls);
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    controller.abort(new DOMException('Another alternative won', 'AbortError'));
    await Promise.allSettled(calls);
  }
}
