/**
 * The main-thread side of the injected blocking work, and the heartbeat on the loop
 * (spec/PROTOCOL.md section 5, "Blocking work"; the work itself: blocking-work.js and blocking-call.js).
 *
 * For one run it
 * - records each blocking call (`call`, then `ok`/`fail`) on the run's clock;
 * - on the virtual clock ends a worker's block when the clock reaches its end (a timer of the
 *   fake clock), and moves the clock on at once for a block on the main thread (inline work: the
 *   loop was busy that long, every timer due meanwhile fires late);
 * - watches every `Worker` created during the run (`worker_threads.Worker` is replaced for the run,
 *   and ESM named imports see it through `syncBuiltinESMExports()`): a worker with a message
 *   posted to it and not yet answered, whose call is not parked on the clock, is work the clock
 *   must wait for (`busy`) -- starting up, loading the work, returning its value. A message counts
 *   whether it went by the worker's `postMessage` or through a `MessagePort` whose other end was
 *   handed to the worker (piscina's pool talks to its workers so): `MessageChannel` is replaced
 *   for the run too, and an answer on that port counts when it is dispatched or read with
 *   `receiveMessageOnPort`;
 * - after the run, ends every block still going (recorded apart, in `trace_after`) and terminates
 *   any worker the pattern left alive -- but an idle, `unref()`ed one (a pool's, kept for its next
 *   call): that one is kept, and the next run watches it from its start.
 * @module
 */

import {syncBuiltinESMExports} from 'node:module';
import workerThreads from 'node:worker_threads';
import {BLOCK_FOR, ENDED, REPLY_BYTES, sleepThread} from './blocking-call.js';
import {excuse} from './loop-watch.js';
import {realNow, roundMs, runnerTimeout} from './virtual-clock.js';

const RUNNER_KEY = Symbol.for('asyncconf.blocking');
const OriginalWorker = workerThreads.Worker;
const OriginalMessageChannel = workerThreads.MessageChannel;
const originalReceiveMessageOnPort = workerThreads.receiveMessageOnPort;
/**
 * Node's one entry for delivering a port's message to its listeners and `onmessage` (its
 * per-context messageport.js), whatever way they were added: runtime behaviour, not a documented
 * API -- blocking.test.js fails if a message stops going through it.
 */
const DISPATCH = Symbol.for('nodejs.internal.kHybridDispatch');
let runs = 0;

/** @typedef {import('./instruments.js').Instruments} Instruments */
/** @typedef {import('./instruments.js').Step} Step */

/**
 * A blocking call in progress.
 * @typedef {object} BlockingCall
 * @property {string} key
 * @property {number} n
 * @property {Step} step
 * @property {Int32Array} [words] The worker's reply word and length (absent inline).
 * @property {Uint8Array} [bytes]
 * @property {WatchedEntry} [entry] The worker it runs in.
 * @property {ReturnType<typeof setTimeout>} [timer]
 * @property {number} [dueMs] When its block ends (virtual clock).
 * @property {number} order When its work was handed over: the place of its message among all posted.
 */

/**
 * @typedef {object} WatchedEntry
 * @property {InstanceType<typeof OriginalWorker>} worker
 * @property {BlockingWork | null} run The run watching it now (none between runs).
 * @property {boolean} refed It keeps the process alive (`ref()`, as a worker starts).
 * @property {number} outstanding Messages posted to the worker and not yet answered.
 * @property {number[]} handedOver The hand-over order of each message posted and not yet answered.
 * @property {number} postedAt When the last one was posted (the run's clock).
 * @property {boolean} terminating `terminate()` was called.
 * @property {BlockingCall | null} parked Its call, while main holds it (the worker waits on main).
 * @property {BlockingCall | null} call Its call in progress.
 */

/**
 * @typedef {object} BlockingClock
 * @property {'virtual' | 'real'} kind
 * @property {(ms: number) => void} [consume]
 */

/** @type {Map<number, WatchedEntry>} Idle workers a pattern kept past its run (a pool's), by thread id. */
const idleWorkers = new Map();
/** @type {WeakMap<object, WatchedEntry>} Every worker created while a run watched, across runs. */
const entries = new WeakMap();
/** @type {WeakMap<object, import('node:worker_threads').MessagePort>} A channel's `port2` -> its `port1`. */
const nearEnds = new WeakMap();
/** @type {WeakMap<object, WatchedEntry>} A `port1` -> the worker its `port2` was handed to. */
const portWorkers = new WeakMap();
/** @type {BlockingWork | null} The run in progress: a runner process runs one at a time. */
let watching = null;

/** @param {WatchedEntry} entry */
function posted(entry) {
  if (!entry.run) return;
  entry.outstanding++;
  entry.handedOver.push(entry.run.handOver());
  entry.postedAt = entry.run.now();
}

