import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {BrokenCircuitError as CockatielBrokenCircuitError} from 'cockatiel';
import {BrokenCircuitError} from '../src/circuit-breaker.js';
import {describeError, KINDS, kindOf, makeError} from './errors.js';

const noOrigin = () => undefined;

describe('the error kind table', () => {
  it('raises the native error of each kind, and recognises it back', () => {
    const made = Object.fromEntries(KINDS.map((kind) => [kind, makeError(kind, `${kind} failure of op#1`)]));
    assert.equal(/** @type {any} */ (made.transient).code, 'ECONNRESET');
    assert.ok(made.transient instanceof Error);
    assert.equal(/** @type {any} */ (made.fatal).code, 'EACCES');
    assert.ok(made.fatal instanceof Error && !(made.fatal instanceof TypeError));
    assert.ok(made.timeout instanceof DOMException && made.timeout.name === 'TimeoutError');
    assert.ok(made.cancelled instanceof DOMException && made.cancelled.name === 'AbortError');
    for (const kind of KINDS) assert.equal(kindOf(made[kind]), kind);
    assert.throws(() => makeError(/** @type {any} */ ('nope'), 'x'), RangeError);
  });

  it('recognises the errors of the platform by name and code', () => {
    assert.equal(kindOf(AbortSignal.abort().reason), 'cancelled');
    assert.equal(kindOf(Object.assign(new Error('refused'), {code: 'ECONNREFUSED'})), 'transient');
    assert.equal(kindOf(new AggregateError([])), 'group');
    assert.equal(kindOf(new RangeError('r')), 'other');
    assert.equal(kindOf('a string'), 'other');
    assert.equal(kindOf(Object.assign(new Error('denied'), {code: 'EPERM'})), 'fatal');
  });

  it("recognises a circuit breaker's refusal, ours by name and cockatiel's by its marker (circuit-open)", () => {
    assert.equal(kindOf(new BrokenCircuitError()), 'circuit-open');
    const theirs = new CockatielBrokenCircuitError();
    assert.equal(theirs.name, 'Error'); // cockatiel 3 names it nothing of its own
    assert.equal(kindOf(theirs), 'circuit-open');
    assert.equal(kindOf(Object.assign(new Error('no'), {isBrokenCircuitError: 'yes'})), 'other');
  });

  it('tells a refused argument (invalid) from a fatal failure and from a programming error', () => {
    // PROTOCOL.md section 6: `invalid` is what a pattern throws for an argument out of range, with
    // the code Node's own validators give; a bare TypeError stays `other` (a crash, say).
    const refused = Object.assign(new TypeError('Expected `limit` to be an integer from 1'), {code: 'ERR_INVALID_ARG_VALUE'});
    assert.equal(kindOf(refused), 'invalid');
    assert.throws(() => AbortSignal.timeout(-1), (/** @type {unknown} */ error) => kindOf(error) === 'invalid');
    assert.equal(kindOf(new TypeError('x is not a function')), 'other');
  });

  it("describes an error as an outcome: `from` only for the very object an operation raised", () => {
    const raised = makeError('fatal', 'fatal failure of b#1');
    /** @param {unknown} e */
    const origin = (e) => (e === raised ? 'b#1' : undefined);
    assert.deepEqual(describeError(raised, origin), {fail: 'fatal', from: 'b#1'});
    assert.deepEqual(describeError(Object.assign(new Error(raised.message), {code: 'EACCES'}), origin), {fail: 'fatal'});
    assert.deepEqual(describeError(new AggregateError([raised, AbortSignal.abort().reason]), origin), {
      fail: 'group',
      errors: [{fail: 'fatal', from: 'b#1'}, {fail: 'cancelled'}],
    });
    assert.deepEqual(describeError(new Error('gave up', {cause: raised}), origin), {fail: 'other', type: 'Error', message: 'gave up'});
    assert.deepEqual(describeError(42, noOrigin), {fail: 'other', type: 'number', message: '42'});
  });
});
