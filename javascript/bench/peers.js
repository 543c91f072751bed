/**
 * The JavaScript side of `asyncconf bench --peers`: each reference against its peers (p-limit,
 * p-map, p-retry, p-timeout: bench-only devDependencies, pinned), on the real clock, in one
 * process. Prints one JSON object per measurement (see harness/asyncconf/peers/__init__.py).
 *
 * Run: `node --expose-gc bench/peers.js [--quick]`.
 * @module
 */

import pLimit from 'p-limit';
import pMap from 'p-map';
import pRetry from 'p-retry';
import pTimeout from 'p-timeout';
import {mapBounded} from '../src/bounded-concurrency.js';
import {retry} from '../src/retry-backoff.js';
import {withTimeout} from '../src/timeout.js';

const LIMIT = 100; // operations in flight in the bounded-concurrency runs
const quick = process.argv.includes('--quick');
const repeats = quick ? 1 : 3;

/** @param {Record<string, unknown>} row */
const emit = (row) => console.log(JSON.stringify({lang: 'javascript', ...row}));

/** One turn of the event loop, as real I/O takes at least. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * @param {number} item
 * @param {{signal?: AbortSignal}} [_options]
 */
const step = async (item, _options) => {
  await turn();
  return item;
};

/** Best of the repeats, as timeit: noise only ever adds time. */
const best = (/** @type {number[]} */ values) => Math.min(...values);

/** @param {() => Promise<unknown>} run */
async function timeOnce(run) {
  globalThis.gc?.();
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/** @type {Record<string, (items: number[]) => Promise<unknown>>} */
const bounded = {
  reference: (items) => mapBounded(step, items, LIMIT),
  'p-limit': (items) => {
    const limit = pLimit(LIMIT);
    return Promise.all(items.map((item) => limit(() => step(item))));
  },
  'p-map': (items) => pMap(items, (item) => step(item), {concurrency: LIMIT}),
};

// Not peers: yardsticks shown beside them (excluded from "best peer").
const YARDSTICKS = new Set(['AbortSignal.any + timeout (before)']);

for (const impl of Object.values(bounded)) await impl(Array.from({length: 1000}, (_, index) => index)); // warm-up

for (const size of quick ? [1_000, 10_000] : [10_000, 100_000]) {
  const items = Array.from({length: size}, (_, index) => index);
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(Object.keys(bounded).map((name) => [name, []]));
  for (let round = 0; round < repeats; round++) {
    for (const [name, impl] of Object.entries(bounded)) samples[name].push(await timeOnce(() => impl(items)));
  }
  for (const [name, walls] of Object.entries(samples)) {
    const wall = best(walls);
    emit({bench: 'bounded-concurrency', impl: name, n: size, per_item_us: (wall / size) * 1e6, per_s: size / wall});
  }
}

const succeed = async () => 1;

/**
 * @param {string} bench
 * @param {Record<string, () => Promise<unknown>>} impls
 * @param {number} count
 */
async function overhead(bench, impls, count) {
  for (const call of Object.values(impls)) for (let i = 0; i < 1000; i++) await call(); // warm-up
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(Object.keys(impls).map((name) => [name, []]));
  for (let round = 0; round < repeats; round++) {
    for (const [name, call] of Object.entries(impls)) {
      samples[name].push(
        await timeOnce(async () => {
          for (let i = 0; i < count; i++) await call();
        }),
      );
    }
  }
  for (const [name, walls] of Object.entries(samples)) {
    const wall = best(walls);
    emit({bench, impl: name, n: count, per_call_us: (wall / count) * 1e6, per_s: count / wall, yardstick: YARDSTICKS.has(name)});
  }
}

const calls = quick ? 2_000 : 50_000;
await overhead('retry', {reference: () => retry(succeed), 'p-retry': () => pRetry(succeed, {retries: 2})}, calls);

const shutdown = new AbortController(); // one long-lived caller signal, as a server's
/** An operation that listens on its signal while it runs, as fetch does. */
const listening = async (/** @type {{signal: AbortSignal}} */ {signal}) => {
  const onAbort = () => {};
  signal.addEventListener('abort', onAbort);
  try {
    await null;
    return 1;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
};

/**
 * The timeout the reference had before (AbortSignal.timeout + AbortSignal.any): kept here as the
 * yardstick of the leak it fixed (nodejs/node#55351).
 * @param {(options: {signal: AbortSignal}) => Promise<unknown>} fn
 * @param {number} ms
 * @param {AbortSignal} signal
 */
const anyTimeout = (fn, ms, signal) => fn({signal: AbortSignal.any([signal, AbortSignal.timeout(ms)])});

/** @type {Record<string, () => Promise<unknown>>} */
const timeouts = {
  reference: () => withTimeout(listening, 60_000, {signal: shutdown.signal}),
  'p-timeout': () => pTimeout(listening({signal: shutdown.signal}), {milliseconds: 60_000, signal: shutdown.signal}),
  'AbortSignal.any + timeout (before)': () => anyTimeout(listening, 60_000, shutdown.signal),
};
await overhead('timeout', timeouts, calls);

for (const [name, call] of Object.entries(timeouts)) {
  const held = new AbortController(); // a fresh long-lived signal for each
  const byName = {
    reference: () => withTimeout(listening, 60_000, {signal: held.signal}),
    'p-timeout': () => pTimeout(listening({signal: held.signal}), {milliseconds: 60_000, signal: held.signal}),
    'AbortSignal.any + timeout (before)': () => anyTimeout(listening, 60_000, held.signal),
  };
  const run = /** @type {Record<string, () => Promise<unknown>>} */ (byName)[name] ?? call;
  const count = quick ? 2_000 : 50_000;
  globalThis.gc?.();
  await turn();
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) await run();
  await turn();
  globalThis.gc?.();
  await turn();
  globalThis.gc?.();
  const retained = Math.max(process.memoryUsage().heapUsed - before, 0);
  emit({bench: 'timeout-memory', impl: name, n: count, retained_bytes: retained, yardstick: YARDSTICKS.has(name)});
}
emit({bench: 'runtime', impl: `Node ${process.versions.node}`});
