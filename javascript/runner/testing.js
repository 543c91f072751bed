/**
 * Test support: play a plan (spec/PROTOCOL.md section 3) against a body of code on virtual time,
 * with the runner's injected operation, and see its outcome and trace.
 * @module
 */

import {Instruments} from './instruments.js';
import {onVirtualTime} from './virtual-clock.js';

/**
 * @template T
 * @param {import('./instruments.js').Plan} plan
 * @param {(ins: Instruments, signal: AbortSignal) => Promise<T>} body
 * @param {{params?: Record<string, unknown>, random?: number[], cancelAtMs?: number}} [options]
 */
export async function play(plan, body, {params = {}, random = [], cancelAtMs} = {}) {
  /** @type {Instruments | undefined} */
  let ins;
  const result = await onVirtualTime(async ({now}) => {
    const instruments = new Instruments(plan, {now, params, random, maxCalls: 1000});
    ins = instruments;
    const caller = new AbortController();
    if (cancelAtMs !== undefined) setTimeout(() => caller.abort(), cancelAtMs);
    return body(instruments, caller.signal);
  });
  const played = /** @type {Instruments} */ (ins);
  return {...result, trace: played.trace, leaks: played.leaks()};
}

/**
 * The times of one event, by key: `{op: [0, 110]}`.
 * @param {{t: number, ev: string, key: string}[]} trace
 * @param {string} ev
 */
export function times(trace, ev) {
  /** @type {Record<string, number[]>} */
  const found = {};
  for (const e of trace) if (e.ev === ev) (found[e.key] ??= []).push(e.t);
  return found;
}
