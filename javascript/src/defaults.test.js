/**
 * Every default of the spec's `params` is the reference's own (spec/PROTOCOL.md section 8, "Parameters"),
 * shown by what the reference does when the argument is left out; and the edges every language
 * agrees on. `RETRY_DEFAULTS` is pinned in retry-backoff.test.js.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {loadSpec} from '../scripts/spec.js';
import {mapBounded} from './bounded-concurrency.js';
import {runAll} from './parallel-partial-failures.js';
import {runGroup} from './task-group.js';
import {withTimeout} from './timeout.js';

/** @param {string} id */
const params = (id) => /** @type {Record<string, any>} */ (loadSpec().find((p) => p.id === id)?.params);

describe('the spec defaults', () => {
  it('withTimeout: timeoutMs defaults to the spec timeout_ms', async () => {
    const run = await play({op: [{hang: true}]}, (ins) => withTimeout(({signal}) => ins.operation('op', signal)));
    assert.deepEqual([run.status, run.status === 'fulfilled' && run.value, run.elapsedMs], ['fulfilled', null, params('timeout').timeout_ms]);
  });

  it('mapBounded: limit defaults to the spec limit', async () => {
    const items = ['a', 'b', 'c', 'd'];
    const run = await play({'*': [{after_ms: 10, ok: 'v'}]}, (ins) => mapBounded((item, {signal}) => ins.operation(item, signal), items));
    const {limit} = params('bounded-concurrency');
    assert.deepEqual(times(run.trace, 'call'), Object.fromEntries(items.map((item, index) => [item, [10 * Math.floor(index / limit)]])));
  });
});

describe('the edges', () => {
  it('runAll refuses equal items before anything starts: each is reported once, by itself', async () => {
    let calls = 0;
    await assert.rejects(
      runAll(async () => calls++, ['a', 'a']),
      {name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: 'Expected `items` to be distinct'},
    );
    assert.equal(calls, 0);
  });

  it('an empty input is a result at once: no item, no call', async () => {
    assert.deepEqual(await mapBounded(async () => 1, []), []);
    assert.deepEqual(await runGroup(async () => 1, []), []);
    const none = await runAll(async () => 1, []);
    assert.deepEqual([none.succeeded.size, none.failed.size], [0, 0]);
  });
});
