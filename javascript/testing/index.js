/**
 * Check your own JavaScript implementation of a pattern against the spec, in a few lines.
 *
 * ```js
 * import {checkPattern} from 'asyncconf-javascript/testing';
 *
 * const report = await checkPattern('retry-backoff', myRetry); // myRetry: the reference's signature
 * assert.ok(report.ok, report.explain());
 * ```
 *
 * Your function takes what the JavaScript reference takes (spec/PROTOCOL.md section 8 lists every
 * pattern's signature, in ms) and runs in this process on the project's virtual time, fault plans
 * and instruments, exactly as the reference does. The answers are then judged by the spec's one
 * checker, the harness's (`python -m asyncconf.judge`, spawned once per check, and once per pattern
 * for its scenarios): each against the spec, and compared with the JavaScript reference's answer.
 * There is no second checker in JavaScript, so a verdict here is the verdict of `asyncconf run`.
 *
 * A scenario your implementation cannot express (a fixed cap, no factor, no injectable random) is
 * `n/a` when `notApplicable(scenario)` returns the reason: never a pass, never a fail, and not
 * run. A report with no scenario passed is not `ok`.
 *
 * Importing this module starts nothing: no loop, no process, no fake clock.
 * @module
 */

import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {syncBuiltinESMExports} from 'node:module';
import {fileURLToPath} from 'node:url';
import {BINDINGS} from '../runner/bindings.js';
import {serveProcess} from '../runner/main.js';
import {DEFAULTS, handle} from '../runner/protocol.js';
import {REGISTRY as ANTIPATTERNS} from '../src/antipatterns/index.js';

/** The checkout (the harness and the spec live there). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The id a checked implementation runs under (never `reference`: that one is ours). */
const CANDIDATE = 'candidate';

/**
 * A scenario of the spec, as the checker gives it. In a runner of your own (`serve`), a request
 * carries no scenario id: `id`, `name` and `summary` are then absent.
 * @typedef {object} Scenario
 * @property {string} pattern
 * @property {string} [id]
 * @property {string} [name] `pattern/id`
 * @property {string} [summary]
 * @property {Record<string, any>} params The pattern's parameters, defaults included (spec names: `max_delay_ms` ...).
 * @property {number[]} random The scenario's random draws.
 * @property {number | null} cancelAtMs When the caller cancels, if it does.
 * @property {Record<string, unknown>} [request] The run request the harness sends for it.
 */

/** @typedef {(...args: any[]) => unknown} Implementation */
/** @typedef {(scenario: Scenario) => string | null | undefined | false} NotApplicable */
/** @typedef {{notApplicable?: NotApplicable}} CheckOptions */

/**
 * The Python that runs the harness: `ASYNCCONF_PYTHON`, else the checkout's `.venv`, else `python3`.
 */
export function pythonCommand() {
  const venv = `${ROOT}.venv/bin/python`;
  return process.env.ASYNCCONF_PYTHON ?? (existsSync(venv) ? venv : 'python3');
}

/**
 * Runs `python ARGS`, with `input` as JSON on its stdin; its JSON answer.
 * @param {string[]} args
 * @param {string} what What it runs, for the errors (`asyncconf.judge scenarios timeout`).
 * @param {unknown} [input]
 * @returns {Promise<any>}
 */