/** @param {WatchedEntry} entry */
function answered(entry) {
  if (!entry.run || entry.outstanding === 0) return;
  entry.outstanding--;
  entry.handedOver.shift(); // the oldest message is answered
}

/**
 * The pattern's end of a channel whose other end went to `entry`'s worker: its messages are
 * work handed over, the worker's answers on it end that work. Only wrapped, never listened
 * to: a listener would start the port and take the messages `receiveMessageOnPort` reads.
 * @param {any} near
 * @param {WatchedEntry} entry
 */
function watchPort(near, entry) {
  portWorkers.set(near, entry);
  const post = near.postMessage;
  near.postMessage = (/** @type {unknown[]} */ ...args) => {
    posted(entry);
    return post.apply(near, args);
  };
  const dispatch = near[DISPATCH];
  if (typeof dispatch !== 'function') {
    throw new Error('asyncconf: this Node delivers a port\'s messages otherwise: the runner cannot watch work handed over through a MessagePort');
  }
  near[DISPATCH] = (/** @type {unknown[]} */ ...args) => {
    if (args[1] === 'message') answered(entry);
    return dispatch.apply(near, args);
  };
}

class WatchedMessageChannel extends OriginalMessageChannel {
  constructor() {
    super();
    nearEnds.set(this.port2, this.port1);
  }
}

/** `worker_threads.Worker` while a run watches: its workers report to the run watching them then. */
class WatchedWorker extends OriginalWorker {
  /** @param {ConstructorParameters<typeof OriginalWorker>} args */
  constructor(...args) {
    const started = realNow();
    super(...args);
    excuse(realNow() - started); // the runtime's own time, not the pattern's (loop-watch.js)
    /** @type {WatchedEntry} */
    const entry = {worker: this, run: null, refed: true, outstanding: 0, handedOver: [], postedAt: 0, terminating: false, parked: null, call: null};
    entries.set(this, entry);
    const id = this.threadId;
    watching?.watch(id, entry);
    this.once('exit', () => {
      idleWorkers.delete(id);
      entry.run?.exited(id, entry);
    });
  }

  /**
   * @override
   * @param {Parameters<InstanceType<typeof OriginalWorker>['postMessage']>} args
   */
  postMessage(...args) {
    const entry = entries.get(this);
    if (entry?.run) {
      posted(entry);
      for (const item of /** @type {unknown[]} */ (args[1] ?? [])) {
        const near = typeof item === 'object' && item !== null ? nearEnds.get(item) : undefined;
        if (near && !portWorkers.has(near)) watchPort(near, entry);
      }
    }
    return super.postMessage(...args);
  }

  /** @override */
  terminate() {
    // Until it has exited, a terminated worker is work the clock waits for: what it stopped
    // is recorded when it stopped, not after a later timer.
    const entry = entries.get(this);
    if (entry) entry.terminating = true;
    const started = realNow();
    try {
      return super.terminate();
    } finally {
      excuse(realNow() - started); // the runtime's own time too: up to 17 ms measured on a busy machine
    }
  }

  /** @override */
  ref() {
    const entry = entries.get(this);
    if (entry) entry.refed = true;
    super.ref();
  }

  /** @override */
  unref() {
    const entry = entries.get(this);
    if (entry) entry.refed = false;
    super.unref();
  }

  /**
   * @override
   * @param {string | symbol} event
   * @param {any[]} args
   */
  emit(event, ...args) {
    const handled = super.emit(event, ...args);
    const entry = entries.get(this);
    if (event === 'message' && entry) answered(entry);
    return handled;
  }
}

export class BlockingWork {
  /** Idle workers kept for a pattern's pool beyond this many are terminated (a pattern that leaks them). */
  static mostIdleKept = 16;
  /** The module URL the pattern loads the work from (in its workers, or inline). */
  filename;
  #ins;
  #clock;
  #channel;
  /** @type {Map<number, WatchedEntry>} */
  #workers = new Map();
  /** @type {Set<BlockingCall>} */
  #calls = new Set();
  /** @type {string[]} */
  #warnings = [];
  #handOvers = 0;

  /**
   * @param {Instruments} ins
   * @param {BlockingClock} clock
   */
  constructor(ins, clock) {
    const run = ++runs;
    this.filename = new URL(`./blocking-work.js?run=${process.pid}-${run}`, import.meta.url).href;
    this.#ins = ins;
    this.#clock = clock;
    this.#channel = new BroadcastChannel(`asyncconf:blocking:${process.pid}-${run}`);
    this.#channel.onmessage = (event) => this.#onMessage(/** @type {MessageEvent} */ (event).data);
  }

