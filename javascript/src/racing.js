/**
 * Racing alternatives: the first success wins, with optional hedging (spec: `spec/patterns/racing.yaml`).
 *
 * Guarantees (the spec's rules):
 * - R1: each alternative is one call of the operation with its item; with `hedgeMs` 0 (the
 *   default) every alternative starts at once, in input order.
 * - R2: the first success wins (`Promise.any`, not `Promise.race`): a failure never wins while
 *   another alternative is running or has yet to start.
 * - R3: once one has won, the others are cancelled (their signal aborts), no further one starts,
 *   and the value comes back only after they have stopped.
 * - R4: with `hedgeMs` above 0 the alternatives start one at a time: the next one `hedgeMs` after
 *   the latest one started, or at once when every one started so far has failed (Polly's hedging).
 *   The hedge timer is armed after the alternative has started, so a settlement due at the same
 *   instant comes first.
 * - R5: when every alternative has failed, one `AggregateError` holds every failure unchanged, in
 *   input order (R7: an alternative's own `AbortError`, one nobody asked for, is a failure too).
 * - R8: a caller's abort cancels every running alternative, starts no further one, and the promise
 *   rejects with `signal.reason` once they have stopped -- also an abort that comes after one has
 *   won, while the losers are stopping.
 * @module
 */

import {checkFunction, invalidArgument, LONGEST_MS} from './common/arguments.js';
import {SignalFanOut, deriveAbortController} from './common/abort.js';

/**
 * Runs `operation(item)` for the alternatives `items`; the first success wins.
 *
 * @example
 * const page = await race((mirror, {signal}) => fetch(mirror, {signal}).then((r) => r.text()), mirrors, {hedgeMs: 200});
 * @template K, T
 * @param {(item: K, options: {signal: AbortSignal}) => Promise<T> | T} operation
 * @param {Iterable<K>} items The alternatives: at least one.
 * @param {{hedgeMs?: number, signal?: AbortSignal}} [options] `hedgeMs`: 0 (the default, the spec's)
 *   starts every alternative at once; a number from 1 to 2147483647 starts the next one that many ms
 *   after the latest one started (sooner when every started one has failed). Between 0 and 1 is
 *   refused: a 0 ms timer in one runtime is no timer at all in another. `signal`: the caller's cancellation.
 * @returns {Promise<T>} The first success's value.
 */
export async function race(operation, items, {hedgeMs = 0, signal} = {}) {
  checkFunction('operation', operation);
  const list = Array.from(items);
  if (list.length === 0) throw invalidArgument('Expected `items` to hold at least one alternative');
  if (typeof hedgeMs !== 'number' || !(hedgeMs === 0 || (hedgeMs >= 1 && hedgeMs <= LONGEST_MS))) {
    throw invalidArgument(`Expected \`hedgeMs\` to be 0 or a number from 1 to ${LONGEST_MS}`);
  }
  signal?.throwIfAborted();
  // Aborts with the caller's reason, or once an alternative has won (the losers, R3).
  const {controller: racing, dispose} = deriveAbortController(signal);
  const signals = new SignalFanOut(racing.signal);
  // One settlement per alternative, for Promise.any: one that never starts is rejected on abort.
  const outcomes = list.map(() => settlement());
  /** @type {Promise<void>[]} the started alternatives, each fulfilled once it has stopped */
  const stopped = [];
  let started = 0;
  let failed = 0;
  let won = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let hedgeTimer;

  const startNext = () => {
    clearTimeout(hedgeTimer);
    hedgeTimer = undefined;
    if (won || racing.signal.aborted) return;
    do {
      const index = started++;
      const own = signals.fork();
      const call = (async () => operation(list[index], {signal: own.signal}))();
      stopped.push(
        call
          .then(
            (value) => {
              won = true;
              clearTimeout(hedgeTimer); // no further alternative starts (R3)
              outcomes[index].resolve(value);
            },
            (error) => {
              outcomes[index].reject(error);
              // Every alternative started so far has failed: the next starts now, not at the delay (R4).
              if (++failed === started && started < list.length) startNext();
            },
          )
          .finally(() => signals.release(own)),
      );
    } while (hedgeMs === 0 && started < list.length);
    // Armed after the operation has started: its settlement at the same instant comes first (R4).
    if (started < list.length) hedgeTimer = setTimeout(startNext, hedgeMs);
  };

  const onAbort = () => {
    for (let index = started; index < list.length; index++) outcomes[index].reject(racing.signal.reason);
  };
  racing.signal.addEventListener('abort', onAbort, {once: true});
  startNext();
  /** @type {T} */
  let value;
  try {
    value = await Promise.any(outcomes.map((outcome) => outcome.promise)); // the first success (R2)
  } catch (error) {
    signal?.throwIfAborted(); // the caller's reason (R8)
    throw error; // every failure, in input order (R5)
  } finally {
    clearTimeout(hedgeTimer);
    racing.abort(new DOMException('Another alternative won', 'AbortError')); // the losers (R3)
    await Promise.all(stopped); // each has stopped (R3); these never reject
    racing.signal.removeEventListener('abort', onAbort);
    signals.dispose();
    dispose();
  }
  // An abort while the losers were stopping still propagates: the value was not given yet (R8).
  signal?.throwIfAborted();
  return value;
}

/**
 * A promise with its resolve and reject (`Promise.withResolvers` is Node 22).
 * @returns {{promise: Promise<any>, resolve: (value: unknown) => void, reject: (reason: unknown) => void}}
 */
function settlement() {
  /** @type {(value: unknown) => void} */
  let resolve = () => {};
  /** @type {(reason: unknown) => void} */
  let reject = () => {};
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {promise, resolve, reject};
}
