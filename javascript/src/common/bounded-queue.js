/**
 * A small bounded async queue (a channel): Node 20 has none built in.
 *
 * Why not a Node stream with `highWaterMark`: there it is "a threshold, not a limit" (Node's stream
 * docs) -- `write()` past it is accepted and only returns false, and `Readable.from` reads ahead
 * into its own buffer -- so the most items queued would be a stream's, not `capacity`; and several
 * consumers reading one stream need `readable.map(fn, {concurrency})`, experimental in Node 20.
 * This queue is what asyncio's `Queue(maxsize)` and .NET's bounded `Channel` (`FullMode.Wait`)
 * are: `put` waits while `capacity` items are queued; `take` waits for an item; waiting takers
 * and putters are served first come, first served, and woken, never polling.
 * @module
 */

/**
 * @template T
 * @typedef {{resolve: (next: IteratorResult<T, undefined>) => void, reject: (reason: unknown) => void}} Taker
 */

/**
 * @template T
 * @typedef {{item: T, resolve: () => void, reject: (reason: unknown) => void}} Putter
 */

/** @template T */
export class BoundedQueue {
  /** @type {T[]} */
  #items = [];
  /** @type {Taker<T>[]} consumers waiting for an item (only while the queue is empty) */
  #takers = [];
  /** @type {Putter<T>[]} producers waiting for a free slot (only while the queue is full) */
  #putters = [];
  #capacity;
  #closed = false;
  /** @type {{reason: unknown} | undefined} */
  #aborted;

  /** @param {number} capacity The most items queued: an integer of at least 1 (the caller checks it). */
  constructor(capacity) {
    this.#capacity = capacity;
  }

  /** How many items are queued now. */
  get size() {
    return this.#items.length;
  }

  /**
   * Queues `item`, waiting while the queue is full; a waiting taker gets it at once.
   * @param {T} item
   * @returns {Promise<void>} Rejects with the abort reason once the queue is aborted.
   */
  put(item) {
    if (this.#aborted) return Promise.reject(this.#aborted.reason);
    if (this.tryPut(item)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#putters.push({item, resolve, reject}));
  }

  /**
   * Queues `item` if there is room (or a waiting taker): never waits.
   * @param {T} item
   * @returns {boolean} Whether it was queued.
   */
  tryPut(item) {
    const taker = this.#takers.shift();
    if (taker) {
      taker.resolve({done: false, value: item});
      return true;
    }
    if (this.#items.length >= this.#capacity) return false;
    this.#items.push(item);
    return true;
  }

  /**
   * The next item, waiting while the queue is empty; `{done: true}` once it is closed and drained.
   * @returns {Promise<IteratorResult<T, undefined>>} Rejects with the abort reason once the queue is aborted.
   */
  take() {
    if (this.#aborted) return Promise.reject(this.#aborted.reason);
    const next = this.tryTake();
    if (next) return Promise.resolve(next);
    return new Promise((resolve, reject) => this.#takers.push({resolve, reject}));
  }

  /**
   * The next item if there is one, `{done: true}` once closed and drained, else undefined: never waits.
   * @returns {IteratorResult<T, undefined> | undefined}
   */
  tryTake() {
    if (this.#items.length > 0) {
      const value = /** @type {T} */ (this.#items.shift());
      const putter = this.#putters.shift(); // the freed slot goes to the first waiting producer
      if (putter) {
        this.#items.push(putter.item);
        queueMicrotask(putter.resolve); // consumers first (spec R2): the taker starts its item, then the producer goes on
      }
      return {done: false, value};
    }
    return this.#closed ? {done: true, value: undefined} : undefined;
  }

  /** No more items will come: the takers drain what is queued, then get `{done: true}`. */
  close() {
    this.#closed = true;
    if (this.#items.length === 0) {
      for (const taker of this.#takers.splice(0)) taker.resolve({done: true, value: undefined});
    }
  }

  /**
   * Stops the queue: every waiting and later `put` or `take` rejects with `reason`.
   * @param {unknown} reason
   */
  abort(reason) {
    this.#aborted = {reason};
    for (const waiter of [...this.#takers.splice(0), ...this.#putters.splice(0)]) waiter.reject(reason);
  }
}