  /**
   * Watches the workers the run creates, and takes inline calls. Loads the work's module here too:
   * a pattern that imports it on the main thread then finds it loaded -- loading it during the run
   * would be real-time work the virtual clock cannot see.
   */
  async install() {
    await import(this.filename);
    watching = this;
    // A pool's idle workers, kept from an earlier run: watched from the start, with nothing posted.
    for (const [id, entry] of idleWorkers) this.watch(id, entry);
    idleWorkers.clear();
    workerThreads.Worker = WatchedWorker;
    workerThreads.MessageChannel = WatchedMessageChannel;
    globalThis.MessageChannel = WatchedMessageChannel;
    workerThreads.receiveMessageOnPort = (port) => {
      const received = originalReceiveMessageOnPort(port);
      const entry = portWorkers.get(port);
      if (received !== undefined && entry) answered(entry);
      return received;
    };
    syncBuiltinESMExports();
    /** @type {Record<symbol, unknown>} */ (globalThis)[RUNNER_KEY] = this;
  }

  /**
   * For the watched classes: a worker this run watches from now on.
   * @param {number} id
   * @param {WatchedEntry} entry
   */
  watch(id, entry) {
    Object.assign(entry, {run: this, outstanding: 0, handedOver: [], postedAt: 0, parked: null, call: null});
    this.#workers.set(id, entry);
  }

  /** For the watched classes: the number of the work handed over now. */
  handOver() {
    return ++this.#handOvers;
  }

  /** For the watched classes: the run's clock. */
  now() {
    return this.#ins.now();
  }

  /** True while a worker of the run has work the clock cannot see: it must not advance. */
  busy() {
    for (const entry of this.#workers.values()) if (entry.terminating || (entry.outstanding > 0 && entry.parked === null)) return true;
    return false;
  }

  /**
   * Work called on the main thread: blocks the loop (virtual: moves the clock on at once).
   * @param {string} key
   * @returns {unknown}
   */
  inline(key) {
    const {step, n} = this.#ins.startBlocking(key);
    if (step.hang) throw new RangeError('a blocking step that hangs cannot run on the loop thread: it would never come back');
    const ms = step.after_ms ?? 0;
    if (this.#clock.kind === 'virtual') this.#clock.consume?.(ms);
    else sleepThread(ms);
    const ended = this.#ins.endBlocking(key, n, step);
    if ('fail' in ended) throw this.#ins.blockingError(ended);
    return ended.ok;
  }

  /** @param {any} message */
  #onMessage(message) {
    const entry = this.#workers.get(message.threadId);
    if (message.type === 'start') {
      // On the real clock a call starts when the work was posted to its worker: the worker's start-up
      // is part of the call's time, as on the virtual clock, which does not move for it.
      const startedAt = this.#clock.kind === 'real' && entry?.outstanding ? entry.postedAt : undefined;
      const {step, n} = this.#ins.startBlocking(message.key, startedAt);
      /** @type {BlockingCall} */
      const call = {
        key: message.key,
        n,
        step,
        words: new Int32Array(message.shared, 0, 2),
        bytes: new Uint8Array(message.shared, 8, REPLY_BYTES),
        entry,
        // Work not handed over by a message (a worker that calls it on its own) ranks as it starts.
        order: entry?.handedOver[0] ?? ++this.#handOvers, // a worker takes its messages in turn
      };
      this.#calls.add(call);
      if (entry) entry.call = call;
      if (step.hang) {
        if (entry) entry.parked = call; // ended only when the run is over
      } else if (this.#clock.kind === 'virtual') {
        if (entry) entry.parked = call;
        call.dueMs = this.#ins.now() + roundMs(step.after_ms ?? 0);
        call.timer = runnerTimeout(() => this.#endNextDue(call), step.after_ms ?? 0);
      } else {
        const since = startedAt === undefined ? 0 : this.#ins.now() - startedAt;
        this.#reply(call, BLOCK_FOR, {block_ms: Math.max(0, (step.after_ms ?? 0) - since)});
      }
    } else if (message.type === 'end' && entry?.call) {
      this.#end(entry.call);
    }
  }

  /**
   * A block's timer fired: of the calls whose block has ended, the one whose work was handed over
   * first ends -- not the one whose worker happened to start first (workers reach the main thread
   * in the order they are scheduled): blocks ending at one instant end in hand-over order, each
   * with all that follows from it before the next (spec/PROTOCOL.md section 5, "Blocking work").
   * @param {BlockingCall} fired The call whose timer it was.
   */
  #endNextDue(fired) {
    const now = this.#ins.now();
    /** @type {BlockingCall | undefined} */
    let first;
    for (const call of this.#calls) {
      if (call.dueMs === undefined || call.dueMs > now) continue;
      if (!first || call.dueMs < /** @type {number} */ (first.dueMs) || (call.dueMs === first.dueMs && call.order < first.order)) first = call;
    }
    if (!first) return;
    // The fired timer was the fired call's; the one that ends now hands it its own, still armed.
    if (first !== fired) [fired.timer, first.timer] = [first.timer, fired.timer];
    this.#end(first);
  }

  /**
   * The call's block is over: record how it ends, and let its thread go on.
   * @param {BlockingCall} call
   */
  #end(call) {
    if (!this.#calls.delete(call)) return;
    clearTimeout(call.timer);
    const ended = this.#ins.endBlocking(call.key, call.n, call.step);
    if (call.entry) {
      call.entry.parked = null;
      call.entry.call = null;
    }
    this.#reply(call, ENDED, ended);
  }

  /**
   * @param {BlockingCall} call
   * @param {number} state
   * @param {unknown} reply
   */
  #reply(call, state, reply) {
    if (!call.words || !call.bytes) return;
    const encoded = new TextEncoder().encode(JSON.stringify(reply));
    call.bytes.set(encoded.subarray(0, REPLY_BYTES));
    Atomics.store(call.words, 1, Math.min(encoded.length, REPLY_BYTES));
    Atomics.store(call.words, 0, state);
    Atomics.notify(call.words, 0);
  }

