/**
 * The mistakes task-group exists to prevent, each with the reference's signature
 * (`runGroup(operation, items, {signal})`). The suite must reject every one.
 * @module
 */

/** @typedef {(item: unknown, options: {signal: AbortSignal}) => Promise<unknown> | unknown} Operation */
/** @typedef {{signal?: AbortSignal}} Options */

/**
 * Awaits each child in turn instead of running them together.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function sequential(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const results = [];
  for (const item of items) results.push(await operation(item, options));
  return results;
}

/**
 * Awaits all at once with `Promise.all`, without a group: the first failure escapes alone and the
 * siblings are left running.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function gatherFailFast(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  return Promise.all([...items].map(async (item) => operation(item, options)));
}

/**
 * Lets every child finish on its own (`Promise.allSettled`), then groups the failures.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function noSiblingCancel(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const outcomes = await Promise.allSettled([...items].map(async (item) => operation(item, options)));
  signal?.throwIfAborted();
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
  if (failures.length > 0) throw new AggregateError(failures, 'children failed');
  return outcomes.map((o) => /** @type {PromiseFulfilledResult<unknown>} */ (o).value);
}

/**
 * Starts the children under one abort controller that the first failure aborts.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {AbortSignal | undefined} signal
 */
function startGroup(operation, items, signal) {
  const group = new AbortController();
  const options = {signal: signal ? AbortSignal.any([signal, group.signal]) : group.signal};
  /** @type {unknown[]} */
  const failures = [];
  /** @type {(value?: unknown) => void} */
  let onFailure = () => {};
  const firstFailure = new Promise((resolve) => (onFailure = resolve));
  const children = [...items].map(async (item) => {
    try {
      return await operation(item, options);
    } catch (error) {
      if (!options.signal.aborted) {
        failures.push(error);
        group.abort(new DOMException('A sibling task failed', 'AbortError'));
        onFailure();
      }
      throw error;
    }
  });
  return {children, failures, firstFailure};
}

/**
 * Cancels the siblings on failure but does not wait for them to stop.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function returnsBeforeChildrenFinish(operation, items, {signal} = {}) {
  const {children, failures, firstFailure} = startGroup(operation, items, signal);
  const all = Promise.allSettled(children);
  await Promise.race([all, firstFailure]);
  if (failures.length > 0) throw new AggregateError(failures, 'children failed');
  const outcomes = await all;
  signal?.throwIfAborted();
  return outcomes.map((o) => /** @type {PromiseFulfilledResult<unknown>} */ (o).value);
}

/**
 * Reports the cancelled siblings as failures of the group.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function reportsCancellations(operation, items, {signal} = {}) {
  const {children, failures} = startGroup(operation, items, signal);
  const outcomes = await Promise.allSettled(children);
  if (failures.length > 0) {
    throw new AggregateError(outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : [])), 'children failed');
  }
  signal?.throwIfAborted();
  return outcomes.map((o) => /** @type {PromiseFulfilledResult<unknown>} */ (o).value);
}
