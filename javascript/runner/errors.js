/**
 * The one table that maps the spec's canonical error kinds to JavaScript's native errors
 * (spec/PROTOCOL.md section 6, "Error kinds").
 *
 * | kind        | raised by the injected operation        | recognised in an outcome as                               |
 * |-------------|-----------------------------------------|-----------------------------------------------------------|
 * | `transient` | `Error` with `code: 'ECONNRESET'`       | an `Error` whose `code` is a connection error (below)     |
 * | `fatal`     | `Error` with `code: 'EACCES'`           | an `Error` whose `code` is a permission error (`EACCES`, `EPERM`) |
 * | `timeout`   | `DOMException` named `TimeoutError`     | any error named `TimeoutError`                            |
 * | `cancelled` | `DOMException` named `AbortError`       | any error named `AbortError`                              |
 * | `invalid`   | (never raised by an operation)          | an `Error` with a code of Node's argument validators (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`): a pattern refused its arguments |
 * | `group`     | (never raised by an operation)          | `AggregateError` (holds the others)                       |
 * | `circuit-open` | (never raised by an operation)       | an error named `BrokenCircuitError`, or with `isBrokenCircuitError: true` (cockatiel's): a circuit breaker refused the call |
 * | `other`     | (never raised by an operation)          | anything else: `{fail: 'other', type: error.name, message}` |
 *
 * Names, not classes, for timeout and cancellation: that is how the web platform and Node tell
 * them apart (`error.name === 'AbortError'`), whatever class a library throws; codes, not
 * classes, for the rest, as Node's own errors carry them. `fatal` is not `TypeError`: a bare
 * `TypeError` is as likely a programming error (`x is not a function`), and a refused argument
 * is `invalid`, told apart by its code.
 * @module
 */

/** @typedef {'transient' | 'fatal' | 'timeout' | 'cancelled'} Kind The kinds an operation raises (a plan step's `fail`). */

/** @type {readonly Kind[]} */
export const KINDS = Object.freeze(['transient', 'fatal', 'timeout', 'cancelled']);

/** Node's codes for a connection that failed or broke (Python's `ConnectionError` family). */
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE']);
/** Node's codes for an operation refused for good (Python's `PermissionError`). */
const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);
/** The codes Node's own argument validators give their `TypeError` / `RangeError`. */
const INVALID_ARGUMENT_CODES = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE']);

/**
 * The native error for a canonical kind.
 * @param {Kind} kind
 * @param {string} message
 * @returns {Error}
 */
export function makeError(kind, message) {
  switch (kind) {
    case 'transient':
      return Object.assign(new Error(message), {code: 'ECONNRESET'});
    case 'fatal':
      return Object.assign(new Error(message), {code: 'EACCES'});
    case 'timeout':
      return new DOMException(message, 'TimeoutError');
    case 'cancelled':
      return new DOMException(message, 'AbortError');
    default:
      throw new RangeError(`unknown error kind ${JSON.stringify(kind)}; expected one of ${KINDS.join(', ')}`);
  }
}

/**
 * The canonical kind of an error (`'other'` when the table does not name it).
 * @param {unknown} error
 * @returns {Kind | 'invalid' | 'group' | 'circuit-open' | 'other'}
 */
export function kindOf(error) {
  if (error instanceof AggregateError) return 'group';
  if (!(error instanceof Error)) return 'other';
  // A circuit breaker's refusal: named BrokenCircuitError (ours), or carrying cockatiel's marker
  // (its BrokenCircuitError sets `isBrokenCircuitError: true` and no name of its own).
  if (error.name === 'BrokenCircuitError' || /** @type {{isBrokenCircuitError?: unknown}} */ (error).isBrokenCircuitError === true) return 'circuit-open';
  if (error.name === 'TimeoutError') return 'timeout';
  if (error.name === 'AbortError') return 'cancelled';
  const code = /** @type {{code?: unknown}} */ (error).code;
  if (typeof code !== 'string') return 'other';
  if (CONNECTION_CODES.has(code)) return 'transient';
  if (PERMISSION_CODES.has(code)) return 'fatal';
  if (INVALID_ARGUMENT_CODES.has(code)) return 'invalid';
  return 'other';
}

/**
 * @typedef {{fail: string, from?: string, type?: string, message?: string, errors?: ErrorOutcome[]}} ErrorOutcome
 */

/**
 * An error as the protocol's outcome object. `origin` names the operation call (`"op#3"`) that
 * raised this very object, or undefined: a re-created or wrapped error has no `from`.
 * @param {unknown} error
 * @param {(error: unknown) => string | undefined} origin
 * @returns {ErrorOutcome}
 */
export function describeError(error, origin) {
  const kind = kindOf(error);
  if (kind === 'group') {
    const inner = /** @type {AggregateError} */ (error).errors;
    return {fail: 'group', errors: Array.isArray(inner) ? inner.map((e) => describeError(e, origin)) : []};
  }
  /** @type {ErrorOutcome} */
  const described = {fail: kind};
  const source = origin(error);
  if (source !== undefined) described.from = source;
  if (kind === 'other') {
    described.type = error instanceof Error ? error.name : typeof error;
    described.message = error instanceof Error ? error.message : String(error);
  }
  return described;
}
