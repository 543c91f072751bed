import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {play, times} from '../runner/testing.js';
import {loadSpec} from '../scripts/spec.js';
import {RETRY_DEFAULTS, backoffDelay, isRetryable, retry} from './retry-backoff.js';

/** @param {string} name */
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

describe('retry', () => {
  it('has the spec params as its defaults', () => {
    const spec = loadSpec().find((p) => p.id === 'retry-backoff');
    assert.ok(spec);
    assert.deepEqual({...RETRY_DEFAULTS}, Object.fromEntries(Object.entries(spec.params).map(([k, v]) => [camel(k), v])));
  });

  it('validates its options eagerly, quoting the option', async () => {
    const ok = async () => 1;
    const invalid = {name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE'}; // spec/PROTOCOL.md section 6: `invalid`
    await assert.rejects(retry(ok, {maxAttempts: 0}), {...invalid, message: 'Expected `maxAttempts` to be an integer from 1 to 2147483647, or Infinity'});
    await assert.rejects(retry(ok, {maxAttempts: 2 ** 31}), {message: 'Expected `maxAttempts` to be an integer from 1 to 2147483647, or Infinity'});
    await assert.rejects(retry(ok, {baseDelayMs: -1}), {...invalid, message: 'Expected `baseDelayMs` to be a number from 0 to 2147483647'});
    await assert.rejects(retry(ok, {baseDelayMs: 2 ** 31}), {message: 'Expected `baseDelayMs` to be a number from 0 to 2147483647'});
    await assert.rejects(retry(ok, {factor: 0.5}), {...invalid, message: 'Expected `factor` to be a finite number from 1 and up'});
    await assert.rejects(retry(ok, {maxDelayMs: Number.NaN}), {message: 'Expected `maxDelayMs` to be a number from 0 to 2147483647'});
    await assert.rejects(retry(ok, {maxDelayMs: Infinity}), {message: 'Expected `maxDelayMs` to be a number from 0 to 2147483647'});
    // @ts-expect-error -- a jitter the spec does not know
    await assert.rejects(retry(ok, {jitter: 'full'}), {message: "Expected `jitter` to be 'none' or 'proportional'"});
    // @ts-expect-error -- not a function
    await assert.rejects(retry(42), {code: 'ERR_INVALID_ARG_TYPE', message: 'Expected `fn` to be a function'});
  });

  it('computes capped, then jittered delays (R2, R3)', () => {
    const options = {baseDelayMs: 100, factor: 3, maxDelayMs: 250};
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, options)), [100, 250, 250, 250]);
    const draws = [0.25, 0.75, 0.5];
    const jittered = {baseDelayMs: 100, factor: 2, maxDelayMs: 160, jitter: /** @type {const} */ ('proportional'), random: () => /** @type {number} */ (draws.shift())};
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, jittered)), [75, 200, 160]);
  });

  it('retries transient failures and timeouts only', () => {
    assert.equal(isRetryable(Object.assign(new Error('reset'), {code: 'ECONNRESET'})), true);
    assert.equal(isRetryable(new DOMException('slow', 'TimeoutError')), true);
    assert.equal(isRetryable(new TypeError('bad')), false);
    assert.equal(isRetryable(new DOMException('stop', 'AbortError')), false);
    assert.equal(isRetryable('ECONNRESET'), false);
  });

  it('waits the backoff between attempts, on virtual time (R1, R2)', async () => {
    const plan = {op: [{after_ms: 10, fail: /** @type {const} */ ('transient')}, {after_ms: 10, fail: /** @type {const} */ ('transient')}, {after_ms: 10, ok: 'data'}]};
    const run = await play(plan, (ins, signal) => retry(({signal: s}) => ins.operation('op', s), {baseDelayMs: 100, signal}));
    assert.equal(run.status, 'fulfilled');
    assert.deepEqual(run.status === 'fulfilled' && run.value, 'data');
    assert.deepEqual(times(run.trace, 'call'), {op: [0, 110, 320]});
    assert.equal(run.elapsedMs, 330);
  });

  it('gives up with the last error itself (R4)', async () => {
    /** @type {unknown[]} */
    const errors = [];
    const run = await play({op: [{after_ms: 10, fail: 'transient'}]}, (ins) =>
      retry(() => ins.operation('op').catch((e) => Promise.reject(errors[errors.push(e) - 1])), {baseDelayMs: 100}),
    );
    assert.equal(run.status, 'rejected');
    assert.equal(run.status === 'rejected' && run.reason, errors[2]);
  });

  it('never retries a fatal failure nor an AbortError of the operation (R5, R6)', async () => {
    for (const fail of /** @type {const} */ (['fatal', 'cancelled'])) {
      const run = await play({op: [{after_ms: 10, fail}]}, (ins) => retry(() => ins.operation('op'), {baseDelayMs: 100}));
      assert.equal(run.status, 'rejected');
      assert.deepEqual(times(run.trace, 'call'), {op: [0]}, fail);
      assert.equal(run.elapsedMs, 10);
    }
  });

  it('rejects with the abort reason during an attempt, cancelling it (R6)', async () => {
    const run = await play(
      {op: [{hang: true}]},
      (ins, signal) => retry(({signal: s}) => ins.operation('op', s), {baseDelayMs: 100, signal}),
      {cancelAtMs: 50},
    );
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'cancel'), {op: [50]});
    assert.equal(run.elapsedMs, 50);
  });

  it('ends a delay at once when aborted (R7)', async () => {
    const run = await play(
      {op: [{after_ms: 10, fail: 'transient'}]},
      (ins, signal) => retry(({signal: s}) => ins.operation('op', s), {baseDelayMs: 100, signal}),
      {cancelAtMs: 50},
    );
    assert.equal(run.status === 'rejected' && /** @type {Error} */ (run.reason).name, 'AbortError');
    assert.deepEqual(times(run.trace, 'call'), {op: [0]});
    assert.equal(run.elapsedMs, 50);
  });

  it('passes the attempt number and a signal even without a caller signal', async () => {
    /** @type {number[]} */
    const attempts = [];
    const value = await retry(
      ({attempt, signal}) => {
        attempts.push(attempt);
        assert.ok(signal instanceof AbortSignal);
        if (attempt < 2) throw Object.assign(new Error('reset'), {code: 'ECONNRESET'});
        return 'ok';
      },
      {baseDelayMs: 0},
    );
    assert.equal(value, 'ok');
    assert.deepEqual(attempts, [1, 2]);
  });

  it("waits a delay past setTimeout's most (2^31 - 1 ms) instead of retrying after 1 ms", async () => {
    const longest = 2 ** 31 - 1; // the longest a time option may give; jitter can make a delay half again as long
    for (const options of [{baseDelayMs: longest}, {baseDelayMs: longest, jitter: /** @type {const} */ ('proportional'), random: () => 0.99}]) {
      const run = await play(
        {op: [{after_ms: 10, fail: 'transient'}]},
        (ins, signal) => retry(({signal: s}) => ins.operation('op', s), {...options, maxDelayMs: longest, signal}),
        {cancelAtMs: 60_000},
      );
      assert.deepEqual(times(run.trace, 'call'), {op: [0]});
      assert.equal(run.elapsedMs, 60_000);
    }
  });
});