function runPython(args, what, input) {
  const python = pythonCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {stdio: ['pipe', 'pipe', 'pipe']});
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) =>
      reject(new Error(`cannot start the checker (${python} ${what}): ${error.message}; set ASYNCCONF_PYTHON to a Python with asyncconf installed`)),
    );
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the checker (${python} ${what}) exited ${code}: ${Buffer.concat(err).toString().trim()}`));
      else resolve(JSON.parse(Buffer.concat(out).toString()));
    });
    child.stdin.end(input === undefined ? '' : JSON.stringify(input));
  });
}

/**
 * Runs `python -m asyncconf.judge ARGS`, with `input` as JSON on its stdin; its JSON answer.
 * @param {string[]} args
 * @param {unknown} [input]
 * @returns {Promise<any>}
 */
function judge(args, input) {
  return runPython(['-m', 'asyncconf.judge', ...args], `-m asyncconf.judge ${args.join(' ')}`, input);
}

/**
 * The checker's answer to `scenarios PATTERN`, asked once per process and Python: a suite that checks
 * several implementations of one pattern starts one checker for its scenarios, not one per check.
 * A failed answer is not kept.
 * @type {Map<string, Promise<any>>}
 */
const asked = new Map();

/**
 * The pattern's scenarios, in the spec's order: new objects on every call, so that a caller may change them.
 * @param {string} pattern
 * @returns {Promise<Scenario[]>}
 */
export async function scenarios(pattern) {
  const key = JSON.stringify([pythonCommand(), pattern]);
  let answer = asked.get(key);
  if (answer === undefined) {
    answer = judge(['scenarios', pattern]);
    asked.set(key, answer);
    answer.catch(() => asked.delete(key));
  }
  const found = structuredClone(await answer);
  return found.scenarios.map((/** @type {any} */ s) => ({
    pattern,
    id: s.id,
    name: s.name,
    summary: s.summary,
    params: s.params,
    random: s.random,
    cancelAtMs: s.cancel_at_ms,
    request: s.request,
  }));
}

/**
 * What `spec` prints: the spec's pattern ids (its files' names, as the judge finds a pattern), and of
 * each pattern asked for, its `antipatterns:` catalogue -- every language's, `langs:` or not. Read by
 * the harness's own loader: the seam keeps no copy of the spec, as it keeps none of the checker.
 */
const SPEC_CATALOGUE = [
  'import json, sys',
  'from asyncconf.paths import PATTERNS_DIR',
  'from asyncconf.spec import load_pattern, pattern_files',
  'files = {path.stem: path for path in pattern_files(PATTERNS_DIR)}',
  'antipatterns = {p: [a.id for a in load_pattern(files[p]).antipatterns] for p in sys.argv[1:] if p in files}',
  'json.dump({"patterns": sorted(files), "antipatterns": antipatterns}, sys.stdout)',
].join('\n');

/**
 * The answers of `spec`, asked once per process, Python and set of patterns (a runner asks it for
 * every request: its registry, the same each time, is checked each time). A failed one is not kept.
 * @type {Map<string, Promise<{patterns: string[], antipatterns: Record<string, string[]>}>>}
 */
const catalogues = new Map();

/**
 * The spec's pattern ids, and the anti-pattern ids of every language of `patterns` (those of them
 * the spec has).
 * @param {string[]} patterns
 * @returns {Promise<{patterns: string[], antipatterns: Record<string, string[]>}>}
 */
function spec(patterns) {
  const key = JSON.stringify([pythonCommand(), patterns]);
  let found = catalogues.get(key);
  if (found === undefined) {
    found = runPython(['-c', SPEC_CATALOGUE, ...patterns], `-c <the spec's patterns and anti-patterns> ${patterns.join(' ')}`);
    catalogues.set(key, found);
    found.catch(() => catalogues.delete(key));
  }
  return found;
}

/** @param {{t: number, ev: string, key: string, n: number, kind?: string}} event */
function showEvent(event) {
  const kind = event.kind ? ` ${event.kind}` : '';
  return `${String(event.t).padStart(6)} ${event.ev.padEnd(6)} ${event.key}#${event.n}${kind}`;
}

/** One scenario's verdict on your implementation, with everything needed to see why. */
export class ScenarioResult {
  /**
   * @param {Scenario} scenario
   * @param {'pass' | 'fail' | 'error' | 'n/a'} status
   * @param {string[]} reasons The checker's reasons (for n/a: yours).
   * @param {{answer?: Record<string, any>, reference?: Record<string, any>, trace?: any[], referenceTrace?: any[], firstTry?: string}} [seen]
   */
  constructor(scenario, status, reasons, {answer, reference, trace = [], referenceTrace = [], firstTry} = {}) {
    this.scenario = scenario;
    this.status = status;
    this.reasons = reasons;
    /** Your implementation's answer (outcome, trace, leaks ...), as the runner gave it. */
    this.answer = answer;
    /** The JavaScript reference's answer to the same scenario. */
    this.reference = reference;
    /** Both traces in the checker's canonical order. */
    this.trace = trace;
    this.referenceTrace = referenceTrace;
    /** Set when your implementation's run was tried twice: what its first try read (a block that did not count). */
    this.firstTry = firstTry;
  }

