/**
 * The runner against the spec's structure (spec/patterns/*.yaml): a binding for every pattern, the
 * anti-pattern catalogue implemented, the listed APIs present. Whether the scenarios pass, and
 * whether each anti-pattern is rejected, is the harness's one checker's to say:
 * `asyncconf run --lang javascript --impl all -v` (and `pytest`).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {REGISTRY} from '../src/antipatterns/index.js';
import {javascriptAntipatterns, loadSpec} from '../scripts/spec.js';
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
