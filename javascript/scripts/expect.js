/**
 * A scenario's `expect:` block checked against a runner's answer -- the harness's checker
 * (harness/asyncconf/checker.py) in small, so the JavaScript tests need no Python. Virtual time
 * only: every time is exact.
 * @module
 */

import {isDeepStrictEqual} from 'node:util';

/** @typedef {{t: number, ev: string, key: string, n: number}} Event */

/**
 * @param {Event[]} trace
 * @param {string} ev
 * @returns {Record<string, number[]>}
 */
export function timesByKey(trace, ev) {
  /** @type {Record<string, number[]>} */
  const times = {};
  for (const e of trace) if (e.ev === ev) (times[e.key] ??= []).push(e.t);
  return times;
}

/** @param {Event[]} trace */
export function maxInFlight(trace) {
  let running = 0;
  let peak = 0;
  for (const e of trace) {
    if (e.ev === 'call') peak = Math.max(peak, ++running);
    else if (e.ev === 'ok' || e.ev === 'fail' || e.ev === 'cancel') running--;
  }
  return peak;
}

/**
 * Whether `seen` is the outcome `expected` describes: an error matches on the keys it writes
 * (`from`, `type`, `message`), a group's errors in any order; everything else must be equal.
 * @param {any} expected
 * @param {any} seen
 * @returns {boolean}
 */
export function outcomeMatches(expected, seen) {
  if (expected && typeof expected === 'object' && !Array.isArray(expected) && 'fail' in expected) {
    if (!seen || seen.fail !== expected.fail) return false;
    if (['from', 'type', 'message'].some((k) => k in expected && seen[k] !== expected[k])) return false;
    if ('errors' in expected) {
      if (!Array.isArray(seen.errors) || seen.errors.length !== expected.errors.length) return false;
      const remaining = [...seen.errors];
      return expected.errors.every((/** @type {any} */ e) => {
        const at = remaining.findIndex((s) => outcomeMatches(e, s));
        return at >= 0 && remaining.splice(at, 1).length === 1;
      });
    }
    return true;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(seen) && seen.length === expected.length && expected.every((e, i) => outcomeMatches(e, seen[i]));
  }
  if (expected && typeof expected === 'object') {
    if (!seen || typeof seen !== 'object' || Array.isArray(seen)) return false;
    const keys = Object.keys(expected).sort();
    return isDeepStrictEqual(keys, Object.keys(seen).sort()) && keys.every((k) => outcomeMatches(expected[k], seen[k]));
  }
  return isDeepStrictEqual(expected, seen);
}

/**
 * @param {any} expected a number, or {min, max}
 * @param {number} seen
 */
const countOk = (expected, seen) =>
  typeof expected === 'object' && expected !== null
    ? (expected.min ?? seen) <= seen && seen <= (expected.max ?? seen)
    : seen === expected;

/**
 * @param {Record<string, number[]>} expected
 * @param {Record<string, number[]>} seen
 */
const timesOk = (expected, seen) =>
  isDeepStrictEqual(Object.keys(expected).sort(), Object.keys(seen).filter((k) => seen[k].length > 0).sort()) &&
  Object.entries(expected).every(([key, times]) => isDeepStrictEqual(times, seen[key]));

/**
 * Every way the answer differs from the expectations: `[]` when it passes.
 * @param {Record<string, any>} expect
 * @param {Record<string, any>} answer
 * @returns {string[]}
 */
export function check(expect, answer) {
  if (!answer.outcome || !Array.isArray(answer.trace)) return [`malformed answer: ${JSON.stringify(answer)}`];
  if (answer.outcome.unfinished) return [`never settled: ${answer.outcome.reason}`];
  /** @type {Event[]} */
  const trace = answer.trace;
  /** @type {string[]} */
  const problems = [];
  /**
   * @param {string} name
   * @param {unknown} expected
   * @param {unknown} seen
   * @param {boolean} ok
   */
  const expectThat = (name, expected, seen, ok) => {
    if (!ok) problems.push(`${name}: expected ${JSON.stringify(expected)}, saw ${JSON.stringify(seen)}`);
  };
  for (const [name, expected] of Object.entries(expect)) {
    if (name === 'outcome') expectThat(name, expected, answer.outcome, outcomeMatches(expected, answer.outcome));
    else if (name === 'elapsed_ms') expectThat(name, expected, answer.elapsed_ms, answer.elapsed_ms !== null && countOk(expected, answer.elapsed_ms));
    else if (name === 'calls') {
      /** @type {Record<string, number>} */
      const counts = {};
      for (const e of trace) if (e.ev === 'call') counts[e.key] = (counts[e.key] ?? 0) + 1;
      if (typeof expected === 'number') {
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        expectThat(name, expected, total, total === expected);
      } else expectThat(name, expected, counts, isDeepStrictEqual({...expected}, counts));
    } else if (name === 'calls_at_ms') expectThat(name, expected, timesByKey(trace, 'call'), timesOk(expected, timesByKey(trace, 'call')));
    else if (name === 'cancelled_at_ms') expectThat(name, expected, timesByKey(trace, 'cancel'), timesOk(expected, timesByKey(trace, 'cancel')));
    else if (name === 'closed_at_ms') expectThat(name, expected, timesByKey(trace, 'close'), timesOk(expected, timesByKey(trace, 'close')));
    else if (name === 'max_in_flight') expectThat(name, expected, maxInFlight(trace), countOk(expected, maxInFlight(trace)));
    else if (name === 'cancelled') {
      const seen = trace.filter((e) => e.ev === 'cancel').map((e) => e.key).sort();
      expectThat(name, [...expected].sort(), seen, isDeepStrictEqual([...expected].sort(), seen));
    }
  }
  if ((expect.leaks ?? 'none') === 'none' && answer.leaks?.length) problems.push(`leaks: ${JSON.stringify(answer.leaks)}`);
  return problems;
}
