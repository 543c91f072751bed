/**
 * A child AbortController that follows its parent signal (cockatiel's `common/abort.ts`): it
 * aborts with the parent's reason when the parent aborts, and can also be aborted on its own
 * (by a failure, say) without touching the parent. Plain AbortController and event listeners, so
 * it needs no newer API than `AbortController` (`AbortSignal.any` came in Node 20.3).
 * @module
 */

/**
 * @param {AbortSignal | undefined} parent
 * @returns {{controller: AbortController, dispose: () => void}} `dispose()` unhooks it from the
 *   parent; call it when done so a long-lived parent does not keep it alive.
 */
export function deriveAbortController(parent) {
  const controller = new AbortController();
  if (!parent) return {controller, dispose: () => {}};
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, {once: true});
  return {controller, dispose: () => parent.removeEventListener('abort', onAbort)};
}

/**
 * One signal per concurrent operation, each aborted with `parent`'s reason when `parent` aborts,
 * from one listener on `parent`. Many operations listening on one shared signal (as `fetch` does)
 * would pass Node's limit of 10 listeners per event at the 11th and print a
 * `MaxListenersExceededWarning`; and an operation's listeners go away with its own signal.
 */
export class SignalFanOut {
  /** @type {Set<AbortController>} the forks not yet released */
  #open = new Set();
  /** @type {AbortSignal | undefined} */
  #parent;
  #onAbort = () => {
    for (const controller of this.#open) controller.abort(this.#parent?.reason);
    this.#open.clear();
  };

  /** @param {AbortSignal | undefined} parent */
  constructor(parent) {
    this.#parent = parent;
    parent?.addEventListener('abort', this.#onAbort, {once: true});
  }

  /**
   * A controller for one operation: its signal aborts with the parent's reason.
   * @returns {AbortController} Pass it to `release` once the operation has settled.
   */
  fork() {
    const controller = new AbortController();
    if (this.#parent?.aborted) controller.abort(this.#parent.reason);
    else this.#open.add(controller);
    return controller;
  }

  /** @param {AbortController} controller A fork whose operation has settled. */
  release(controller) {
    this.#open.delete(controller);
  }

  /** Unhooks from the parent: call it when done, so a long-lived parent keeps nothing. */
  dispose() {
    this.#parent?.removeEventListener('abort', this.#onAbort);
    this.#open.clear();
  }
}
