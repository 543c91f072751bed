/**
 * The Node runner: one request of spec/PROTOCOL.md in, one answer out.
 *
 * `handle(request)` never rejects: a request it cannot run gets an `error` answer with its id, and
 * the process goes on serving (`main.js` wraps it in the JSON Lines loop).
 * @module
 */

import {readFileSync} from 'node:fs';
import {builtinModules, createRequire} from 'node:module';
import {inspect} from 'node:util';
import {REGISTRY as ANTIPATTERNS} from '../src/antipatterns/index.js';
import {BINDINGS, checkRunnerParams} from './bindings.js';
import {BlockingWork} from './blocking.js';
import {describeError, KINDS} from './errors.js';
import {Instruments} from './instruments.js';
import {capBlockingWaits, LoopWatch, virtualBlockingWaits} from './loop-watch.js';
import {RealClock, realMacrotask, runnerImmediate, runnerTimeout, VirtualClock} from './virtual-clock.js';

export const PROTOCOL_VERSION = 1;
export const RUNTIME = Object.freeze({name: 'node', version: process.versions.node});

/**
 * The defaults of the optional run-request fields, read from their one home (spec/PROTOCOL.md
 * section 2). `wall_budget_s`: the real time a virtual run may use before it is stopped as
 * unfinished; `block_limit_ms`: the longest the event loop may stay blocked (section 5).
 * @type {{limit_ms: {virtual: number, real: number}, max_calls: number, wall_budget_s: number, block_limit_ms: number}}
 */
export const DEFAULTS = JSON.parse(readFileSync(new URL('../../spec/protocol.json', import.meta.url), 'utf8')).defaults;
/** Loads a builtin module by name (`check_api`'s paths into one). */
const require = createRequire(import.meta.url);
/** The leak of work the implementation left scheduled when it settled (spec/PROTOCOL.md section 7). */
export const WORK_PENDING = 'work still pending';
/** After the pattern settles, how long leftover operations get to stop, on the run's clock. */
const CLEANUP_GRACE_MS = {virtual: 3_600_000, real: 500};

class BadRequest extends Error {
  /**
   * @param {'bad-request' | 'unknown-pattern' | 'unknown-impl' | 'unsupported'} kind
   * @param {string} message
   */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** @typedef {Readonly<Record<string, Readonly<Record<string, import('./bindings.js').Implementation>>>>} Registry */

/**
 * Every pattern this runner knows, with its implementations: `reference` first.
 * @param {Registry} [registry] The anti-patterns (and any adapters) by pattern.
 */
export function implementations(registry = ANTIPATTERNS) {
  /** @type {Record<string, string[]>} */
  const patterns = {};
  for (const pattern of Object.keys(BINDINGS).sort()) {
    patterns[pattern] = ['reference', ...Object.keys(registry[pattern] ?? {}).sort()];
  }
  return patterns;
}

/** The run in progress, or the last one: a new run starts once it has settled (`oneRunAtATime`). */
let lastRun = Promise.resolve();

/**
 * Runs `body` once every run handed in before it has ended. A run installs its clock on the
 * global object (the fake timers, `Atomics.wait`'s cap, the process's rejection listeners), so two
 * at once cannot both have it: runs handed in together -- checks of the testing seam gathered with
 * `Promise.all`, say -- run one after another, in the order they came.
 * @template T
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
function oneRunAtATime(body) {
  const result = lastRun.then(body);
  lastRun = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

/**
 * Answers one protocol request (already parsed from JSON). Never rejects.
 * @param {unknown} request
 * @param {{registry?: Registry}} [options] `registry`: the implementations besides the references
 *   (default: the anti-patterns); tests and third-party adapters add their own.
 * @returns {Promise<Record<string, unknown>>}
 */
export async function handle(request, {registry = ANTIPATTERNS} = {}) {
  const isObject = typeof request === 'object' && request !== null && !Array.isArray(request);
  const record = /** @type {Record<string, unknown>} */ (isObject ? request : {});
  const id = record.id ?? null;
  try {
    if (!isObject) throw new BadRequest('bad-request', 'a request must be a JSON object');
    const op = record.op ?? 'run';
    if (op === 'describe') return {id, protocol: PROTOCOL_VERSION, runtime: RUNTIME, patterns: implementations(registry)};
    if (op === 'check_api') {
      const names = field(record, 'names', 'array', []);
      return {id, missing: names.filter((/** @type {unknown} */ name) => !apiExists(String(name)))};
    }
    if (op === 'run') return {id, ...(await oneRunAtATime(() => run(record, registry)))};
    throw new BadRequest('bad-request', `unknown op ${JSON.stringify(op)}; expected run, describe or check_api`);
  } catch (error) {
    if (error instanceof BadRequest) return {id, error: {kind: error.kind, message: error.message}};
    // A runner bug: report it for this request and keep serving.
    return {id, error: {kind: 'internal', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error)}};
  }
}

