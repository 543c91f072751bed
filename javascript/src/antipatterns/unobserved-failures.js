/**
 * The mistakes unobserved-failures exists to prevent, each with the reference's signature
 * (`runInBackground(operation, items, onError, {shutdown, signal})`).
 * @module
 */

/** @typedef {(item: unknown, options: {signal: AbortSignal}) => Promise<unknown>} Operation */
/** @typedef {(error: unknown) => void} ErrorHandler */
/** @typedef {{shutdown: AbortSignal, signal?: AbortSignal}} Options */

/**
 * @param {AbortSignal} shutdown
 * @param {AbortSignal | undefined} signal
 */
function untilAborted(shutdown, signal) {
  return new Promise((resolve) => {
    if (shutdown.aborted || signal?.aborted) return resolve(undefined);
    shutdown.addEventListener('abort', resolve, {once: true});
    signal?.addEventListener('abort', resolve, {once: true});
  });
}

/**
 * Tracked and shut down like the reference; each task's promise is what `observe` makes of it.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {Options} options
 * @param {(running: Promise<unknown>, signal: AbortSignal) => Promise<unknown>} observe
 */
async function tracked(operation, items, {shutdown, signal}, observe) {
  const stop = new AbortController();
  const tasks = [...items].map((item) => observe(operation(item, {signal: stop.signal}), stop.signal));
  await untilAborted(shutdown, signal);
  stop.abort(new DOMException('shutting down', 'AbortError'));
  await Promise.allSettled(tasks);
  signal?.throwIfAborted();
}

/**
 * Keeps each promise but attaches no `.catch` until the shutdown: a failure is an unhandled rejection.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} _onError
 * @param {Options} options
 */
export async function noCatch(operation, items, _onError, options) {
  await tracked(operation, items, options, (running) => running);
}

/**
 * Reports every failure, but keeps no track of the tasks: the shutdown cannot abort them.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} onError
 * @param {Options} options
 */
export async function untracked(operation, items, onError, {shutdown, signal}) {
  const never = new AbortController(); // nobody aborts it
  for (const item of items) {
    operation(item, {signal: never.signal}).catch((error) => {
      try {
        onError(error);
      } catch {
        // not the mistake shown here
      }
    });
  }
  await untilAborted(shutdown, signal);
  signal?.throwIfAborted();
}

/**
 * Reports each failure in its `.catch`, and again where the shutdown collects the outcomes.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} onError
 * @param {Options} options
 */
export async function reportsTwice(operation, items, onError, options) {
  await tracked(operation, items, options, (running, signal) =>
    running
      .catch((error) => {
        if (!signal.aborted) safely(onError, error);
        throw error;
      })
      .catch((error) => {
        if (!signal.aborted) safely(onError, error);
      }),
  );
}

/**
 * Catches every failure and drops it.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} _onError
 * @param {Options} options
 */
export async function swallows(operation, items, _onError, options) {
  await tracked(operation, items, options, (running) => running.catch(() => {}));
}

/**
 * Reports a new error wrapping the original.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} onError
 * @param {Options} options
 */
export async function reportsWrapped(operation, items, onError, options) {
  await tracked(operation, items, options, (running, signal) =>
    running.catch((error) => {
      if (!signal.aborted) safely(onError, new Error('a background task failed', {cause: error}));
    }),
  );
}

/**
 * Passes the handler straight to `.catch`: a handler that throws is an unhandled rejection.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} onError
 * @param {Options} options
 */
export async function unguardedHandler(operation, items, onError, options) {
  await tracked(operation, items, options, (running, signal) =>
    running.catch((error) => {
      if (!signal.aborted) onError(error);
    }),
  );
}

/**
 * @param {ErrorHandler} onError
 * @param {unknown} error
 */
function safely(onError, error) {
  try {
    onError(error);
  } catch {
    // not the mistake shown here
  }
}

/**
 * Awaits the tasks where it starts them: reports the failures only once all have settled, and
 * resolves then, without waiting for its shutdown.
 * @param {Operation} operation
 * @param {Iterable<unknown>} items
 * @param {ErrorHandler} onError
 * @param {Options} options
 */
export async function awaitsInStarter(operation, items, onError, {signal}) {
  const outcomes = await Promise.allSettled([...items].map((item) => operation(item, {signal: signal ?? new AbortController().signal})));
  for (const outcome of outcomes) if (outcome.status === 'rejected') onError(outcome.reason);
}
