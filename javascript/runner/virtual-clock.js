/**
 * The run's clock: virtual (on @sinonjs/fake-timers) or real (Node's own timers).
 *
 * Virtual time (spec/PROTOCOL.md section 5) keeps these guarantees:
 * - time is an integer number of ms, starting at 0 for the run (the fake clock itself starts at a
 *   non-zero epoch: some code treats 0 as "no time yet");
 * - a timer's delay is rounded to whole ms by the protocol's one rule (`roundMs`: halves up), so a
 *   delay below half a ms -- 0 included -- is due at the same ms, where Node's real `setTimeout`
 *   waits 1 ms (fake-timers alone truncates, and stretches 0 to 1 only inside a timer callback;
 *   the real clock's tolerance absorbs Node's 1 ms); an interval stays at least 1 ms, as Node's;
 * - timers fire one at a time, by due time then in the order they were scheduled (fake-timers
 *   orders its heap so; a test pins it), and between two of them -- even of the same ms -- the
 *   driver lets one real macrotask pass, which drains every queued promise continuation, before
 *   it fires the next (`setImmediate` callbacks come first: fake-timers puts them ahead of the
 *   timers of their ms);
 * - the clock never jumps while a timer of the real clock is pending (code that captured the real
 *   `setTimeout` before the install): `runUntil` ends with 'real-time' instead, and the runner
 *   answers `unsupported` (unref'd real timers are invisible to this check);
 * - `AbortSignal.timeout`, which fake-timers cannot fake (Node binds it to the timers of the
 *   moment its internal module loads), is replaced for the run by an AbortController aborted from
 *   the fake `setTimeout` with a `TimeoutError` DOMException, and restored after; so is
 *   `timers/promises`' `scheduler.wait`, which fake-timers leaves real. ESM named imports of
 *   `timers/promises` see the fakes through `syncBuiltinESMExports()`.
 *
 * Both clocks tell whether a timer the implementation armed is still armed when the pattern settles
 * (`pendingWork()`: the leak "work still pending", spec/PROTOCOL.md section 7). The runner arms its
 * own timers -- the limit, the caller's cancellation, a plan's delays, the heartbeat, the stand-in
 * of `AbortSignal.timeout` -- through `runnerTimeout` / `runnerImmediate`, which the clocks do not count.
 * @module
 */

import {syncBuiltinESMExports} from 'node:module';
import timersPromises from 'node:timers/promises';
import FakeTimers from '@sinonjs/fake-timers';

// Captured before any fake clock is installed.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
const realClearImmediate = globalThis.clearImmediate;
// Not performance.now: on Node 18 it reads process.hrtime, which the fake clock replaces.
const realHrtime = process.hrtime.bigint;
const realNow = () => Number(realHrtime()) / 1e6;
const realAbortSignalTimeout = AbortSignal.timeout;
// Load Node's internal abort module now, on the real clock: loaded first during an install, it
// would stay bound to that fake clock for the life of the process (RUNTIMES.md). 1 ms, not 0:
// Node before 19 rejects 0. On a Node without it, check_api skips the patterns that need it.
if (typeof realAbortSignalTimeout === 'function') realAbortSignalTimeout.call(AbortSignal, 1);

/** True while the runner arms a timer of its own: the clock does not count that one as the pattern's work. */
let armingRunnerTimer = false;

/**
 * Arms a timer of the runner's own through `arm` (one call of the run's setTimeout or setImmediate).
 * @template R
 * @param {() => R} arm
 * @returns {R}
 */
function asRunner(arm) {
  armingRunnerTimer = true;
  try {
    return arm();
  } finally {
    armingRunnerTimer = false;
  }
}

/**
 * `setTimeout` on the run's clock for the runner's own work: left out of `pendingWork()`.
 * @param {() => void} fn
 * @param {number} ms
 * @returns {ReturnType<typeof setTimeout>}
 */
export function runnerTimeout(fn, ms) {
  return asRunner(() => setTimeout(fn, ms));
}

/**
 * `setImmediate` on the run's clock for the runner's own work: left out of `pendingWork()`.
 * @param {() => void} fn
 * @returns {ReturnType<typeof setImmediate>}
 */
