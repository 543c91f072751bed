/**
 * The mistakes cancellation-cleanup exists to prevent, each with the reference's signature
 * (`useResource(open, use, {signal})`). The suite must reject every one.
 * @module
 */

/** @typedef {(options: {signal: AbortSignal}) => Promise<AsyncDisposable> | AsyncDisposable} Open */
/** @typedef {(resource: AsyncDisposable, options: {signal: AbortSignal}) => Promise<unknown> | unknown} Use */
/** @typedef {{signal?: AbortSignal}} Options */

/** @param {AbortSignal | undefined} signal */
const optionsFor = (signal) => ({signal: signal ?? new AbortController().signal});

/**
 * Cleans up on success only: no `finally`.
 * @param {Open} open
 * @param {Use} use
 * @param {Options} [options]
 */
export async function noFinally(open, use, {signal} = {}) {
  const options = optionsFor(signal);
  const resource = await open(options);
  const result = await use(resource, options);
  await resource[Symbol.asyncDispose]();
  return result;
}

/**
 * Cleans up in a `catch` that an abort bypasses ("the caller is gone, no need to clean up").
 * @param {Open} open
 * @param {Use} use
 * @param {Options} [options]
 */
export async function cleanupOnExceptionOnly(open, use, {signal} = {}) {
  const options = optionsFor(signal);
  const resource = await open(options);
  let result;
  try {
    result = await use(resource, options);
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    await resource[Symbol.asyncDispose]();
    throw error;
  }
  await resource[Symbol.asyncDispose]();
  return result;
}

/**
 * Cleans up, then swallows the abort and returns a value (`null`).
 * @param {Open} open
 * @param {Use} use
 * @param {Options} [options]
 */
export async function swallowsCancellation(open, use, {signal} = {}) {
  const options = optionsFor(signal);
  const resource = await open(options);
  try {
    return await use(resource, options);
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') return null;
    throw error;
  } finally {
    await resource[Symbol.asyncDispose]();
  }
}

/**
 * Starts the asynchronous cleanup and does not wait for it: fire and forget (`void close()`).
 * @param {Open} open
 * @param {Use} use
 * @param {Options} [options]
 */
export async function cleanupNotAwaited(open, use, {signal} = {}) {
  const options = optionsFor(signal);
  const resource = await open(options);
  try {
    return await use(resource, options);
  } finally {
    void resource[Symbol.asyncDispose]();
  }
}

/**
 * Misses an `await`: `return use(...)` inside try/finally, so the cleanup runs while the
 * operation is still going.
 * @param {Open} open
 * @param {Use} use
 * @param {Options} [options]
 */
export async function missingAwait(open, use, {signal} = {}) {
  const options = optionsFor(signal);
  const resource = await open(options);
  try {
    return use(resource, options);
  } finally {
    await resource[Symbol.asyncDispose]();
  }
}
