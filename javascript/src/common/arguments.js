/**
 * Refusing an argument, p-limit style (the message quotes the option), with the code Node's own
 * validators give their errors, so a refused argument is told apart from a failure of the
 * operation and from a programming error (spec/PROTOCOL.md section 6: `invalid`).
 * @module
 */

/** The longest time any option may give, in ms: `setTimeout`'s most (a longer one fires after 1 ms). */
export const LONGEST_MS = 2 ** 31 - 1;
/** The largest count (attempts, concurrency limit): .NET's `int`, so that every language agrees. */
export const LARGEST_COUNT = 2 ** 31 - 1;

/**
 * A delay in whole ms by the one rule of spec/PROTOCOL.md section 5 (halves up; under half a ms: 0),
 * for a reference that hands it to a timer of its own (graceful-shutdown's drain, a pool's close deadline).
 * @param {number} ms
 */
export const wholeMs = (ms) => (ms > 0 ? Math.floor(Math.round(ms * 1e6) / 1e6 + 0.5) : 0);

/**
 * A `TypeError` with Node's code for an argument of the wrong type or value.
 * @param {string} message
 * @param {'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE'} [code]
 * @returns {TypeError}
 */
export function invalidArgument(message, code = 'ERR_INVALID_ARG_VALUE') {
  return Object.assign(new TypeError(message), {code});
}

/**
 * Throws unless `value` is a function.
 * @param {string} name
 * @param {unknown} value
 */
export function checkFunction(name, value) {
  if (typeof value !== 'function') throw invalidArgument(`Expected \`${name}\` to be a function`, 'ERR_INVALID_ARG_TYPE');
}