/**
 * Whether a path from `globalThis` (`AbortSignal.any`, `Promise.allSettled`) resolves -- or, when
 * its first part is a builtin module and no global (`worker_threads.Worker`), from that module.
 * @param {string} name
 */
export function apiExists(name) {
  /** @type {unknown} */
  let target = globalThis;
  let parts = name.split('.');
  // builtinModules, not isBuiltin (since 18.6): the runner must load on an older Node to say what it lacks.
  if (!(parts[0] in globalThis) && builtinModules.includes(parts[0])) {
    target = require(`node:${parts[0]}`);
    parts = parts.slice(1);
  }
  for (const [index, part] of parts.entries()) {
    if (target === null || target === undefined || !(part in Object(target))) return false;
    try {
      target = /** @type {Record<string, unknown>} */ (target)[part];
    } catch {
      // An accessor that needs an instance (`AbortSignal.prototype.reason`): it exists.
      return index === parts.length - 1;
    }
  }
  return target !== undefined;
}

/**
 * A request field of the given JSON type, or the default when absent or null.
 * @param {Record<string, unknown>} request
 * @param {string} name
 * @param {'string' | 'object' | 'array' | 'integer' | 'number'} type
 * @param {any} [fallback]
 * @returns {any}
 */
function field(request, name, type, fallback = null) {
  const value = request[name];
  if (value === undefined || value === null) return fallback;
  const ok =
    type === 'array'
      ? Array.isArray(value)
      : type === 'object'
        ? typeof value === 'object' && !Array.isArray(value)
        : type === 'integer'
          ? Number.isSafeInteger(value)
          : typeof value === type;
  if (!ok) throw new BadRequest('bad-request', `\`${name}\` must be ${type === 'integer' ? 'an integer' : `a JSON ${type}`}, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * @param {string} pattern
 * @param {string} impl
 * @param {Registry} registry
 * @returns {import('./bindings.js').Implementation}
 */
function implementation(pattern, impl, registry) {
  const binding = BINDINGS[pattern];
  if (!binding) throw new BadRequest('unknown-pattern', `no JavaScript implementation of pattern ${JSON.stringify(pattern)}`);
  if (impl === 'reference') return binding.reference;
  const found = registry[pattern]?.[impl];
  if (!found) {
    const known = implementations(registry)[pattern].join(', ');
    throw new BadRequest('unknown-impl', `pattern ${JSON.stringify(pattern)} has no implementation ${JSON.stringify(impl)} here (${known})`);
  }
  return found;
}

/**
 * The plan's shape, checked before anything runs: a bad plan is the request's fault.
 * @param {Record<string, unknown>} plan
 * @returns {import('./instruments.js').Plan}
 */
function checkPlan(plan) {
  for (const [key, steps] of Object.entries(plan)) {
    if (!Array.isArray(steps) || steps.length === 0) throw new BadRequest('bad-request', `plan[${JSON.stringify(key)}] must be a non-empty list of steps`);
    steps.forEach((step, index) => {
      const where = `plan[${JSON.stringify(key)}][${index}]`;
      if (typeof step !== 'object' || step === null) throw new BadRequest('bad-request', `${where} must be an object`);
      for (const name of ['after_ms', 'cancel_ms']) {
        if (name in step && !(Number.isSafeInteger(step[name]) && step[name] >= 0)) {
          throw new BadRequest('bad-request', `${where}.${name} must be an integer from 0 and up`);
        }
      }
      if ('fail' in step && !KINDS.includes(step.fail)) {
        throw new BadRequest('bad-request', `${where}.fail must be one of ${KINDS.join(', ')}, got ${JSON.stringify(step.fail)}`);
      }
    });
  }
  return /** @type {import('./instruments.js').Plan} */ (plan);
}

/**
 * What `warmUp` runs: each pattern's reference once, through failures, timeouts and cancellation.
 * @type {ReadonlyArray<Record<string, unknown>>}
 */
export const WARM_UP_REQUESTS = Object.freeze([
  {pattern: 'bounded-concurrency', params: {items: ['a', 'b'], limit: 1}, plan: {'*': [{after_ms: 1, ok: 1}]}},
  {pattern: 'cancellation-cleanup', params: {close_ms: 1}, plan: {op: [{hang: true}]}, cancel_at_ms: 1},
  {pattern: 'parallel-partial-failures', params: {items: ['a', 'b']}, plan: {a: [{after_ms: 1, fail: 'fatal'}], '*': [{after_ms: 1, ok: 1}]}},
  {
    pattern: 'retry-backoff',
    params: {max_attempts: 2, base_delay_ms: 1, factor: 2, max_delay_ms: 10, jitter: 'none'},
    plan: {op: [{after_ms: 1, fail: 'transient'}, {after_ms: 1, ok: 1}]},
  },
  {pattern: 'task-group', params: {items: [1, 2]}, plan: {'*': [{after_ms: 1, fail: 'fatal'}]}, cancel_at_ms: 1},
  {pattern: 'timeout', params: {timeout_ms: 5}, plan: {op: [{hang: true}]}},
  {pattern: 'racing', params: {items: ['a', 'b', 'c'], hedge_ms: 1}, plan: {a: [{after_ms: 1, fail: 'fatal'}], b: [{after_ms: 2, ok: 1}], c: [{hang: true}]}},
  {
    pattern: 'circuit-breaker',
    params: {failure_threshold: 1, break_ms: 10},
    plan: {op: [{after_ms: 1, fail: 'transient'}, {hang: true}, {after_ms: 1, ok: 1}]},
    invocations: [{at_ms: 0}, {at_ms: 2}, {at_ms: 11, cancel_at_ms: 12}, {at_ms: 13}],
  },
  {pattern: 'async-stream', params: {take: 1, length: 2, close_ms: 1}, plan: {item: [{after_ms: 1, ok: 1}], use: [{after_ms: 1, fail: 'fatal'}]}},
  {
    pattern: 'async-lock',
    plan: {a: [{after_ms: 2, fail: 'transient'}], b: [{hang: true}], '*': [{after_ms: 1, ok: 1}]},
    invocations: [{at_ms: 0, key: 'a'}, {at_ms: 1, key: 'b', cancel_at_ms: 3}, {at_ms: 1, key: 'c'}, {at_ms: 2, key: 'd', cancel_at_ms: 2}],
  },
  {
    pattern: 'graceful-shutdown',
    params: {jobs: {a: 0, b: 0, c: 3}, shutdown_at_ms: 2, drain_ms: 1, close_ms: 1},
    plan: {a: [{after_ms: 1, fail: 'fatal'}], '*': [{hang: true}]},
  },
  {pattern: 'offload-blocking', params: {items: ['a', 'b'], max_workers: 1, heartbeat_ms: 1}, plan: {a: [{after_ms: 2, ok: 1}], '*': [{after_ms: 1, fail: 'fatal'}]}},
  {pattern: 'unobserved-failures', params: {items: ['a', 'b'], shutdown_at_ms: 2}, plan: {a: [{after_ms: 1, fail: 'fatal'}], b: [{hang: true}]}},
  {
    pattern: 'backpressure',
    params: {items: ['a', 'b', 'c'], capacity: 1, workers: 1},
    plan: {produce: [{ok: 1}], a: [{after_ms: 1, ok: 1}], '*': [{after_ms: 1, fail: 'fatal'}]},
  },
  {
    pattern: 'connection-pool',
    params: {size: 1, acquire_timeout_ms: 3, close_ms: 1},
    plan: {open: [{after_ms: 1, ok: 'c'}], a: [{after_ms: 1, fail: 'fatal'}], b: [{after_ms: 1, ok: 1}], c: [{hang: true}]},
    invocations: [
      {at_ms: 0, key: 'a'},
      {at_ms: 0, key: 'b'},
      {at_ms: 0, key: 'c', cancel_at_ms: 1},
      {at_ms: 6, key: 'b'},
      {at_ms: 7, key: 'c', cancel_at_ms: 9},
    ],
  },
]);

/** @type {Map<unknown, Promise<void>>} */
const warmedUp = new Map();

/**
 * The first runs of a process compile the runner itself (its clock, instruments, errors): tens of
 * ms of real time on one turn of the loop on a busy machine, which the loop-lag watch would take
 * for a block. So before its first run of a pattern a process runs that pattern's small scenarios
 * of its own, and discards them -- a pattern at a time: a process that runs one pattern does not
 * start the workers of offload-blocking's.
 * @param {unknown} pattern
 */
function warmUp(pattern) {
  let warmed = warmedUp.get(pattern);
  if (warmed === undefined) {
    warmed = (async () => {
      for (const request of WARM_UP_REQUESTS) {
        if (request.pattern === pattern) await runChecked(request, ANTIPATTERNS);
      }
    })();
    warmedUp.set(pattern, warmed);
  }
  return warmed;
}

/**
 * @param {Record<string, unknown>} request
 * @param {Registry} registry
 */
async function run(request, registry) {
  await warmUp(request.pattern);
  return runChecked(request, registry);
}

/**
 * @param {Record<string, unknown>} request
 * @param {Registry} registry
 */
async function runChecked(request, registry) {
  const pattern = field(request, 'pattern', 'string');
  if (pattern === null) throw new BadRequest('bad-request', '`pattern` is required');
  const impl = implementation(pattern, field(request, 'impl', 'string', 'reference'), registry);
  const binding = BINDINGS[pattern];
  /** @type {'virtual' | 'real'} */
  const clockKind = field(request, 'clock', 'string', 'virtual');
  if (clockKind !== 'virtual' && clockKind !== 'real') {
    throw new BadRequest('bad-request', `\`clock\` must be 'virtual' or 'real', got ${JSON.stringify(clockKind)}`);
  }
  /** @type {Record<string, unknown>} */
  const params = {...binding.defaults, ...field(request, 'params', 'object', {})};
  const missing = binding.params.filter((name) => !(name in params));
  if (missing.length > 0) throw new BadRequest('bad-request', `\`params\` lacks ${missing.map((m) => `\`${m}\``).join(', ')}`);
  const plan = checkPlan(field(request, 'plan', 'object', {}));
  const cancelAtMs = field(request, 'cancel_at_ms', 'integer');
  const invocations = checkInvocations(request, pattern, binding, cancelAtMs);
  const limitMs = field(request, 'limit_ms', 'integer', DEFAULTS.limit_ms[clockKind]);
  const random = field(request, 'random', 'array', []);
  const maxCalls = field(request, 'max_calls', 'integer', DEFAULTS.max_calls);
  // On virtual time a run must not take long in real time; on real time, its limit is the budget.
  const wallBudgetMs =
    clockKind === 'virtual' ? 1000 * field(request, 'wall_budget_s', 'number', DEFAULTS.wall_budget_s) : limitMs + 5000;
  const blockLimitMs = field(request, 'block_limit_ms', 'number', DEFAULTS.block_limit_ms);

  const clock = clockKind === 'virtual' ? new VirtualClock() : new RealClock();
  /** @type {Set<string>} */
  const warnings = new Set();
  // A failure nobody observed (spec/PROTOCOL.md section 2, `unobserved`): the checker fails the run.
  // Listening keeps the process alive where Node 15+ would end it.
  /** @type {string[]} */
  const unobserved = [];
  const onRejection = (/** @type {unknown} */ reason) => {
    warnings.add(`unhandled rejection: ${describe(reason)}`);
    unobserved.push(`unhandled rejection: ${describe(reason)}`);
  };
  const onException = (/** @type {unknown} */ error) => {
    warnings.add(`uncaught exception: ${describe(error)}`);
    unobserved.push(`uncaught exception: ${describe(error)}`);
  };
  const onWarning = (/** @type {Error} */ warning) => warnings.add(`${warning.name}: ${warning.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  process.on('warning', onWarning);
  clock.install();
  /** @type {Record<string, unknown>} */
  let answer;
  try {
    answer = await runOnClock(clock, binding, impl, {plan, params, random, maxCalls, cancelAtMs, limitMs, wallBudgetMs, blockLimitMs, invocations}, warnings);
  } finally {
    clock.uninstall();
    // Late rejections of this run are reported with it, not with the next one.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    process.off('warning', onWarning);
  }
  for (const warning of clock.warnings()) warnings.add(warning);
  return {...answer, warnings: [...warnings].sort(), unobserved};
}

