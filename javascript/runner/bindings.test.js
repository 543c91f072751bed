import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loadSpec} from '../scripts/spec.js';
import {BINDINGS} from './bindings.js';
import {handle} from './protocol.js';

describe('the bindings (spec/PROTOCOL.md section 2)', () => {
  it("default every parameter a request leaves out to the spec's params", () => {
    for (const pattern of loadSpec()) assert.deepEqual(BINDINGS[pattern.id].defaults, pattern.params, pattern.id);
  });

  it('run a request with no params on those defaults', async () => {
    const timeout = await handle({id: 1, pattern: 'timeout', plan: {op: [{hang: true}]}});
    assert.deepEqual([timeout.outcome, timeout.elapsed_ms], [{ok: null}, 1000]);
    const cleanup = await handle({id: 2, pattern: 'cancellation-cleanup', plan: {op: [{after_ms: 20, ok: 'v'}]}});
    assert.equal(cleanup.elapsed_ms, 25);
  });
});
