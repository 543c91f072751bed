import assert from 'node:assert/strict';
import {getEventListeners} from 'node:events';
import {describe, it} from 'node:test';
import {SignalFanOut, deriveAbortController} from './abort.js';

describe('deriveAbortController', () => {
  it("aborts with the parent's reason, and dispose() unhooks it from the parent", () => {
    const parent = new AbortController();
    const first = deriveAbortController(parent.signal);
    const second = deriveAbortController(parent.signal);
    second.dispose();
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    parent.abort('stop');
    assert.deepEqual([first.controller.signal.reason, second.controller.signal.aborted], ['stop', false]);
  });
});

describe('SignalFanOut', () => {
  it("aborts every fork not yet released with the parent's reason, from one listener", () => {
    const parent = new AbortController();
    const signals = new SignalFanOut(parent.signal);
    const forks = Array.from({length: 20}, () => signals.fork());
    signals.release(forks[0]);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    parent.abort('stop');
    assert.deepEqual(forks.map((fork) => fork.signal.reason), [undefined, ...Array(19).fill('stop')]);
    assert.equal(signals.fork().signal.reason, 'stop'); // forked after the abort: aborted at once
  });

  it('dispose() unhooks from the parent: a later abort reaches no fork', () => {
    const parent = new AbortController();
    const signals = new SignalFanOut(parent.signal);
    const fork = signals.fork();
    signals.dispose();
    assert.deepEqual(getEventListeners(parent.signal, 'abort'), []);
    parent.abort();
    assert.equal(fork.signal.aborted, false);
  });

  it('without a parent, forks never abort on their own', () => {
    const signals = new SignalFanOut(undefined);
    assert.equal(signals.fork().signal.aborted, false);
    signals.dispose();
  });
});
