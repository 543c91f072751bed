/**
 * The npm libraries, and Node's built-ins (`node.js`), checked against the spec through the public
 * seam only (`asyncconf-javascript/testing`), and their results as data:
 * `libraries/results/javascript-<library>.json`,
 * in the format of libraries/README.md (the Python adapters' too). `asyncconf libraries` renders
 * them with every language's in the README's table.
 *
 *   node libraries/record.js            compare each adapter's fresh results with the recorded ones
 *   node libraries/record.js --record   write them (after finding out why each one changed)
 *
 * `libraries.test.js` (in `npm test`) fails when a result differs from the recorded one, when a
 * failure has no `why`, or a `why` names a scenario that does not fail.
 * @module
 */

import {readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {checkPattern} from '../testing/index.js';
import {ADAPTERS as ASYNC_MUTEX} from './async-mutex.js';
import {ADAPTERS as COCKATIEL} from './cockatiel.js';
import {ADAPTERS as GENERIC_POOL} from './generic-pool.js';
import {ADAPTERS as NODE} from './node.js';
import {ADAPTERS as P_LIMIT} from './p-limit.js';
import {ADAPTERS as P_MAP} from './p-map.js';
import {ADAPTERS as P_QUEUE} from './p-queue.js';
import {ADAPTERS as P_RETRY} from './p-retry.js';
import {ADAPTERS as P_TIMEOUT} from './p-timeout.js';
import {ADAPTERS as PISCINA} from './piscina.js';

/** @typedef {import('../testing/index.js').NotApplicable} NotApplicable */

/**
 * One pattern of one npm library, in the reference's signature (spec/PROTOCOL.md section 8).
 * @typedef {object} Adapter
 * @property {string} library The npm package (its version is recorded), or `node` for Node's built-ins (Node's major.minor).
 * @property {string} pattern
 * @property {string} api What of the library is used, as the table names it.
 * @property {import('../testing/index.js').Implementation} implementation
 * @property {NotApplicable} [notApplicable] Why the library cannot take a scenario (then n/a).
 * @property {Record<string, string>} why Scenario id -> why it fails, as found: every failure has one.
 */

/** @typedef {{status: string, reason?: string, seen?: string}} Outcome */
/** @typedef {{pattern: string, api: string, adapter: string, scenarios: Record<string, Outcome>}} Check */
/** @typedef {{format: 1, language: 'javascript', library: string, version: string, checks: Check[]}} LibraryResults */

/** @type {ReadonlyArray<Adapter>} */
export const ADAPTERS = [...P_RETRY, ...P_LIMIT, ...P_MAP, ...P_QUEUE, ...P_TIMEOUT, ...COCKATIEL, ...GENERIC_POOL, ...ASYNC_MUTEX, ...PISCINA, ...NODE];

const FILES = {'p-retry': 'p-retry.js', 'p-limit': 'p-limit.js', 'p-map': 'p-map.js', 'p-queue': 'p-queue.js', 'p-timeout': 'p-timeout.js', cockatiel: 'cockatiel.js', 'generic-pool': 'generic-pool.js', 'async-mutex': 'async-mutex.js', piscina: 'piscina.js', node: 'node.js'};
const RESULTS = new URL('../../libraries/results/', import.meta.url);
const require = createRequire(import.meta.url);

/** The library of Node's own built-ins (`node.js`): not an npm package. */
export const BUILTINS = 'node';

/**
 * Node's major.minor (`20.20`), the version Node's built-ins are recorded for -- as python-stdlib
 * records Python's. `differences` compares it as it is: another minor fails `npm test` until the
 * results are recorded again; a patch release does not (every result is checked afresh anyway).
 * @param {string} [node] A Node version (default: this process's).
 */
export function nodeVersion(node = process.versions.node) {
  const [major, minor] = node.split('.');
  return `${major}.${minor}`;
}

/**
 * The installed (pinned) version of an npm package; for `node`, Node's major.minor.
 * @param {string} name
 * @returns {string}
 */
export function version(name) {
  if (name === BUILTINS) return nodeVersion();
  // Not require(`${name}/package.json`): an `exports` map may not list it.
  const main = require.resolve(name);
  const root = main.slice(0, main.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length);
  return JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version;
}

/**
 * Every scenario of the adapter's pattern, through the seam.
 * @param {Adapter} adapter
 * @returns {Promise<Check>}
 */
export async function runAdapter(adapter) {
  const report = await checkPattern(adapter.pattern, adapter.implementation, {notApplicable: adapter.notApplicable});
  /** @type {Record<string, Outcome>} */
  const scenarios = {};
  for (const result of report.results) {
    const id = /** @type {string} */ (result.scenario.id);
    const first = result.reasons[0] ?? '';
    if (result.status === 'pass') scenarios[id] = {status: 'pass'};
    else if (result.status === 'n/a') scenarios[id] = {status: 'n/a', reason: first};
    else scenarios[id] = {status: result.status, ...(adapter.why[id] ? {reason: adapter.why[id]} : {}), seen: first};
  }
  const file = FILES[/** @type {keyof typeof FILES} */ (adapter.library)] ?? `${adapter.library}.js`;
  return {pattern: adapter.pattern, api: adapter.api, adapter: `javascript/libraries/${file}`, scenarios};
}

/**
 * Failures without a `why`, and `why`s for scenarios that do not fail.
 * @param {Adapter} adapter
 * @param {Check} fresh
 */
export function unexplained(adapter, fresh) {
  const problems = Object.entries(fresh.scenarios)
    .filter(([, o]) => (o.status === 'fail' || o.status === 'error') && !o.reason)
    .map(([id, o]) => `${fresh.pattern}/${id} [${adapter.library}]: ${o.status} with no \`why\` in ${fresh.adapter} (${o.seen})`);
  for (const id of Object.keys(adapter.why)) {
    const status = fresh.scenarios[id]?.status;
    if (status !== 'fail' && status !== 'error') problems.push(`${fresh.pattern}/${id} [${adapter.library}]: a \`why\` in ${fresh.adapter}, but it is ${status ?? 'not a scenario'}`);
  }
  return problems;
}

/**
 * Every adapter's fresh results, one `LibraryResults` per library.
 * @returns {Promise<{results: LibraryResults[], problems: string[]}>}
 */
export async function runAll() {
  /** @type {Map<string, LibraryResults>} */
  const results = new Map();
  const problems = [];
  for (const adapter of ADAPTERS) {
    const check = await runAdapter(adapter);
    problems.push(...unexplained(adapter, check));
    const library = results.get(adapter.library) ?? {format: 1, language: 'javascript', library: adapter.library, version: version(adapter.library), checks: []};
    library.checks.push(check);
    results.set(adapter.library, library);
  }
  return {results: [...results.values()], problems};
}

/** @param {string} library */
export function resultsFile(library) {
  return new URL(`javascript-${library}.json`, RESULTS);
}

/**
 * The recorded results of a library, or undefined.
 * @param {string} library
 * @returns {LibraryResults | undefined}
 */
export function recorded(library) {
  try {
    return JSON.parse(readFileSync(resultsFile(library), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What differs between the recorded results and fresh ones, one line per scenario.
 * @param {LibraryResults | undefined} old
 * @param {LibraryResults} fresh
 */
export function differences(old, fresh) {
  if (!old) return [`javascript-${fresh.library}.json: not recorded`];
  const lines = old.version === fresh.version ? [] : [`${fresh.library}: version ${old.version} recorded, ${fresh.version} installed`];
  for (const check of fresh.checks) {
    const before = old.checks.find((c) => c.pattern === check.pattern && c.api === check.api);
    if (!before) {
      lines.push(`${fresh.library} ${check.pattern} [${check.api}]: not recorded`);
      continue;
    }
    for (const [id, outcome] of Object.entries(check.scenarios)) {
      const was = before.scenarios[id];
      if (!was || was.status !== outcome.status || (was.reason ?? '') !== (outcome.reason ?? '')) {
        lines.push(`${fresh.library} ${check.pattern}/${id}: recorded ${was ? was.status : 'nothing'}, now ${outcome.status}${outcome.seen ? ` (${outcome.seen})` : ''}`);
      }
    }
    for (const id of Object.keys(before.scenarios)) if (!(id in check.scenarios)) lines.push(`${fresh.library} ${check.pattern}/${id}: recorded, no longer a scenario`);
  }
  for (const before of old.checks) {
    if (!fresh.checks.some((c) => c.pattern === before.pattern && c.api === before.api)) lines.push(`${fresh.library} ${before.pattern} [${before.api}]: recorded, no longer checked`);
  }
  return lines;
}

/**
 * Writes one library's results, one scenario per line (as the Python results are written).
 * @param {LibraryResults} results
 */
export function write(results) {
  const checks = results.checks.map((c) => {
    const scenarios = Object.entries(c.scenarios).map(([id, o]) => `        ${JSON.stringify(id)}: {${Object.entries(o).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(', ')}}`);
    return `    {\n      "pattern": ${JSON.stringify(c.pattern)},\n      "api": ${JSON.stringify(c.api)},\n      "adapter": ${JSON.stringify(c.adapter)},\n      "scenarios": {\n${scenarios.join(',\n')}\n      }\n    }`;
  });
  const text = `{\n  "format": 1,\n  "language": "javascript",\n  "library": ${JSON.stringify(results.library)},\n  "version": ${JSON.stringify(results.version)},\n  "checks": [\n${checks.join(',\n')}\n  ]\n}\n`;
  JSON.parse(text); // a bug in the layout must not write a file the harness cannot read
  writeFileSync(resultsFile(results.library), text);
}
