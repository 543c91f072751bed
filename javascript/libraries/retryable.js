/**
 * The errors the spec's retry retries (spec/PROTOCOL.md section 6): `transient` -- a connection
 * error code, as Node's own errors carry it -- and `timeout` -- an error named `TimeoutError`.
 * Every retry library is told this one predicate, through its own option (p-retry's
 * `shouldRetry`, cockatiel's `handleWhen`).
 * @module
 */

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE']);

/** @param {unknown} error */
export function isRetryable(error) {
  if (!(error instanceof Error)) return false;
  return error.name === 'TimeoutError' || CONNECTION_CODES.has(String(/** @type {{code?: unknown}} */ (error).code));
}