export function runnerImmediate(fn) {
  return asRunner(() => setImmediate(fn));
}

/** The fake clock's epoch: 2023-11-14T22:13:20Z. */
export const EPOCH_MS = 1_700_000_000_000;
const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * How `runUntil` ended: `done()` held; nothing was left to run; the real-time budget ran out; or a
 * timer of the real clock is pending, which the virtual clock must not jump over.
 * @typedef {'done' | 'idle' | 'wall' | 'real-time'} RunEnd
 */

/** How many (ref'd) timers of the real clock are active in the process now. */
export function realTimersActive() {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

/**
 * A promise that resolves after one real macrotask: every queued microtask has run by then.
 * @returns {Promise<void>}
 */
export function realMacrotask() {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Real milliseconds (a monotonic clock that no fake replaces). */
export {realNow};

/**
 * A delay in whole ms by the protocol's rule (spec/PROTOCOL.md section 5): to the nearest ms,
 * halves up, on the value first rounded to a millionth of a ms so that binary floating point
 * cannot flip a half (10 + 75.5 computed in seconds is 85.49999999999999 ms: 86). Below half a
 * ms, negative or NaN: 0.
 * @param {number} ms
 * @returns {number}
 */
export function roundMs(ms) {
  if (!(ms > 0)) return 0;
  return Math.floor(Math.round(ms * 1e6) / 1e6 + 0.5);
}

/**
 * A timer's delay on the virtual clock: `roundMs`, and like Node's, 1 ms beyond `setTimeout`'s
 * maximum (Node fires such a timer after 1 ms; a reference must not rely on more).
 * @param {unknown} delay
 * @returns {number}
 */
export function timerDelay(delay) {
  const ms = Number(delay);
  return ms > TIMEOUT_MAX ? 1 : roundMs(ms);
}

/**
 * `AbortSignal.timeout` on whatever `setTimeout` is current (the fake one during a virtual run).
 * @param {number} delay
 * @returns {AbortSignal}
 */
function virtualAbortSignalTimeout(delay) {
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 2 ** 32 - 1) {
    throw Object.assign(new RangeError(`The value of "delay" is out of range. Received ${String(delay)}`), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  const controller = new AbortController();
  // The runner's: in real Node this timer keeps nothing alive, so one left armed is no leak.
  runnerTimeout(() => {
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, delay);
  return controller.signal;
}

/**
 * The interface both clocks share.
 * @typedef {object} RunClock
 * @property {'virtual' | 'real'} kind
 * @property {() => void} install
 * @property {() => number} now Whole ms since `install()`.
 * @property {(done: () => boolean, wallBudgetMs: number) => Promise<RunEnd>} runUntil
 *   Lets the run go on until `done()` holds (checked whenever no continuation is pending), nothing
 *   is left to run ('idle'), or the real-time budget is spent ('wall').
 * @property {() => string[]} warnings What the clock noticed (a blocked event loop, a timer that threw).
 * @property {() => boolean} pendingWork Whether a timer the implementation armed (not one of the
 *   runner's own) is still armed: neither fired nor cleared.
 * @property {() => void} uninstall
 */

/** @implements {RunClock} */
export class VirtualClock {
  kind = /** @type {const} */ ('virtual');
  /** @type {import('@sinonjs/fake-timers').Clock | undefined} */
  #clock;
  #start = 0;
  /** @type {string[]} */
  #warnings = [];
  /** @type {unknown} */
  #savedWait;
  #realTimersAtStart = 0;
  #stoppedAt = 0;
  /** @type {Set<number>} The ids of the timers armed other than by the runner (`runnerTimeout`). */
  #workTimers = new Set();

  install() {
    if (this.#clock) throw new Error('the virtual clock is already installed');
    const clock = FakeTimers.install({
      now: EPOCH_MS,
      toFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'Date',
        'performance',
        'hrtime',
      ],
    });
    // The globals call clock.setTimeout / clock.setInterval / clock.setImmediate at each call (and
    // so does the faked timers/promises): normalizing the delay here covers them all.
    const {setTimeout: fakeSetTimeout, setInterval: fakeSetInterval, setImmediate: fakeSetImmediate} = clock;
    const workTimers = this.#workTimers;
    /**
     * Notes a timer armed by the pattern's code (fake-timers' handles convert to their ids).
     * @template H
     * @param {H} handle
     * @returns {H}
     */
    const counted = (handle) => {
      if (!armingRunnerTimer) workTimers.add(Number(handle));
      return handle;
    };
    const internals = /** @type {{duringTick?: boolean}} */ (/** @type {unknown} */ (clock));
    /**
     * fake-timers arms a 0 ms timer (and an immediate) armed inside a timer callback 1 ms later
     * (its `duringTick` flag); the virtual rule keeps it at the same ms.
     * @template R
     * @param {() => R} arm
     * @returns {R}
     */
    const armAtThisMs = (arm) => {
      const during = internals.duringTick;
      internals.duringTick = false;
      try {
        return arm();
      } finally {
        internals.duringTick = during;
      }
    };
    clock.setTimeout = Object.assign(
      /** @type {typeof clock.setTimeout} */ (
        (fn, delay, ...args) => {
          const ms = timerDelay(delay);
          return counted(ms > 0 ? fakeSetTimeout(fn, ms, ...args) : armAtThisMs(() => fakeSetTimeout(fn, 0, ...args)));
        }
      ),
      fakeSetTimeout,
    );
    clock.setInterval = Object.assign(
      /** @type {typeof clock.setInterval} */ ((fn, delay, ...args) => counted(fakeSetInterval(fn, Math.max(1, timerDelay(delay)), ...args))),
      fakeSetInterval,
    );
    clock.setImmediate = Object.assign(
      /** @type {typeof clock.setImmediate} */ ((fn, ...args) => counted(armAtThisMs(() => fakeSetImmediate(fn, ...args)))),
      fakeSetImmediate,
    );
    AbortSignal.timeout = virtualAbortSignalTimeout;
    const scheduler = /** @type {{wait?: unknown}} */ (timersPromises.scheduler);
    this.#savedWait = Object.getOwnPropertyDescriptor(scheduler, 'wait');
    scheduler.wait = (/** @type {number} */ delay, /** @type {{signal?: AbortSignal}} */ options) =>
      timersPromises.setTimeout(delay, undefined, options);
    syncBuiltinESMExports();
    this.#clock = clock;
    this.#start = clock.now;
    this.#realTimersAtStart = realTimersActive();
  }

  /** @type {(() => boolean) | undefined} Work the clock cannot see is running (a worker's): it must not advance. */
  busy;

  /**
   * The loop's own thread was busy for `ms` (blocking work on the loop): the clock moves on at once,
   * and every timer due meanwhile is due now, to fire late, after the block -- not during it, as
   * fake-timers' `jump()` would (spec/PROTOCOL.md section 5, "Blocking work"). Timers made due at
   * one instant so fire in the order they were scheduled.
   * @param {number} ms
   */
  consume(ms) {
    const clock = this.#clock;
    if (!clock) throw new Error('the virtual clock is not installed');
    const target = clock.now + roundMs(ms);
    const timers = /** @type {{timers?: Record<string, {callAt: number}>}} */ (/** @type {unknown} */ (clock)).timers ?? {};
    for (const timer of Object.values(timers)) if (timer.callAt < target) timer.callAt = target;
    clock.now = target;
  }

  /** Whole ms since the install; after `uninstall()`, the last reading (late callers get a stopped clock). */
  now() {
    return this.#clock ? this.#clock.now - this.#start : this.#stoppedAt;
  }

  /**
   * @param {() => boolean} done
   * @param {number} wallBudgetMs
   * @returns {Promise<RunEnd>}
   */
  async runUntil(done, wallBudgetMs) {
    const clock = this.#clock;
    if (!clock) throw new Error('the virtual clock is not installed');
    const wallDeadline = realNow() + wallBudgetMs;
    for (;;) {
      let before = realNow();
      await realMacrotask();
      this.#noteBlocked(before);
      if (done()) return 'done';
      if (realNow() > wallDeadline) return 'wall';
      if (this.busy?.()) {
        // A worker is starting, loading its work or returning a value: wait for it in real time.
        await new Promise((resolve) => realSetTimeout(resolve, 1));
        continue;
      }
      if (realTimersActive() > this.#realTimersAtStart) return 'real-time';
      if (clock.countTimers() === 0) return 'idle';
      before = realNow();
      try {
        clock.next();
      } catch (error) {
        this.#warnings.push(`a timer callback threw at t=${this.now()} ms: ${String(error)}`);
      }
      this.#noteBlocked(before);
    }
  }

  /**
   * A step of the run that took long in real time blocked the event loop: time stood still.
   * @param {number} since
   */
  #noteBlocked(since) {
    const blocked = realNow() - since;
    if (blocked > 100) {
      this.#warnings.push(`the event loop was blocked for ${Math.round(blocked)} ms of real time (at t=${this.now()} ms)`);
    }
  }

  warnings() {
    return this.#warnings;
  }

  pendingWork() {
    // fake-timers drops a timer from its map once it has fired (an interval, never) or is cleared.
    const timers = /** @type {{timers?: Map<number, unknown>}} */ (/** @type {unknown} */ (this.#clock))?.timers;
    return [...this.#workTimers].some((id) => timers?.has(id));
  }

  uninstall() {
    const clock = this.#clock;
    if (!clock) return;
    this.#stoppedAt = this.now();
    this.#clock = undefined;
    clock.uninstall();
    AbortSignal.timeout = realAbortSignalTimeout;
    const scheduler = /** @type {{wait?: unknown}} */ (timersPromises.scheduler);
    if (this.#savedWait) Object.defineProperty(scheduler, 'wait', /** @type {PropertyDescriptor} */ (this.#savedWait));
    else delete scheduler.wait;
    syncBuiltinESMExports();
  }
}

/**
 * The runtime's own clock and timers. Timers the run creates are tracked, so the ones it leaves
 * behind are cleared at `uninstall()` and never fire into the next run. What `pendingWork()` sees
 * is what goes through the globals: not a timer of `node:timers` or `timers/promises`.
 * @implements {RunClock}
 */
export class RealClock {
  kind = /** @type {const} */ ('real');
  #start = 0;
  /** @type {Set<ReturnType<typeof setTimeout>>} */
  #timeouts = new Set();
  /** @type {Set<ReturnType<typeof setInterval>>} */
  #intervals = new Set();
  /** @type {Map<unknown, 'timer' | 'immediate'>} The timers armed other than by the runner, until fired or cleared. */
  #workTimers = new Map();
  #installed = false;

  install() {
    const timeouts = this.#timeouts;
    const intervals = this.#intervals;
    const workTimers = this.#workTimers;
    /**
     * @param {unknown} handle
     * @param {'timer' | 'immediate'} kind
     */
    const counted = (handle, kind) => {
      if (!armingRunnerTimer) workTimers.set(handle, kind);
    };
    /**
     * A timer cleared: by its handle, or (a timeout or interval) by the number it converts to.
     * @param {unknown} handle
     * @param {'timer' | 'immediate'} kind
     */
    const forget = (handle, kind) => {
      for (const [armed, armedKind] of workTimers) {
        if (armedKind === kind && (armed === handle || (kind === 'timer' && typeof handle !== 'object' && Number(armed) === Number(handle)))) workTimers.delete(armed);
      }
    };
    globalThis.setTimeout = Object.assign(
      /** @type {typeof setTimeout} */ (
        (/** @type {(...args: any[]) => void} */ fn, /** @type {number | undefined} */ delay, /** @type {any[]} */ ...args) => {
          const handle = realSetTimeout((...a) => {
            timeouts.delete(handle);
            workTimers.delete(handle);
            fn(...a);
          }, delay, ...args);
          timeouts.add(handle);
          counted(handle, 'timer');
          return handle;
        }
      ),
      realSetTimeout,
    );
    globalThis.setInterval = Object.assign(
      /** @type {typeof setInterval} */ (
        (/** @type {(...args: any[]) => void} */ fn, /** @type {number | undefined} */ delay, /** @type {any[]} */ ...args) => {
          const handle = realSetInterval(fn, delay, ...args);
          intervals.add(handle);
          counted(handle, 'timer');
          return handle;
        }
      ),
      realSetInterval,
    );
    globalThis.setImmediate = Object.assign(
      /** @type {typeof setImmediate} */ (
        (/** @type {(...args: any[]) => void} */ fn, /** @type {any[]} */ ...args) => {
          const handle = realSetImmediate((...a) => {
            workTimers.delete(handle);
            fn(...a);
          }, ...args);
          counted(handle, 'immediate');
          return handle;
        }
      ),
      realSetImmediate,
    );
    // clearTimeout and clearInterval clear either kind of timer, as Node's do; not an immediate.
    globalThis.clearTimeout = (/** @type {Parameters<typeof clearTimeout>[0]} */ handle) => {
      forget(handle, 'timer');
      realClearTimeout(handle);
    };
    globalThis.clearInterval = (/** @type {Parameters<typeof clearInterval>[0]} */ handle) => {
      forget(handle, 'timer');
      realClearInterval(handle);
    };
    globalThis.clearImmediate = (/** @type {Parameters<typeof clearImmediate>[0]} */ handle) => {
      forget(handle, 'immediate');
      realClearImmediate(handle);
    };
    this.#installed = true;
    this.#start = realNow();
  }

  pendingWork() {
    return this.#workTimers.size > 0;
  }

  now() {
    return Math.round(realNow() - this.#start);
  }

  /**
   * @param {() => boolean} done
   * @param {number} wallBudgetMs
   * @returns {Promise<RunEnd>}
   */
  async runUntil(done, wallBudgetMs) {
    const wallDeadline = realNow() + wallBudgetMs;
    // Real time runs by itself: look in often enough for exact-ish readings.
    for (;;) {
      if (done()) return 'done';
      if (realNow() > wallDeadline) return 'wall';
      await new Promise((resolve) => realSetTimeout(resolve, 1));
    }
  }

  warnings() {
    return [];
  }

  uninstall() {
    if (!this.#installed) return;
    this.#installed = false;
    globalThis.setTimeout = realSetTimeout;
    globalThis.setInterval = realSetInterval;
    globalThis.setImmediate = realSetImmediate;
    globalThis.clearTimeout = realClearTimeout;
    globalThis.clearInterval = realClearInterval;
    globalThis.clearImmediate = realClearImmediate;
    this.#workTimers.clear();
    for (const handle of this.#timeouts) realClearTimeout(handle);
    for (const handle of this.#intervals) realClearInterval(handle);
    this.#timeouts.clear();
    this.#intervals.clear();
  }
}

/**
 * Runs `fn` on a virtual clock installed for the call, and reports how it settled and when: the
 * tests' way to put a pattern on virtual time. The clock is uninstalled before this resolves.
 * @template T
 * @param {(clock: {now: () => number}) => Promise<T>} fn Gets the run's clock (whole ms since the start).
 * @param {{limitMs?: number}} [options] Give up (status 'unfinished') after this much virtual time.
 * @returns {Promise<{status: 'fulfilled', value: T, elapsedMs: number} | {status: 'rejected', reason: unknown, elapsedMs: number} | {status: 'unfinished', elapsedMs: null}>}
 */
export async function onVirtualTime(fn, {limitMs = 3_600_000} = {}) {
  const clock = new VirtualClock();
  clock.install();
  try {
    /** @type {{status: 'fulfilled', value: T, elapsedMs: number} | {status: 'rejected', reason: unknown, elapsedMs: number} | undefined} */
    let settled;
    let limitReached = false;
    setTimeout(() => (limitReached = true), limitMs);
    Promise.resolve({now: () => clock.now()})
      .then(fn)
      .then(
        (value) => (settled = {status: 'fulfilled', value, elapsedMs: clock.now()}),
        (reason) => (settled = {status: 'rejected', reason, elapsedMs: clock.now()}),
      );
    await clock.runUntil(() => settled !== undefined || limitReached, 20_000);
    return settled ?? {status: 'unfinished', elapsedMs: null};
  } finally {
    clock.uninstall();
  }
}
