import assert from 'node:assert/strict';
import {getEventListeners} from 'node:events';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {withTimeout} from './timeout.js';

/** @typedef {import('../runner/instruments.js').Instruments} Instruments */
/** @param {Instruments} ins */
const op = (ins) => (/** @type {{signal: AbortSignal}} */ {signal}) => ins.operation('op', signal);

describe('withTimeout', () => {
  it('validates `timeoutMs`, quoting it', async () => {
    const refused = {name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: 'Expected `timeoutMs` to be a number from 1 to 2147483647'};
    await assert.rejects(withTimeout(async () => 1, -1), refused);
    // 0 is "expired already" to one API and "no limit" to another: refused (spec/PROTOCOL.md section 6)
    await assert.rejects(withTimeout(async () => 1, 0), refused);
    await assert.rejects(withTimeout(async () => 1, 0.5), refused);
    // setTimeout would fire a longer one after 1 ms
    await assert.rejects(withTimeout(async () => 1, 2 ** 31), refused);
    assert.equal(await withTimeout(async () => 1, 1.5), 1); // a fraction is rounded like every delay
  });

  it('returns the value as soon as it completes (R1)', async () => {
    const run = await play({op: [{after_ms: 30, ok: 'data'}]}, (ins) => withTimeout(op(ins), 50));
    assert.deepEqual([run.status, run.status === 'fulfilled' && run.value, run.elapsedMs], ['fulfilled', 'data', 30]);
  });

  it('cancels at the limit and yields null once the operation has stopped (R2, R3)', async () => {
    const run = await play({op: [{hang: true, cancel_ms: 5}]}, (ins) => withTimeout(op(ins), 50));
    assert.deepEqual([run.status, run.status === 'fulfilled' && run.value, run.elapsedMs], ['fulfilled', null, 55]);
    assert.deepEqual(times(run.trace, 'cancel'), {op: [55]});
    assert.deepEqual(run.leaks, []);
  });

  it("lets the operation's own TimeoutError through, unchanged (R4)", async () => {
    /** @type {unknown} */
    let own;
    const run = await play({op: [{after_ms: 20, fail: 'timeout'}]}, (ins) =>
      withTimeout((options) => op(ins)(options).catch((e) => Promise.reject((own = e))), 50),
    );
    assert.equal(run.status, 'rejected');
    assert.equal(run.status === 'rejected' && run.reason, own);
    assert.equal(run.elapsedMs, 20);
  });

  it("treats the caller's abort as cancellation, not as a timeout (R5)", async () => {
    const run = await play({op: [{hang: true}]}, (ins, signal) => withTimeout(op(ins), 50, {signal}), {cancelAtMs: 20});
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {op: [20]});
  });

  it("clears its limit once the operation completes: the finished call's signal never aborts later", async () => {
    /** @type {AbortSignal | undefined} */
    let seen;
    const run = await play({op: [{after_ms: 30, ok: 'data'}]}, async (ins) => {
      const value = await withTimeout(({signal}) => ((seen = signal), ins.operation('op', signal)), 50);
      await new Promise((resolve) => setTimeout(resolve, 100)); // well past the limit
      return value;
    });
    assert.deepEqual([run.status, run.status === 'fulfilled' && run.value], ['fulfilled', 'data']);
    assert.equal(seen?.aborted, false);
  });

  it("unhooks from a long-lived caller signal: a later abort of the caller does not reach a finished call", async () => {
    const shutdown = new AbortController(); // a server's shutdown signal, say, shared by every call
    /** @type {AbortSignal[]} */
    const seen = [];
    for (let call = 0; call < 3; call++) {
      assert.equal(await withTimeout(({signal}) => (seen.push(signal), 'data'), 600_000, {signal: shutdown.signal}), 'data');
    }
    assert.deepEqual(getEventListeners(shutdown.signal, 'abort'), []);
    shutdown.abort();
    assert.deepEqual(seen.map((signal) => signal.aborted), [false, false, false]);
  });

  it('yields null when the operation stops with the reason it was given at the limit (R2, R3)', async () => {
    const run = await play({op: [{hang: true}]}, (ins) =>
      withTimeout(({signal}) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), 50),
    );
    assert.deepEqual([run.status, run.status === 'fulfilled' && run.value, run.elapsedMs], ['fulfilled', null, 50]);
  });

  it('runs its limit on virtual time: a ten-minute limit takes no real time', async () => {
    const started = performance.now();
    const run = await play({op: [{hang: true}]}, (ins) => withTimeout(op(ins), 600_000));
    assert.deepEqual([run.status, run.elapsedMs], ['fulfilled', 600_000]);
    assert.ok(performance.now() - started < 5000);
  });
});