/**
 * @typedef {object} RunSettings
 * @property {import('./instruments.js').Plan} plan
 * @property {Record<string, unknown>} params
 * @property {number[]} random
 * @property {number} maxCalls
 * @property {number | null} cancelAtMs
 * @property {number} limitMs
 * @property {number} wallBudgetMs
 * @property {number} blockLimitMs
 * @property {Invocation[] | null} invocations
 */

/** @typedef {{at_ms: number, key: string, cancel_at_ms: number | null}} Invocation */

/**
 * The request's invocations, checked: present exactly for a pattern invoked many times
 * (spec/PROTOCOL.md section 2, "Invocations").
 * @param {Record<string, unknown>} request
 * @param {string} pattern
 * @param {import('./bindings.js').Binding} binding
 * @param {number | null} cancelAtMs
 * @returns {Invocation[] | null}
 */
function checkInvocations(request, pattern, binding, cancelAtMs) {
  const raw = field(request, 'invocations', 'array');
  if ((binding.create !== undefined) !== (raw !== null)) {
    const need = raw === null ? 'needs `invocations`' : 'takes no `invocations` (it is called once)';
    throw new BadRequest('bad-request', `pattern ${JSON.stringify(pattern)} ${need}`);
  }
  if (raw === null) return null;
  if (cancelAtMs !== null) throw new BadRequest('bad-request', 'with `invocations`, `cancel_at_ms` must be null (each invocation cancels itself)');
  if (raw.length === 0) throw new BadRequest('bad-request', '`invocations` must not be empty');
  return raw.map((/** @type {unknown} */ item, /** @type {number} */ index) => {
    const where = `invocations[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadRequest('bad-request', `${where} must be an object`);
    const {at_ms: atMs, key = 'op', cancel_at_ms: cancel = null} = /** @type {Record<string, any>} */ (item);
    if (!Number.isSafeInteger(atMs) || atMs < 0) throw new BadRequest('bad-request', `${where}.at_ms must be an integer from 0 and up, got ${JSON.stringify(atMs)}`);
    if (typeof key !== 'string') throw new BadRequest('bad-request', `${where}.key must be a string, got ${JSON.stringify(key)}`);
    if (cancel !== null && !(Number.isSafeInteger(cancel) && cancel >= atMs)) {
      throw new BadRequest('bad-request', `${where}.cancel_at_ms must be an integer from at_ms (${atMs}) up, got ${JSON.stringify(cancel)}`);
    }
    return {at_ms: atMs, key, cancel_at_ms: cancel};
  });
}

/**
 * At `ms` on the run's clock: a timer, or at 0 on the virtual clock an immediate -- a 0 ms timer
 * must not be stretched to 1 ms like setTimeout(fn, 0); an immediate runs at the same ms, once what
 * is ready has run. On the real clock a timer always, 0 ms as 1: Node runs the timers that expired
 * before the immediates, so a loop late to its turn ran an immediate at 0 after timers at 10 and 20
 * (callers started out of order); real times are judged in bands. The runner's own: not the
 * pattern's pending work.
 * @param {'virtual' | 'real'} kind The run's clock.
 * @param {number} ms
 * @param {() => void} fn
 */
function at(kind, ms, fn) {
  if (ms === 0 && kind === 'virtual') runnerImmediate(fn);
  else runnerTimeout(fn, ms);
}

/**
 * Runs the pattern on the installed clock; the answer without its warnings (the blocking work's
 * are added to `warnings`).
 * @param {import('./virtual-clock.js').RunClock} clock
 * @param {import('./bindings.js').Binding} binding
 * @param {import('./bindings.js').Implementation} impl
 * @param {RunSettings} settings
 * @param {Set<string>} warnings
 */
async function runOnClock(clock, binding, impl, {plan, params, random, maxCalls, cancelAtMs, limitMs, wallBudgetMs, blockLimitMs, invocations}, warnings) {
  // A callback that blocks the loop stops the run at the loop's next chance: the rest of the run's
  // real sleeps are not waited out, and the answer says how long the loop was blocked. The work
  // the process had queued before the run (its host's I/O callbacks ...) runs first, unwatched.
  const ins = new Instruments(plan, {now: () => clock.now(), params, random, maxCalls});
  // The blocking work of a pattern that takes one (spec/PROTOCOL.md section 5, "Blocking work").
  const blocking = binding.blocking ? new BlockingWork(ins, clock) : undefined;
  if (blocking) {
    await blocking.install();
    ins.blockingWork = blocking;
    if (clock instanceof VirtualClock) clock.busy = () => blocking.busy();
  }
  // Watched from here: the runner's own preparation above is not the pattern's (loading the
  // blocking work's module resolves its path with synchronous file-system calls; the fuzz campaign
  // read blocks of 54-71 ms at runs' starts, none once the watch started here), nor is what the
  // process had queued before.
  await realMacrotask();
  const watch = new LoopWatch(blockLimitMs);
  // Atomics.wait on the loop's thread: on the virtual clock a block of its timeout, taken off the
  // clock at once; on the real clock a real wait, cut short once it is a block (loop-watch.js).
  const restoreWaits = clock instanceof VirtualClock ? virtualBlockingWaits(blockLimitMs, {consume: (ms) => clock.consume(ms), watch}) : capBlockingWaits(blockLimitMs);
  try {
    return await runPattern(clock, binding, impl, ins, watch, {params, cancelAtMs, limitMs, wallBudgetMs, maxCalls, invocations});
  } finally {
    restoreWaits();
    if (blocking) {
      if (clock instanceof VirtualClock) clock.busy = undefined;
      await blocking.finish();
      for (const warning of blocking.warnings()) warnings.add(warning);
    }
  }
}

/**
 * @param {import('./virtual-clock.js').RunClock} clock
 * @param {import('./bindings.js').Binding} binding
 * @param {import('./bindings.js').Implementation} impl
 * @param {Instruments} ins
 * @param {LoopWatch} watch
 * @param {{params: Record<string, unknown>, cancelAtMs: number | null, limitMs: number, wallBudgetMs: number, maxCalls: number, invocations: Invocation[] | null}} settings
 */
async function runPattern(clock, binding, impl, ins, watch, {params, cancelAtMs, limitMs, wallBudgetMs, maxCalls, invocations}) {
  const caller = new AbortController();
  // Scheduled before the pattern starts, so at an equal time they fire before its own timers. A
  // cancellation at 0 ms is not stretched to 1 ms on the virtual clock (`at`).
  if (cancelAtMs !== null) at(clock.kind, cancelAtMs, () => caller.abort());
  let limitReached = false;
  runnerTimeout(() => (limitReached = true), limitMs);

  /** @type {{outcome: unknown, elapsed_ms: number | null, leaks: string[], traceLength: number, settled_at_ms?: number[], stopped_by?: string} | undefined} */
  let settled;
  let judged = false; // once the run is judged, a late settlement changes nothing
  /**
   * The leaks as the pattern settles (spec/PROTOCOL.md section 7): the operations and resources, or,
   * when there are none, whether the implementation left a timer of its own armed.
   */
  const leaksNow = () => {
    const leaks = ins.leaks();
    return leaks.length === 0 && clock.pendingWork() ? [WORK_PENDING] : leaks;
  };
  /** @param {unknown} outcome */
  const settle = (outcome) => {
    if (!limitReached && !judged) settled = {outcome, elapsed_ms: clock.now(), leaks: leaksNow(), traceLength: ins.trace.length};
  };
  if (invocations === null) {
    /** @type {Promise<unknown>} */
    let pending;
    try {
      checkRunnerParams(params); // refused up front, as the implementation's own would be
      pending = Promise.resolve(binding.invoke(impl, ins, params, caller.signal));
    } catch (error) {
      pending = Promise.reject(error); // an implementation that throws synchronously
    }
    report(pending, binding, ins, settle);
  } else {
    invokeMany(binding, impl, ins, params, invocations, clock.kind, (outcome, settledAt) => {
      if (!limitReached && !judged) {
        settled = {outcome, elapsed_ms: clock.now(), leaks: leaksNow(), traceLength: ins.trace.length, ...(settledAt && {settled_at_ms: settledAt})};
      }
    }, () => clock.now());
  }
  const end = await clock.runUntil(() => watch.cameBack() || settled !== undefined || limitReached, wallBudgetMs);
  judged = true;
  if (end === 'real-time') {
    throw new BadRequest(
      'unsupported',
      `at t=${clock.now()} ms the run waits on a timer of the real clock, which virtual time cannot drive ` +
        '(a setTimeout captured before the fake clock was installed?); run it with clock: real',
    );
  }
  const stoppedForBlock = !settled && watch.blocked;
  if (!settled) {
    const reason = stoppedForBlock
      ? 'blocked the event loop' // with the final reading, below
      : end === 'wall'
        ? `used more than its wall-clock budget (${wallBudgetMs / 1000} s real time)`
        : ins.limitReached
          ? `more than ${maxCalls} operation calls`
          : `had not settled after ${limitMs} ms of ${clock.kind} time`;
    settled = {outcome: {unfinished: true, reason}, elapsed_ms: null, leaks: ins.leaks(), traceLength: ins.trace.length};
    // A reading of real time, which a stall of the host can make: the harness tries it again (section 2).
    if (!stoppedForBlock && end === 'wall') settled.stopped_by = 'wall_budget';
  }
  // Cancel what is left and give it a bounded time to stop, so nothing spills into the next run.
  if (ins.inFlightCount > 0 && end !== 'wall') {
    ins.cancelLeftovers();
    let graceOver = false;
    runnerTimeout(() => (graceOver = true), CLEANUP_GRACE_MS[clock.kind]);
    await clock.runUntil(() => watch.cameBack() || ins.inFlightCount === 0 || graceOver, wallBudgetMs);
  }
  // A run stopped for a block names the longest one, the cleanup's included.
  if (stoppedForBlock) settled.outcome = {unfinished: true, reason: `blocked the event loop for ${watch.blockedMs} ms of real time`};
  // The trace ends when the pattern settled (or the run was judged unfinished): what the cleanup
  // of leftovers records afterwards is kept apart and counts only as the leaks already measured.
  const {traceLength, ...answer} = settled;
  return {
    ...answer,
    trace: ins.trace.slice(0, traceLength),
    trace_after: ins.trace.slice(traceLength),
    random_draws: ins.draws,
    runtime: RUNTIME,
    blocked_ms: watch.blockedMs,
    // exact: judged by the protocol's limit, not the transport's (spec/PROTOCOL.md section 2)
    ...(watch.namedBlockMs > 0 ? {named_block_ms: watch.namedBlockMs} : {}),
  };
}

/**
 * Reports what `pending` settles to as an outcome.
 * @param {Promise<unknown>} pending
 * @param {import('./bindings.js').Binding} binding
 * @param {Instruments} ins
 * @param {(outcome: unknown) => void} settle
 */
function report(pending, binding, ins, settle) {
  pending
    .then(
      (value) => settle({ok: jsonSafe(binding.toJson(value, ins))}),
      (error) => settle(describeError(error, ins.origin)),
    )
    .catch((error) => settle({fail: 'other', type: 'RunnerError', message: `could not report the outcome: ${describe(error)}`}));
}

/**
 * Several callers of one instance (spec/PROTOCOL.md section 2, "Invocations"): builds the instance,
 * then arms, in list order, each invocation's start and its caller's cancellation. `settle` gets
 * `{each: [...]}` and when each settled once the last has; or the error that refused the instance.
 * @param {import('./bindings.js').Binding} binding
 * @param {import('./bindings.js').Implementation} impl
 * @param {Instruments} ins
 * @param {Record<string, unknown>} params
 * @param {Invocation[]} invocations
 * @param {'virtual' | 'real'} kind The run's clock (`at`).
 * @param {(outcome: unknown, settledAt?: number[]) => void} settle
 * @param {() => number} now
 */
function invokeMany(binding, impl, ins, params, invocations, kind, settle, now) {
  const create = /** @type {NonNullable<typeof binding.create>} */ (binding.create);
  const call = /** @type {NonNullable<typeof binding.call>} */ (binding.call);
  let instance;
  try {
    checkRunnerParams(params);
    instance = create(impl, params, ins);
  } catch (error) {
    settle(describeError(error, ins.origin)); // refused up front: the run's one outcome
    return;
  }
  /** @type {unknown[]} */
  const outcomes = invocations.map(() => undefined);
  /** @type {(number | undefined)[]} */
  const settledAt = invocations.map(() => undefined);
  let left = invocations.length;
  invocations.forEach(({at_ms: atMs, key, cancel_at_ms: cancelAtMs}, index) => {
    const caller = new AbortController();
    const record = (/** @type {unknown} */ outcome) => {
      outcomes[index] = outcome;
      settledAt[index] = now();
      if (--left === 0) settle({each: outcomes}, /** @type {number[]} */ (settledAt));
    };
    at(kind, atMs, () => {
      /** @type {Promise<unknown>} */
      let pending;
      try {
        pending = Promise.resolve(call(instance, ({signal} = {}) => ins.operation(key, signal), caller.signal, key, ins));
      } catch (error) {
        pending = Promise.reject(error);
      }
      report(pending, binding, ins, record);
    });
    if (cancelAtMs !== null) at(kind, cancelAtMs, () => caller.abort());
  });
}

/**
 * The value itself when JSON can carry it, else a description (the checker will show it).
 * @param {unknown} value
 */
function jsonSafe(value) {
  if (value === undefined) return null;
  try {
    if (JSON.stringify(value) !== undefined) return value;
  } catch {
    // cyclic, a BigInt ...
  }
  return {unserializable: inspect(value)};
}

/** @param {unknown} value */
function describe(value) {
  return value instanceof Error ? `${value.name}: ${value.message}` : inspect(value);
}