  /**
   * For the watched classes: a worker ended (terminated by the pattern, or crashed): a block
   * running in it stopped with it.
   * @param {number} id
   * @param {WatchedEntry} entry
   */
  exited(id, entry) {
    this.#workers.delete(id);
    const call = entry.call;
    if (call && this.#calls.delete(call)) {
      clearTimeout(call.timer);
      this.#ins.stopBlocking(call.key, call.n);
    }
  }

  /** Calls still blocking (the cleanup after the pattern settled waits for them on the run's clock). */
  get running() {
    return this.#calls.size;
  }

  /**
   * The run is over: ends every block still going, terminates every worker the pattern left alive,
   * and restores `Worker`. Resolves once they are gone.
   */
  async finish() {
    for (const call of [...this.#calls]) this.#end(call);
    /** @type {InstanceType<typeof OriginalWorker>[]} */
    const left = [];
    let outlived = 0;
    let beyond = 0;
    for (const [id, entry] of this.#workers) {
      const idle = !entry.terminating && !entry.refed && entry.outstanding === 0 && entry.call === null;
      if (idle && idleWorkers.size < BlockingWork.mostIdleKept) {
        entry.run = null;
        idleWorkers.set(id, entry);
        continue;
      }
      left.push(entry.worker); // terminated by the pattern and not yet gone, or terminated here
      if (idle) beyond++;
      else if (!entry.terminating) outlived++;
    }
    if (outlived > 0) {
      this.#warnings.push(`${outlived} worker(s) outlived the pattern, busy or keeping the process alive (ref'd); the runner terminated them`);
    }
    if (beyond > 0) {
      this.#warnings.push(`the pattern kept more than ${BlockingWork.mostIdleKept} idle workers; the runner terminated ${beyond}`);
    }
    await Promise.all(left.map((worker) => worker.terminate()));
    watching = null;
    workerThreads.Worker = OriginalWorker;
    workerThreads.MessageChannel = OriginalMessageChannel;
    globalThis.MessageChannel = OriginalMessageChannel;
    workerThreads.receiveMessageOnPort = originalReceiveMessageOnPort;
    syncBuiltinESMExports();
    delete (/** @type {Record<symbol, unknown>} */ (globalThis))[RUNNER_KEY];
    this.#channel.close();
  }

  warnings() {
    return this.#warnings;
  }
}

/** The runner's heartbeat on the loop: a timer every `periodMs` after the last beat, recording `beat` with its lag. */
export class Heartbeat {
  #ins;
  #now;
  #periodMs;
  #n = 0;
  #dueMs = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;

  /**
   * @param {Instruments} ins
   * @param {number} periodMs
   */
  constructor(ins, periodMs) {
    this.#ins = ins;
    this.#now = ins.now;
    this.#periodMs = periodMs;
    this.#arm();
  }

  #arm() {
    this.#dueMs = this.#now() + roundMs(this.#periodMs);
    this.#timer = runnerTimeout(() => this.#beat(), this.#periodMs);
  }

  #beat() {
    this.#n += 1;
    this.#ins.recordBeat(this.#n, Math.max(0, this.#now() - this.#dueMs));
    this.#arm();
  }

  /** Stops beating. A beat overdue now -- due, but the loop never got to it -- counts with its lag. */
  stop() {
    if (this.#timer === undefined) return;
    const now = this.#now();
    if (now > this.#dueMs) this.#ins.recordBeat(this.#n + 1, now - this.#dueMs);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
