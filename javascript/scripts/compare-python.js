#!/usr/bin/env node
/**
 * Runs every scenario of the spec through the Node runner and the Python runner (the oracle for
 * reference behaviour) and says where their answers differ: outcome, elapsed_ms, leaks, and the
 * trace with the events of one instant in canonical order (by `ev`, `key`, `n`).
 *
 *   node scripts/compare-python.js [--impl reference] [--pattern ID] [--python ../.venv/bin/python] [--quiet]
 *
 * Needs the repository's Python environment; kept out of `npm test` for that reason.
 * @module
 */

import {isDeepStrictEqual, parseArgs} from 'node:util';
import {fileURLToPath} from 'node:url';
import {JsonLinesClient} from './jsonl-client.js';
import {loadSpec, requestFor} from './spec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const {values} = parseArgs({
  options: {
    impl: {type: 'string', default: 'reference'},
    pattern: {type: 'string'},
    python: {type: 'string', default: `${ROOT}.venv/bin/python`},
    quiet: {type: 'boolean', default: false},
  },
});

/** @param {{t: number, ev: string, key: string, n: number}[]} trace */
export function canonical(trace) {
  return [...trace].sort((a, b) => a.t - b.t || cmp(a.ev, b.ev) || cmp(a.key, b.key) || a.n - b.n);
}
/** @param {string} a @param {string} b */
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const node = new JsonLinesClient(process.execPath, [fileURLToPath(new URL('../runner/main.js', import.meta.url))]);
const python = new JsonLinesClient(/** @type {string} */ (values.python), ['-m', 'asyncpatterns.runner'], {cwd: ROOT});
let same = 0;
let total = 0;
for (const pattern of loadSpec().filter((p) => !values.pattern || p.id === values.pattern)) {
  for (const scenario of pattern.scenarios) {
    const request = requestFor(pattern, scenario, {impl: values.impl, id: ++total});
    const [js, py] = await Promise.all([node.ask(request), python.ask(request)]);
    const differences = ['outcome', 'elapsed_ms', 'leaks', 'error'].filter((k) => !isDeepStrictEqual(js[k], py[k]));
    if (js.error || py.error) differences.push('error'); // a runner that could not run it proves nothing
    if (!isDeepStrictEqual(canonical(js.trace ?? []), canonical(py.trace ?? []))) differences.push('trace');
    const name = `${pattern.id}/${scenario.id}`;
    if (differences.length === 0) {
      same++;
      if (!values.quiet) console.log(`same       ${name}`);
    } else {
      console.log(`DIFFERENT  ${name}: ${differences.join(', ')}`);
      for (const k of differences) {
        const pick = (/** @type {any} */ a) => (k === 'trace' ? canonical(a.trace ?? []) : a[k]);
        console.log(`  node:   ${JSON.stringify(pick(js))}\n  python: ${JSON.stringify(pick(py))}`);
      }
    }
  }
}
await Promise.all([node.close(), python.close()]);
console.log(`\n${same} of ${total} scenarios identical (impl ${values.impl})`);
process.exitCode = same === total ? 0 : 1;
