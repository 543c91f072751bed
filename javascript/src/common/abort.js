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
