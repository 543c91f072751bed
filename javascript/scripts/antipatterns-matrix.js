#!/usr/bin/env node
/**
 * Runs every JavaScript anti-pattern through every scenario of its pattern and checks the answers
 * against the scenarios' expectations (scripts/expect.js, the harness's checks in small).
 * The suite's two promises: every anti-pattern fails at least one scenario, and every scenario is
 * failed by at least one anti-pattern.
 *
 *   node scripts/antipatterns-matrix.js [--verbose]
 * @module
 */

import {parseArgs} from 'node:util';
import {handle} from '../runner/protocol.js';
import {check} from './expect.js';
import {javascriptAntipatterns, loadSpec, requestFor} from './spec.js';

const {values} = parseArgs({options: {verbose: {type: 'boolean', default: false}}});
let problems = 0;
for (const pattern of loadSpec()) {
  console.log(`\n${pattern.id}`);
  /** @type {Map<string, string[]>} */
  const failedBy = new Map(pattern.scenarios.map((s) => [s.id, []]));
  for (const impl of javascriptAntipatterns(pattern)) {
    const failed = [];
    for (const scenario of pattern.scenarios) {
      const answer = await handle(requestFor(pattern, scenario, {impl}));
      if (answer.error) throw new Error(`${pattern.id}/${scenario.id} ${impl}: ${JSON.stringify(answer.error)}`);
      const mismatches = check(scenario.expect, answer);
      if (mismatches.length > 0) {
        failed.push(scenario.id);
        failedBy.get(scenario.id)?.push(impl);
        if (values.verbose) console.log(`    ${impl} x ${scenario.id}: ${mismatches.join('; ')}`);
      }
    }
    if (failed.length === 0) problems++;
    console.log(`  ${failed.length === 0 ? 'PASSES ALL' : 'ok'}  ${impl}: fails ${failed.join(', ') || 'nothing'}`);
  }
  for (const [scenario, impls] of failedBy) {
    if (impls.length === 0) {
      problems++;
      console.log(`  NO ANTI-PATTERN FAILS ${scenario}`);
    }
  }
}
console.log(problems === 0 ? '\nevery anti-pattern fails a scenario; every scenario fails an anti-pattern' : `\n${problems} problem(s)`);
process.exitCode = problems === 0 ? 0 : 1;
