/**
 * Cancellation with cleanup (spec: `spec/patterns/cancellation-cleanup.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: the resource is opened before the operation starts and closed exactly once after it ends,
 *   on every path: success, failure, cancellation.
 * - R2: on success the operation's value is returned once the cleanup has completed.
 * - R3: on failure the cleanup completes, then the operation's error propagates unchanged.
 * - R4: on cancellation (the caller's `signal` aborts) the operation is cancelled, the cleanup runs
 *   to completion, and then the cancellation propagates (`signal.reason`): it is never swallowed
 *   or turned into a value -- not even when it comes during the cleanup of a failed operation.
 * - R5: the outcome comes only after the cleanup has completed.
 * @module
 */

import {checkFunction} from './common/arguments.js';

/**
 * Opens a resource, runs `use(resource)`, and closes the resource (`await
 * resource[Symbol.asyncDispose]()`) on every path, before the outcome comes back.
 *
 * `use` gets the caller's signal and must stop when it aborts; the cleanup is not given it: it
 * runs to completion even when the caller has cancelled.
 *
 * @example
 * const rows = await useResource(() => pool.connect(), (conn, {signal}) => conn.query(sql, {signal}), {signal});
 * @template {AsyncDisposable} R
 * @template T
 * @param {(options: {signal: AbortSignal}) => Promise<R> | R} open Opens the resource.
 * @param {(resource: R, options: {signal: AbortSignal}) => Promise<T> | T} use The operation.
 * @param {{signal?: AbortSignal}} [options] `signal`: the caller's cancellation.
 * @returns {Promise<T>}
 */
export async function useResource(open, use, {signal} = {}) {
  checkFunction('open', open);
  checkFunction('use', use);
  signal?.throwIfAborted();
  const options = {signal: signal ?? new AbortController().signal};
  const resource = await open(options);
  try {
    signal?.throwIfAborted(); // cancelled while opening: do not start the operation, still close
    return await use(resource, options);
  } finally {
    await resource[Symbol.asyncDispose]();
    // A cancellation that came during the cleanup is never swallowed, not even by a failure or a
    // value: it propagates once the cleanup has completed (R4), as in Python.
    signal?.throwIfAborted();
  }
}
