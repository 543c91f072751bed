/**
 * Every scenario of the spec (spec/patterns/*.yaml), through the runner: each reference meets every
 * expectation; each JavaScript anti-pattern fails at least one scenario; each scenario is failed
 * by at least one anti-pattern. The expectations are checked by scripts/expect.js, the harness's
 * checks in small.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {REGISTRY} from '../src/antipatterns/index.js';
import {check} from '../scripts/expect.js';
import {javascriptAntipatterns, loadSpec, requestFor} from '../scripts/spec.js';
import {BINDINGS} from './bindings.js';
import {handle} from './protocol.js';

const SPEC = loadSpec();

describe('the spec', () => {
  it('has a binding for every pattern, reading exactly its params', () => {
    assert.deepEqual(Object.keys(BINDINGS).sort(), SPEC.map((p) => p.id).sort());
    for (const pattern of SPEC) assert.deepEqual([...BINDINGS[pattern.id].params].sort(), Object.keys(pattern.params).sort(), pattern.id);
  });

  it("has an anti-pattern for every id of each pattern's catalogue that has a JavaScript form", () => {
    for (const pattern of SPEC) {
      assert.deepEqual(Object.keys(REGISTRY[pattern.id]).sort(), javascriptAntipatterns(pattern).sort(), pattern.id);
    }
  });

  it('lists only APIs that exist in this Node', async () => {
    const names = SPEC.flatMap((p) => (p.api.javascript ?? []).map((a) => a.name));
    assert.deepEqual((await handle({id: 1, op: 'check_api', names})).missing, []);
  });
});

for (const pattern of SPEC) {
  describe(pattern.id, () => {
    for (const scenario of pattern.scenarios) {
      it(`reference meets ${scenario.id}`, async () => {
        const answer = await handle(requestFor(pattern, scenario));
        assert.equal(answer.error, undefined, JSON.stringify(answer.error));
        assert.deepEqual(check(scenario.expect, answer), []);
      });
    }

    it('has every anti-pattern rejected, and every scenario failed by one', async () => {
      /** @type {Map<string, string[]>} */
      const failedBy = new Map(pattern.scenarios.map((s) => [s.id, []]));
      /** @type {string[]} */
      const unrejected = [];
      for (const impl of javascriptAntipatterns(pattern)) {
        let rejected = false;
        for (const scenario of pattern.scenarios) {
          const answer = await handle(requestFor(pattern, scenario, {impl}));
          assert.equal(answer.error, undefined, `${impl}: ${JSON.stringify(answer.error)}`);
          if (check(scenario.expect, answer).length > 0) {
            rejected = true;
            failedBy.get(scenario.id)?.push(impl);
          }
        }
        if (!rejected) unrejected.push(impl);
      }
      assert.deepEqual(unrejected, [], 'anti-patterns that pass every scenario');
      assert.deepEqual([...failedBy].filter(([, impls]) => impls.length === 0).map(([id]) => id), [], 'scenarios no anti-pattern fails');
    });
  });
}
