/**
 * Node.js's built-ins as the spec's patterns, each through its obvious API (as
 * libraries/python/stdlib_adapter.py does for Python's standard library).
 *
 * task-group, `Promise.all`: a child per item, each given the caller's signal; the values in input
 * order. Its rejection is passed on as it is: `Promise.all` rejects with the first failure alone,
 * and the spec's grouping (task-group R5, one `AggregateError`) is behaviour the scenarios check --
 * the spec's `gather-fail-fast` anti-pattern is this very shape. Wrapping that one failure in an
 * `AggregateError` would add the group `Promise.all` does not make (it has dropped every later
 * failure by then), so the adapter does not: the failures say what `Promise.all` did.
 * parallel-partial-failures, `Promise.allSettled`: an operation per item, each given the caller's
 * signal; each settlement goes under `succeeded` (its value) or `failed` (its reason), by item --
 * the same information, keyed as the pattern's value is.
 * racing, `Promise.any`: every alternative at once, in input order, each given the caller's
 * signal; every alternative failed: `Promise.any`'s own `AggregateError`, in input order. It has
 * no hedging: a scenario with a `hedge_ms` other than 0 is n/a.
 *
 * Not checked: timeout through `AbortSignal.timeout` + `AbortSignal.any`. Node's
 * `AbortSignal.timeout` arms its timer on Node's internal timers, which @sinonjs/fake-timers does
 * not replace: on the seam's virtual clock it never fires (found December 2026, Node 20.20: a
 * `tick(100000)` of the fake clock leaves it pending; it aborts after 50 ms of real time). So
 * during a virtual run the seam puts a stand-in of its own in its place (`runner/virtual-clock.js`:
 * an `AbortController` aborted from the fake `setTimeout`), with no mark in the answer. A check
 * through the seam is a check of that stand-in, not of Node's built-in, and each `npm test` would
 * check the stand-in again: a change in Node's own would never show (its timer holds its signal
 * only weakly, which has cost `AbortSignal.any` aborts: nodejs/node#57736). Captured before the
 * run, the real one is invisible to the seam (its timer is unref'd): the virtual clock runs past
 * it and the verdicts are wrong ones (no result expected at 50 ms: the value at 80), not
 * `unsupported`. The README's rules refuse a library that waits on the real clock with no way onto
 * the virtual one: timeout is left out. (By hand, on the real clock, Node's own gave the stand-in's
 * outcome in each of the 13 scenarios: `0` and `2147483648` ms taken, no result after about 1 ms;
 * `10.5` refused with `ERR_OUT_OF_RANGE`.)
 *
 * Recorded for Node's major.minor (`version` in adapters.js), as python-stdlib is for Python's.
 * @module
 */

/**
 * @template K, T
 * @param {(item: K, options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {K[]} items
 * @param {{signal?: AbortSignal}} [options]
 */
export function runGroup(operation, items, {signal} = {}) {
  return Promise.all(items.map((item) => operation(item, {signal})));
}

/**
 * @template K, T
 * @param {(item: K, options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {K[]} items
 * @param {{signal?: AbortSignal}} [options]
 */
export async function runAll(operation, items, {signal} = {}) {
  const settled = await Promise.allSettled(items.map((item) => operation(item, {signal})));
  /** @type {Map<K, T>} */
  const succeeded = new Map();
  /** @type {Map<K, unknown>} */
  const failed = new Map();
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') succeeded.set(items[index], outcome.value);
    else failed.set(items[index], outcome.reason);
  });
  return {succeeded, failed};
}

/**
 * @template K, T
 * @param {(item: K, options: {signal?: AbortSignal}) => Promise<T>} operation
 * @param {K[]} items
 * @param {{hedgeMs?: number, signal?: AbortSignal}} [options] `hedgeMs`: not taken (n/a unless 0).
 */
export function race(operation, items, {signal} = {}) {
  return Promise.any(items.map((item) => operation(item, {signal})));
}

const NOT_GROUPED = 'rejects with the first failure alone, not grouped (`Promise.all` makes no group), and leaves the siblings running: it cancels nothing and waits for none';
const LOSERS_LEFT_RUNNING = 'the first success wins, but the other alternatives are left running: `Promise.any` cancels nothing';

/** @type {import('./adapters.js').Adapter[]} */
export const ADAPTERS = [
  {
    library: 'node',
    pattern: 'task-group',
    api: 'Promise.all',
    implementation: runGroup,
    why: {
      'failure-cancels-siblings': NOT_GROUPED,
      'waits-for-slow-sibling': `${NOT_GROUPED} (it rejects at 10, a still running)`,
      'failures-at-one-instant': `${NOT_GROUPED} (b's failure, due later, is dropped)`,
      'own-cancellation-is-a-failure': `${NOT_GROUPED} (b's own cancellation rejects it as it is)`,
      'a-single-child-failure-is-grouped': 'rejects with the child\'s failure itself, not grouped: `Promise.all` makes no group',
      'failures-at-once': `${NOT_GROUPED} (b's failure is dropped)`,
    },
  },
  {
    library: 'node',
    pattern: 'parallel-partial-failures',
    api: 'Promise.allSettled',
    implementation: runAll,
    why: {
      'caller-cancels':
        'the caller\'s abort stops b and c (they honour the signal), and `allSettled` settles with them: a partial result, their AbortErrors under failed -- the cancellation never propagates',
      'equal-items-are-invalid':
        'takes an item given twice and runs it twice (its results are by position): keyed by item, one result is lost -- the spec refuses equal items up front',
    },
  },
  {
    library: 'node',
    pattern: 'racing',
    api: 'Promise.any',
    implementation: race,
    notApplicable: (scenario) =>
      scenario.params.hedge_ms !== 0 ? `no hedging: \`Promise.any\` starts every alternative at once (hedge_ms ${scenario.params.hedge_ms})` : null,
    why: {
      'no-alternative-is-invalid': '`Promise.any([])` is taken: it rejects at once with an empty `AggregateError`, a group of failures that never happened (R9)',
      'first-success-wins': LOSERS_LEFT_RUNNING,
      'failure-does-not-win': LOSERS_LEFT_RUNNING,
      'losers-stop-before-the-result': `${LOSERS_LEFT_RUNNING}, and its value comes at once (10 ms), not once they have stopped`,
      'caller-cancels':
        'the caller\'s abort rejects every alternative with its AbortError, and `Promise.any` groups them: an AggregateError of three cancellations, not the cancellation',
      'caller-cancels-while-the-losers-stop':
        'a wins at 50 and `Promise.any` gives its value at once, the losers left running: the caller\'s abort at 100 comes after the result',
      'failure-and-success-at-one-instant': LOSERS_LEFT_RUNNING,
      'success-and-failure-at-one-instant': LOSERS_LEFT_RUNNING,
      'successes-at-one-instant': LOSERS_LEFT_RUNNING,
      'own-cancellation-is-a-failure': `${LOSERS_LEFT_RUNNING} (a's own cancellation, rightly, wins nothing)`,
    },
  },
];
