/**
 * Test support: the names of the process warnings (`MaxListenersExceededWarning` ...) emitted
 * while `body` runs. Node emits a warning on the next tick, so one more macrotask is awaited.
 * @module
 */

/**
 * @template T
 * @param {() => Promise<T>} body
 * @returns {Promise<{value: T, warnings: string[]}>}
 */
export async function collectWarnings(body) {
  /** @type {string[]} */
  const warnings = [];
  const onWarning = (/** @type {Error} */ warning) => warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    const value = await body();
    await new Promise((resolve) => setImmediate(resolve));
    return {value, warnings};
  } finally {
    process.off('warning', onWarning);
  }
}

/**
 * An operation that listens on its signal while it runs, as `fetch` does, and settles on the next
 * macrotask.
 * @template K
 * @param {K} item
 * @param {{signal: AbortSignal}} options
 * @returns {Promise<K>}
 */
export async function listeningOperation(item, {signal}) {
  const onAbort = () => {};
  signal.addEventListener('abort', onAbort);
  try {
    await new Promise((resolve) => setImmediate(resolve));
    return item;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