  /** Passed. An n/a is not ok: it checked nothing (as Python's `ok`). */
  get ok() {
    return this.status === 'pass';
  }

  /** The verdict, the reasons, and for a failure the outcome and both traces side by side. */
  explain() {
    const {scenario} = this;
    const lines = [`${this.status.toUpperCase()} ${scenario.name ?? scenario.pattern}${scenario.summary ? ` -- ${scenario.summary}` : ''}`];
    lines.push(...this.reasons.map((reason) => `  ${reason}`));
    if (this.firstTry) lines.push(`  a second try: the first ${this.firstTry}`);
    if ((this.status === 'fail' || this.status === 'error') && this.answer && !('error' in this.answer)) {
      lines.push(`  outcome: ${JSON.stringify(this.answer.outcome)}`);
      if (this.reference) lines.push(`  the reference's: ${JSON.stringify(this.reference.outcome)}`);
      if (this.answer.leaks?.length) lines.push(`  leaks: ${JSON.stringify(this.answer.leaks)}`);
      lines.push("  trace (yours | the reference's):");
      for (let index = 0; index < Math.max(this.trace.length, this.referenceTrace.length); index++) {
        const left = index < this.trace.length ? showEvent(this.trace[index]) : '';
        const right = index < this.referenceTrace.length ? showEvent(this.referenceTrace[index]) : '';
        lines.push(`    ${left === right ? ' ' : '!'} ${left.padEnd(28)} | ${right}`);
      }
    }
    return lines.join('\n');
  }

  /**
   * Returns when it passed; throws an `Error` with the explanation when it failed or could not run.
   * An n/a is handed to `skip`, your test's skip (node:test: `(why) => t.skip(why)`), and without one
   * throws too: returning would show a scenario that checked nothing as passed.
   * @param {(reason: string) => void} [skip]
   */
  assertOk(skip) {
    if (this.ok) return;
    if (this.status === 'n/a' && skip) {
      skip(`n/a: ${this.reasons.join('; ')}`);
      return;
    }
    const hint = this.status === 'n/a' ? "\n  not a pass: give assertOk your test's skip, as (why) => t.skip(why)" : '';
    throw new Error(this.explain() + hint);
  }
}

/** Every scenario of one pattern against your implementation. */
export class PatternReport {
  /**
   * @param {string} pattern
   * @param {ScenarioResult[]} results
   */
  constructor(pattern, results) {
    this.pattern = pattern;
    this.results = results;
  }

  /** Every scenario passed or is n/a -- and at least one passed: n/a alone checks nothing. */
  get ok() {
    return this.failures.length === 0 && this.results.some((r) => r.ok);
  }

  /** The scenarios that failed or could not be judged (not the n/a ones: they are reported apart). */
  get failures() {
    return this.results.filter((r) => r.status === 'fail' || r.status === 'error');
  }

  explain() {
    const counts = ['pass', 'fail', 'error', 'n/a']
      .map((status) => [status, this.results.filter((r) => r.status === status).length])
      .filter(([, n]) => n)
      .map(([status, n]) => `${n} ${status}`);
    return [`${this.pattern}: ${counts.join(', ')}${this.ok ? '' : ' -- NOT OK'}`, ...this.results.filter((r) => r.status !== 'pass' || r.firstTry).map((r) => r.explain())].join('\n');
  }
}

/**
 * Runs one scenario's request against `implementation` and against the reference, in this process.
 * @param {Scenario} scenario
 * @param {Implementation} implementation
 */
async function play(scenario, implementation) {
  const request = /** @type {Record<string, unknown>} */ (scenario.request);
  const registry = {[scenario.pattern]: {[CANDIDATE]: implementation}};
  const {answer, firstTry} = await playConfirmed({...request, impl: CANDIDATE}, {registry});
  const {answer: reference} = await playConfirmed({...request, impl: 'reference'});
  return {answer, reference, firstTry};
}

