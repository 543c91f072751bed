import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Instruments} from './instruments.js';

describe('the injected random source (spec/PROTOCOL.md section 3)', () => {
  it('hands out the values in order, then the last one again, and counts every draw', () => {
    const ins = new Instruments({}, {now: () => 0, params: {}, random: [0.25, 0.75], maxCalls: 10});
    assert.deepEqual([ins.draw(), ins.draw(), ins.draw()], [0.25, 0.75, 0.75]);
    assert.equal(ins.draws, 3);
  });

  it('gives the neutral 0.5 when the scenario supplies no values: never an error in the outcome', () => {
    const ins = new Instruments({}, {now: () => 0, params: {}, random: [], maxCalls: 10});
    assert.deepEqual([ins.draw(), ins.draw()], [0.5, 0.5]);
    assert.equal(ins.draws, 2);
  });
});
