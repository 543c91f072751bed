/**
 * The loop-lag watch: how long the run's event loop went without coming back.
 *
 * The run's clock asks its `done()` condition each time the loop comes back to it: on virtual time
 * after every real macrotask and every timer it fires, on real time every millisecond or so. The
 * watch is called from that condition and measures, in real time, the stretch since the previous
 * call: a callback that blocks the loop (`Atomics.wait`, a busy loop) stretches it by as long as it
 * blocks. JavaScript has one thread, so nothing can look in *during* a block; the run stops at the
 * loop's first chance after it.
 *
 * A busy machine stretches turns too, by the time the thread waits for a CPU. On Linux the kernel
 * counts that wait (`/proc/thread-self/schedstat`, run-queue delay), and a stretch that reaches
 * the limit is measured without it: a loaded machine does not make a correct run "blocked". The
 * reading is refreshed at most every `RUN_DELAY_REFRESH_MS`, so a stretch may lose up to that much
 * of its own run-queue wait as well -- never more.
 *
 * The runtime's own work on the loop thread that no pattern can do without is left out too: the
 * runner reports it with `excuse(ms)`. So far that is a worker's start and stop: `new Worker()`
 * returns only once the new thread is set up, 0.2 ms usually, but up to 36 ms measured on an idle
 * machine and 78 ms beside two busy processes (off the CPU, not waiting for one: the run-queue
 * correction does not see it); `terminate()` took up to 17 ms on a busy machine.
 *
 * On the virtual clock a blocking wait on the loop's thread (`Atomics.wait`) is no measurement: the
 * run does not wait it (`virtualBlockingWaits`), the clock moves on by its timeout at once, and the
 * watch is told of it (`blockedFor`) -- a block of exactly that length, added to the stretch it
 * happened in, whatever the machine's load.
 * @module
 */

import {readFileSync} from 'node:fs';
import {realNow, roundMs} from './virtual-clock.js';

/** How old the run-queue reading a stretch is corrected by may be (real ms). */
export const RUN_DELAY_REFRESH_MS = 10;

const SCHEDSTAT = '/proc/thread-self/schedstat';
let schedstatReadable = true;

/**
 * The real ms this thread has spent runnable but waiting for a CPU, or 0 where the kernel does not
 * say (not Linux).
 */
export function runQueueDelayMs() {
  if (!schedstatReadable) return 0;
  try {
    return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ')[1]) / 1e6 || 0;
  } catch {
    schedstatReadable = false;
    return 0;
  }
}

/** The latest run-queue reading, shared by the runs of a process: refreshed at most every period. */
export class RunQueueReading {
  #read;
  at;
  delayMs;

  /**
   * @param {() => number} [read] The thread's run-queue delay so far (ms).
   * @param {number} [now] Real ms now.
   */
  constructor(read = runQueueDelayMs, now = realNow()) {
    this.#read = read;
    this.at = now;
    this.delayMs = read();
  }

  /** @param {number} now */
  refresh(now) {
    this.at = now;
    this.delayMs = this.#read();
  }
}

const SHARED_READING = new RunQueueReading();

/** Real ms the runtime's own work held the loop thread (`excuse`), since the process started. */
let excusedMs = 0;

/**
 * The loop thread just spent `ms` of real time in the runtime's own work (starting a worker): no
 * stretch counts it.
 * @param {number} ms
 */
export function excuse(ms) {
  excusedMs += ms;
}

/** The real ms excused so far. */
export function excused() {
  return excusedMs;
}

export class LoopWatch {
  #limitMs;
  #now;
  #reading;
  #last;
  #excusedAtLast = excusedMs;
  #longest = 0;
  /** Blocks the loop's thread was told of since it last came back (`blockedFor`), ms. */
  #namedMs = 0;
  /** The longest of those in one stretch, alone: exact, so judged by the protocol's limit (`namedBlockMs`). */
  #namedLongest = 0;