/**
 * One run of `request`, and once more if it read a block (`blocked_ms` at the limit): the second
 * answer counts, and `firstTry` says what the first read. A block is measured in real time, and a
 * busy machine can stall this thread for tens of ms where its run-queue count does not see it
 * (piscina's loop-keeps-beating read 50 ms once beside a full pytest); a block the code causes
 * repeats -- the same request runs the same way on virtual time; after a clean second try, a third
 * tells a block that comes and goes with the implementation's state. As `asyncconf run` does
 * (`Engine._confirm_blocks` in the harness).
 * @param {Record<string, unknown>} request
 * @param {Parameters<typeof handle>[1]} [options]
 * @returns {Promise<{answer: Record<string, any>, firstTry?: string}>}
 */
async function playConfirmed(request, options) {
  const limit = typeof request.block_limit_ms === 'number' ? request.block_limit_ms : DEFAULTS.block_limit_ms;
  const play = () => owningRejections(() => keepingTheProcess(() => handle(request, options)));
  const blocked = (/** @type {Record<string, any>} */ answer) => typeof answer.blocked_ms === 'number' && answer.blocked_ms >= limit;
  const first = await play();
  if (!blocked(first)) return {answer: first};
  const firstTry = `blocked the event loop for ${first.blocked_ms} ms (limit ${limit})`;
  const second = await play();
  if (blocked(second) || 'error' in second) return {answer: second, firstTry};
  // Once more after a clean second try: code that blocks every other call (its state carried from
  // run to run) passes the second; a stall of the machine seldom strikes twice.
  const third = await play();
  if (blocked(third) && !('error' in third)) return {answer: third, firstTry: `${firstTry}; the second try did not block, the third did: the code's block, every other time`};
  return {answer: second, firstTry};
}

/**
 * The listeners set aside while checks run (`owningRejections`), and how many checks are running:
 * checks gathered at once overlap, and only the first to start sets them aside, only the last to
 * end puts them back. Each setting them aside itself took the listener a run of another check had
 * installed for itself, and put it back for good, so that it stayed on after its run; and the
 * first check to end gave node:test its listeners back while another's run was still to come.
 * @type {{owners: number, aside: Array<['unhandledRejection' | 'uncaughtException', Function[]]>}}
 */
const setAside = {owners: 0, aside: []};

/**
 * Runs `body` with the process's unhandled rejections and uncaught exceptions left to the run,
 * as in the runner's own process: the runner reports them in the answer's `warnings`. The
 * listeners already there (node:test's, which would fail the test calling the check) are set
 * aside meanwhile: a library that abandons an operation the runner cancels after the run (p-limit,
 * p-timeout) is judged by the checker, not failed by the test framework.
 * @template T
 * @param {() => Promise<T>} body
 */
async function owningRejections(body) {
  if (setAside.owners++ === 0) {
    setAside.aside = [];
    for (const event of /** @type {const} */ (['unhandledRejection', 'uncaughtException'])) {
      setAside.aside.push([event, process.rawListeners(event)]);
      process.removeAllListeners(event);
    }
  }
  try {
    return await body();
  } finally {
    if (--setAside.owners === 0) {
      for (const [event, listeners] of setAside.aside) for (const listener of listeners) process.on(event, /** @type {any} */ (listener));
      setAside.aside = [];
    }
  }
}

/** The last run of an implementation `keepingTheProcess` began: they run one after another. */
let lastKept = Promise.resolve();

/** What an implementation's `process.exit()` throws while the seam runs it: execution stops there, as it would have. */
class ExitCalled extends Error {
  /** @param {unknown} code */
  constructor(code) {
    super(`your implementation called process.exit(${code === undefined ? '' : String(code)})`);
    this.name = 'SystemExit';
  }
}

