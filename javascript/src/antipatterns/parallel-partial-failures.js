/**
 * The mistakes parallel-partial-failures exists to prevent, each with the reference's signature
 * (`runAll(operation, items, {signal})`). The suite must reject every one.
 * @module
 */

/** @typedef {(item: unknown, options: {signal: AbortSignal}) => Promise<unknown> | unknown} Operation */
/** @typedef {{signal?: AbortSignal}} Options */
/** @typedef {import('../parallel-partial-failures.js').PartialResults<unknown, unknown>} Results */

/** @returns {Results} */
const empty = () => ({succeeded: new Map(), failed: new Map()});

/**
 * Awaits each operation in turn: the total is the sum, not the longest.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function sequential(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const results = empty();
  for (const item of items) {
    signal?.throwIfAborted();
    try {
      results.succeeded.set(item, await operation(item, options));
    } catch (error) {
      results.failed.set(item, error);
    }
  }
  signal?.throwIfAborted();
  return results;
}

/**
 * Awaits all at once with `Promise.all`: the first failure escapes and the others are left running.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function gatherFailFast(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const list = [...items];
  const values = await Promise.all(list.map(async (item) => operation(item, options)));
  const results = empty();
  list.forEach((item, index) => results.succeeded.set(item, values[index]));
  return results;
}

/**
 * Runs them as a task group: the first failure aborts the others.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function cancelsSiblings(operation, items, {signal} = {}) {
  const group = new AbortController();
  const options = {signal: signal ? AbortSignal.any([signal, group.signal]) : group.signal};
  const list = [...items];
  const outcomes = await Promise.allSettled(
    list.map(async (item) => {
      try {
        return await operation(item, options);
      } catch (error) {
        group.abort(new DOMException('A sibling failed', 'AbortError'));
        throw error;
      }
    }),
  );
  signal?.throwIfAborted();
  const results = empty();
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') results.succeeded.set(list[index], outcome.value);
    else results.failed.set(list[index], outcome.reason);
  });
  return results;
}

/**
 * Keeps the successes and silently drops the failures.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function dropsFailures(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const list = [...items];
  const outcomes = await Promise.allSettled(list.map(async (item) => operation(item, options)));
  signal?.throwIfAborted();
  const results = empty();
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') results.succeeded.set(list[index], outcome.value);
  });
  return results;
}

/**
 * Returns the partial results when the caller aborts, instead of rejecting.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} [options]
 */
export async function swallowsCancel(operation, items, {signal} = {}) {
  const options = {signal: signal ?? new AbortController().signal};
  const list = [...items];
  const outcomes = await Promise.allSettled(list.map(async (item) => operation(item, options)));
  const results = empty();
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') results.succeeded.set(list[index], outcome.value);
    else results.failed.set(list[index], outcome.reason);
  });
  return results;
}