  /**
   * @param {number} limitMs A stretch this long (real ms) is a block: `cameBack()` says so.
   * @param {{now?: () => number, reading?: RunQueueReading}} [options] Test seams: the real clock,
   *   the run-queue reading.
   */
  constructor(limitMs, {now = realNow, reading = SHARED_READING} = {}) {
    this.#limitMs = limitMs;
    this.#now = now;
    this.#reading = reading;
    this.#last = now();
    // The shared reading may be a previous run's, from before whatever waits for a CPU came between
    // the runs: taken off this run's first stretch, they hid a whole block on a loaded machine.
    if (this.#last - reading.at >= RUN_DELAY_REFRESH_MS) reading.refresh(this.#last);
  }

  /**
   * The loop's thread was blocked `ms` that real time did not see pass: a blocking wait on the
   * virtual clock, which the run does not wait. It counts whole in the stretch going on, when the
   * loop is back (`cameBack`).
   * @param {number} ms
   */
  blockedFor(ms) {
    this.#namedMs += ms;
  }

  /**
   * The loop is back: measures the stretch since the previous call (or since the watch started).
   * @returns {boolean} Whether that stretch reached the limit.
   */
  cameBack() {
    const now = this.#now();
    const reading = this.#reading;
    let stretch = now - this.#last - (excusedMs - this.#excusedAtLast);
    const named = this.#namedMs;
    this.#namedMs = 0;
    if (named > this.#namedLongest) this.#namedLongest = named;
    this.#last = now;
    this.#excusedAtLast = excusedMs;
    if (stretch + named >= this.#limitMs) {
      // The reading is from the stretch's start or up to RUN_DELAY_REFRESH_MS before it.
      const before = reading.delayMs;
      reading.refresh(now);
      stretch = Math.max(0, stretch - (reading.delayMs - before));
    } else if (now - reading.at >= RUN_DELAY_REFRESH_MS) {
      reading.refresh(now);
    }
    // The run-queue correction is real time's: a block told of is not measured, so never reduced.
    stretch += named;
    if (stretch > this.#longest) this.#longest = stretch;
    return stretch >= this.#limitMs;
  }

  /** The longest stretch measured, in whole real ms. */
  get blockedMs() {
    return Math.round(this.#longest);
  }

  /** The longest block told of (`blockedFor`) in one stretch, in whole ms. */
  get namedBlockMs() {
    return Math.round(this.#namedLongest);
  }

  /** Whether a stretch reached the limit. */
  get blocked() {
    return this.#longest >= this.#limitMs;
  }
}

const originalWait = Atomics.wait;

/**
 * For one run on the real clock, caps a wait on the main thread (`Atomics.wait`, JavaScript's blocking sleep) at
 * the block limit plus twice `RUN_DELAY_REFRESH_MS`: a wait that long is a block whatever it
 * waits for -- the stretch holding it reads at least the limit even after the run-queue
 * correction, which may take up to `RUN_DELAY_REFRESH_MS` too much -- so the run is judged
 * blocked when the loop comes back, and the rest of the wait is not waited out (a retry's
 * blocking sleep of seconds, say). A shorter wait is left as it is, and so are workers' waits
 * (each thread has its own `Atomics`). Only a run judged blocked sees a wait end early.
 * @param {number} limitMs The run's block limit (real ms).
 * @returns {() => void} Puts `Atomics.wait` back.
 */
export function capBlockingWaits(limitMs) {
  const capMs = limitMs + 2 * RUN_DELAY_REFRESH_MS;
  /** @type {any} */ (Atomics).wait = (/** @type {any} */ array, /** @type {number} */ index, /** @type {any} */ value, /** @type {unknown} */ timeout) =>
    originalWait(array, index, value, cappedTimeout(timeout, capMs));
  return () => {
    /** @type {any} */ (Atomics).wait = originalWait;
  };
}

/**
 * For one run on the virtual clock, a wait on the loop's thread (`Atomics.wait`, JavaScript's
 * blocking sleep; each thread has its own `Atomics`, so a worker's waits are left alone) does not
 * wait: the loop was busy for its timeout, so the clock moves on by it at once (`consume`, as for
 * blocking work called inline) and the watch counts a block of that length (`blockedFor`), judged
 * by the limit like a measured one. It answers what `Atomics.wait` answers after that timeout:
 * `'timed-out'`; `'not-equal'` at once, with no block, when the value differs; a negative timeout
 * is 0; bad arguments throw as `Atomics.wait` throws (it is asked, with a timeout of 0). Nothing
 * wakes it with `'ok'`: only another thread's `Atomics.notify` could, at a real instant the
 * virtual clock cannot place -- a main thread that waits on a worker is not in the catalogue.
 * A wait for ever (timeout left out, NaN, Infinity, or past 2^53 ms) has no length to take off
 * the clock: it stays a real wait capped as on the real clock (`capBlockingWaits`) -- a block the
 * watch measures, at the limit or more, so the run is judged blocked and never hangs.
 * The runner's own waits on the main thread (blocking work called inline) take no `Atomics.wait`
 * on the virtual clock: they move the clock themselves (blocking.js, `inline`).
 * @param {number} limitMs The run's block limit (real ms).
 * @param {{consume: (ms: number) => void, watch: LoopWatch}} run The run's clock and watch.
 * @returns {() => void} Puts `Atomics.wait` back.
 */
export function virtualBlockingWaits(limitMs, {consume, watch}) {
  const capMs = limitMs + 2 * RUN_DELAY_REFRESH_MS;
  /** @type {any} */ (Atomics).wait = (/** @type {any} */ array, /** @type {number} */ index, /** @type {any} */ value, /** @type {any} */ timeout) => {
    const ms = timeout === undefined ? Number.NaN : +timeout; // ToNumber: a BigInt or Symbol throws, as in Atomics.wait
    const now = originalWait(array, index, value, 0); // checks the arguments, compares the value
    if (now !== 'timed-out') return now;
    if (Number.isNaN(ms) || ms > Number.MAX_SAFE_INTEGER) return originalWait(array, index, value, capMs);
    const waited = roundMs(Math.max(0, ms));
    consume(waited);
    watch.blockedFor(waited);
    return 'timed-out';
  };
  return () => {
    /** @type {any} */ (Atomics).wait = originalWait;
  };
}

/**
 * A wait's timeout as `Atomics.wait` reads it (left out or NaN: forever), capped at `capMs`.
 * @param {unknown} timeout
 * @param {number} capMs
 */
export function cappedTimeout(timeout, capMs) {
  const ms = timeout === undefined ? Infinity : Number(timeout);
  return Number.isNaN(ms) ? capMs : Math.min(ms, capMs);
}