/**
 * Runs `body` -- a run of the runner, in this process -- with `process.exit` replaced, and a call of
 * it answered as the implementation's crash. Its own exit code (0, say) was the process's: `node
 * --test` then reported the file passed, and a script ended as if done. Node cannot stop an exit
 * that has begun (the `'exit'` event comes too late), so the function itself is replaced for the
 * run -- and `node:process`'s named `exit` with it (`syncBuiltinESMExports`, as the virtual clock
 * does for `timers/promises`) -- and put back after. The call throws (nothing after it runs, as
 * after an exit) and the run's outcome becomes `{fail: 'other', type: 'SystemExit'}`, whether the
 * implementation caught that or not. `SystemExit` is Python's name for exactly this, the name the
 * Python runner answers `sys.exit()` with, and one of the checker's crash types (CRASH_TYPES): an
 * error, never a pass nor a rejection. Runs go one at a time, so that a call is told to the run that
 * made it.
 * @param {() => Promise<Record<string, any>>} body
 * @returns {Promise<Record<string, any>>}
 */
function keepingTheProcess(body) {
  const result = lastKept.then(async () => {
    const exit = process.exit;
    /** @type {unknown[]} */
    const calls = [];
    process.exit = (code) => {
      calls.push(code);
      throw new ExitCalled(code);
    };
    syncBuiltinESMExports();
    /** @type {Record<string, any>} */
    let answer;
    try {
      answer = await body();
    } finally {
      process.exit = exit;
      syncBuiltinESMExports();
    }
    if (calls.length === 0 || 'error' in answer) return answer;
    const {message} = new ExitCalled(calls[0]);
    const crash = `${message} (the seam kept the process alive)`;
    const warnings = [...(Array.isArray(answer.warnings) ? answer.warnings : []), crash];
    return {...answer, outcome: {fail: 'other', type: 'SystemExit', message: crash}, warnings};
  });
  lastKept = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

/**
 * Judges played scenarios with the harness's checker.
 * @param {string} pattern
 * @param {{scenario: Scenario, answer: Record<string, any>, reference: Record<string, any>, firstTry?: string}[]} played
 * @returns {Promise<ScenarioResult[]>}
 */
async function judged(pattern, played) {
  if (played.length === 0) return [];
  const results = played.map(({scenario, answer, reference}) => ({scenario: scenario.id, answer, reference}));
  const {verdicts} = await judge(['verdicts'], {pattern, language: 'JavaScript', results});
  return played.map(({scenario, answer, reference, firstTry}, index) => {
    const v = verdicts[index];
    return new ScenarioResult(scenario, v.status, v.reasons, {answer, reference, trace: v.trace, referenceTrace: v.reference_trace, firstTry});
  });
}

/**
 * The n/a result, when the caller declares the scenario one it cannot take.
 * @param {Scenario} scenario
 * @param {NotApplicable | undefined} notApplicable
 */
function notApplicableResult(scenario, notApplicable) {
  const why = notApplicable?.(scenario);
  return why ? new ScenarioResult(scenario, 'n/a', [why]) : undefined;
}

/**
 * Every scenario of `pattern` run against `implementation`, checked and compared.
 * @param {string} pattern A pattern id of spec/patterns/ (`retry-backoff` ...).
 * @param {Implementation} implementation The reference's signature (spec/PROTOCOL.md section 8).
 * @param {CheckOptions} [options]
 */
export async function checkPattern(pattern, implementation, {notApplicable} = {}) {
  const all = await scenarios(pattern);
  /** @type {(ScenarioResult | undefined)[]} */
  const results = all.map((scenario) => notApplicableResult(scenario, notApplicable));
  const played = [];
  for (const [index, scenario] of all.entries()) if (!results[index]) played.push({scenario, ...(await play(scenario, implementation))});
  const verdicts = await judged(pattern, played);
  return new PatternReport(pattern, results.map((result) => result ?? /** @type {ScenarioResult} */ (verdicts.shift())));
}

/**
 * One scenario (from `scenarios(pattern)`) against `implementation`.
 * @param {Scenario} scenario
 * @param {Implementation} implementation
 * @param {CheckOptions} [options]
 */
export async function checkScenario(scenario, implementation, {notApplicable} = {}) {
  const na = notApplicableResult(scenario, notApplicable);
  if (na) return na;
  const [result] = await judged(scenario.pattern, [{scenario, ...(await play(scenario, implementation))}]);
  return result;
}

/**
 * `node:test`: one test for the pattern, with one subtest per scenario -- n/a ones skipped with
 * their reason (shown as skipped, never as passed), failing ones failing with the explanation.
 * @param {string} pattern
 * @param {Implementation} implementation
 * @param {CheckOptions & {name?: string}} [options] `name`: the test's (default: the pattern's).
 */
export async function testPattern(pattern, implementation, {notApplicable, name = pattern} = {}) {
  const {test} = await import('node:test');
  return test(name, async (t) => {
    const report = await checkPattern(pattern, implementation, {notApplicable});
    for (const result of report.results) {
      await t.test(/** @type {string} */ (result.scenario.id), (sub) => {
        result.assertOk((why) => sub.skip(why));
      });
    }
    if (!report.results.some((r) => r.ok)) throw new Error(`${pattern}: no scenario passed (n/a alone checks nothing)`);
  });
}

/**
 * One implementation of yours in a runner (`serve`): a function, or a function with the
 * scenarios it cannot take.
 * @typedef {Implementation | {implementation: Implementation, notApplicable?: NotApplicable}} Candidate
 */

/**
 * Answers a protocol request for a runner of your own: `describe` lists your registry alone (pattern ->
 * your ids) -- nothing of ours, which `asyncconf run` would have checked as yours -- and a run of one of
 * your ids runs it; one that declares the scenario n/a is answered `not-applicable`, and a call of
 * `process.exit()` by it is its crash. An id of ours is not run here (`unknown-impl`); `reference`, the
 * protocol's default `impl`, is still answered with ours, but never described. The registry is
 * checked first (`serve`): the promise rejects on a pattern the spec does not have or an id of ours.
 * @param {unknown} request
 * @param {Record<string, Record<string, Candidate>>} registry pattern -> your id -> candidate
 * @returns {Promise<Record<string, unknown>>}
 */
export async function answer(request, registry) {
  await checkRegistry(registry);
  /** @type {Record<string, Record<string, Implementation>>} */
  const mine = {};
  for (const [pattern, candidates] of Object.entries(registry)) {
    for (const [id, candidate] of Object.entries(candidates)) {
      (mine[pattern] ??= {})[id] = typeof candidate === 'function' ? candidate : candidate.implementation;
    }
  }
  const isObject = typeof request === 'object' && request !== null && !Array.isArray(request);
  const r = /** @type {Record<string, any>} */ (isObject ? request : {});
  const op = isObject ? (r.op ?? 'run') : undefined;
  if (op === 'describe') {
    const described = await handle(request, {registry: {}});
    if ('error' in described) return described;
    /** @type {Record<string, string[]>} */
    const patterns = {};
    for (const pattern of Object.keys(mine).sort()) patterns[pattern] = Object.keys(mine[pattern]).sort();
    return {...described, patterns};
  }
  if (op !== 'run') return handle(request, {registry: mine});
  const impl = r.impl ?? 'reference';
  if (typeof r.pattern === 'string' && Object.hasOwn(BINDINGS, r.pattern) && typeof impl === 'string' && impl !== 'reference' && !Object.hasOwn(mine[r.pattern] ?? {}, impl)) {
    const known = Object.keys(mine[r.pattern] ?? {}).sort().join(', ') || 'none';
    return {id: r.id ?? null, error: {kind: 'unknown-impl', message: `pattern ${JSON.stringify(r.pattern)} has no implementation ${JSON.stringify(impl)} here (${known})`}};
  }
  const candidate = typeof r.pattern === 'string' && typeof impl === 'string' && Object.hasOwn(registry[r.pattern] ?? {}, impl) ? registry[r.pattern][impl] : undefined;
  if (candidate && typeof candidate !== 'function' && candidate.notApplicable) {
    const why = candidate.notApplicable({pattern: r.pattern, params: r.params ?? {}, random: r.random ?? [], cancelAtMs: r.cancel_at_ms ?? null});
    if (why) return {id: r.id ?? null, error: {kind: 'not-applicable', message: why}};
  }
  return keepingTheProcess(() => handle(request, {registry: mine}));
}

/**
 * Serves a runner of your own: JSON Lines on stdin/stdout (spec/PROTOCOL.md section 1), your
 * candidates alone, until stdin closes; then the process ends. Run it with
 * `asyncconf run --runner 'javascript=node my-runner.js' --impl candidates`. The registry is checked
 * before anything is served (the promise rejects): a pattern the spec does not have, or an id of ours.
 * @param {{registry: Record<string, Record<string, Candidate>>}} options
 */
export async function serve({registry}) {
  await checkRegistry(registry);
  return serveProcess((request) => answer(request, registry));
}

/**
 * Refuses a registry that cannot be what you meant, up front: a pattern id the spec does not have (a
 * typo: `retry` for `retry-backoff` was served, and your implementation never ran), an entry that is
 * no implementation, and an id of ours. Your ids must be your own: `reference` is ours, and so is
 * every id of the pattern's `antipatterns:` catalogue in the spec, for any language (`thread-lock` is
 * async-lock's in Python and C#) -- the harness judges what runs under one as that anti-pattern, so a
 * failing implementation would have been counted as a rejected anti-pattern. (The Python and C#
 * seams refuse them too.) The spec is read through the harness's Python (`pythonCommand`), as the
 * scenarios are.
 * @param {Record<string, Record<string, Candidate>>} registry
 */
async function checkRegistry(registry) {
  try {
    await checkRegistryEntries(registry);
  } catch (error) {
    // The message once more under the frames: a runner refused exits with it printed, and the
    // harness reports the last lines a runner wrote -- they were frames, the message cut off above.
    if (error instanceof Error) error.stack = `${error.stack}\n${error.name}: ${error.message}`;
    throw error;
  }
}

/** @param {Record<string, Record<string, Candidate>>} registry */
async function checkRegistryEntries(registry) {
  if (typeof registry !== 'object' || registry === null || Array.isArray(registry)) {
    throw new TypeError('the registry must be an object: pattern -> your id -> your implementation');
  }
  for (const [pattern, candidates] of Object.entries(registry)) {
    if (typeof candidates !== 'object' || candidates === null || Array.isArray(candidates)) {
      throw new TypeError(`registry[${JSON.stringify(pattern)}] must be an object: your id -> your implementation`);
    }
    for (const [id, candidate] of Object.entries(candidates)) {
      if (typeof candidate !== 'function' && typeof candidate?.implementation !== 'function') {
        throw new TypeError(`registry[${JSON.stringify(pattern)}][${JSON.stringify(id)}] must be a function, or {implementation, notApplicable}`);
      }
    }
  }
  refuseOurIds(registry, {}); // ours in JavaScript, before the spec is asked
  const patterns = Object.keys(registry).sort();
  const found = await spec(patterns);
  for (const pattern of patterns) {
    if (!found.patterns.includes(pattern)) {
      const near = found.patterns.filter((known) => known.includes(pattern) || pattern.includes(known));
      const hint = near.length ? ` (did you mean ${near.map((known) => `\`${known}\``).join(' or ')}?)` : '';
      throw new Error(`\`${pattern}\` is no pattern of the spec${hint}: its patterns are ${found.patterns.join(', ')}`);
    }
    if (!Object.hasOwn(BINDINGS, pattern)) throw new Error(`\`${pattern}\` has no JavaScript binding in this checkout: its runner cannot call your implementation`);
  }
  refuseOurIds(registry, found.antipatterns);
}

/**
 * @param {Record<string, Record<string, Candidate>>} registry
 * @param {Record<string, string[]>} catalogue pattern -> the anti-pattern ids of its spec entry
 */
function refuseOurIds(registry, catalogue) {
  for (const [pattern, mine] of Object.entries(registry)) {
    for (const id of Object.keys(mine)) {
      if (id === 'reference') throw new Error('`reference` is ours: give your implementation an id of its own');
      const javascript = Object.hasOwn(ANTIPATTERNS, pattern) && Object.hasOwn(ANTIPATTERNS[/** @type {keyof typeof ANTIPATTERNS} */ (pattern)], id);
      if (javascript || (Object.hasOwn(catalogue, pattern) && catalogue[pattern].includes(id))) {
        throw new Error(`\`${id}\` is an anti-pattern of ${pattern}: give your implementation an id of its own`);
      }
    }
  }
}
