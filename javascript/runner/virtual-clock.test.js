import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import timersPromises from 'node:timers/promises';
import {EPOCH_MS, onVirtualTime, RealClock, roundMs, runnerImmediate, runnerTimeout, timerDelay, VirtualClock} from './virtual-clock.js';

const originalSetTimeout = globalThis.setTimeout;
const originalAbortSignalTimeout = AbortSignal.timeout;

describe('the virtual clock', () => {
  it('fires timers due at the same ms in the order they were scheduled (FIFO)', async () => {
    /** @type {number[]} */
    const order = [];
    await onVirtualTime(async () => {
      for (let i = 0; i < 8; i++) setTimeout(() => order.push(i), 5);
      setTimeout(() => order.push(-1), 4);
      await new Promise((resolve) => setTimeout(resolve, 6));
    });
    assert.deepEqual(order, [-1, 0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reads whole ms from 0 and rounds delays halves up; 0 (and below half a ms) is due at the same ms', async () => {
    assert.deepEqual(
      [74.6, 74.4, 74.5, 84.5, 0.5, 0.4999, 0, -5, '20', Number.NaN, 2 ** 31].map((delay) => timerDelay(delay)),
      [75, 74, 75, 85, 1, 0, 0, 0, 20, 0, 1],
    );
    // a delay computed in seconds lands a hair below the half; the rule still rounds it up
    assert.equal((0.096 + 0.0745) * 1000 - 96, 74.49999999999997);
    assert.equal(roundMs((0.096 + 0.0745) * 1000 - 96), 75);
    const run = await onVirtualTime(async ({now}) => {
      const readings = [now()];
      await new Promise((resolve) => setTimeout(resolve, 74.6));
      readings.push(now());
      await new Promise((resolve) => setTimeout(resolve, 0));
      readings.push(now());
      await new Promise((resolve) => setTimeout(resolve, 100 * (0.5 + 0.245)));
      readings.push(now());
      return readings;
    });
    assert.deepEqual(run.status === 'fulfilled' && run.value, [0, 75, 75, 150]);
  });

  it('keeps a 0 ms timer and an immediate armed inside a timer callback at the same ms, ahead of later timers', async () => {
    /** @type {string[]} */
    const order = [];
    const run = await onVirtualTime(async ({now}) => {
      setTimeout(() => {
        order.push(`first at ${now()}`);
        setTimeout(() => order.push(`its 0 ms timer at ${now()}`), 0);
        setImmediate(() => order.push(`its immediate at ${now()}`));
      }, 5);
      setTimeout(() => order.push(`1 ms later at ${now()}`), 6);
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    assert.equal(run.status, 'fulfilled');
    assert.deepEqual(order, ['first at 5', 'its immediate at 5', 'its 0 ms timer at 5', '1 ms later at 6']);
  });

  it('fires one timer at a time: what it makes ready runs before the next timer of the same ms', async () => {
    /** @type {string[]} */
    const order = [];
    await onVirtualTime(async () => {
      const settled = new Promise((resolve) => setTimeout(() => (order.push('timer 1'), resolve(undefined)), 5));
      settled.then(() => order.push('continuation of 1')).then(() => order.push('its continuation'));
      setTimeout(() => order.push('timer 2'), 5);
      await new Promise((resolve) => setTimeout(resolve, 6));
    });
    assert.deepEqual(order, ['timer 1', 'continuation of 1', 'its continuation', 'timer 2']);
  });

  it('drains deep promise chains before it moves', async () => {
    /** @param {number} n @returns {Promise<void>} */
    const deep = async (n) => {
      if (n > 0) {
        await null;
        await deep(n - 1);
      }
    };
    const run = await onVirtualTime(async ({now}) => {
      let chainDoneAt = -1;
      deep(500).then(() => (chainDoneAt = now()));
      await new Promise((resolve) => setTimeout(resolve, 10));
      return chainDoneAt;
    });
    assert.deepEqual(run.status === 'fulfilled' && run.value, 0);
  });

  it('fakes Date, performance.now and the timers of timers/promises, named imports included', async () => {
    const run = await onVirtualTime(async ({now}) => {
      const date = Date.now();
      const perf = performance.now();
      await sleep(100);
      await timersPromises.scheduler.wait(50);
      return [date, now(), Date.now() - date, Math.round(performance.now() - perf)];
    });
    assert.deepEqual(run.status === 'fulfilled' && run.value, [EPOCH_MS, 150, 150, 150]);
  });

  it('puts AbortSignal.timeout on virtual time, with a TimeoutError DOMException', async () => {
    const started = performance.now();
    const run = await onVirtualTime(async ({now}) => {
      const signal = AbortSignal.timeout(10 * 60_000);
      const reason = await new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));
      return {at: now(), reason};
    });
    assert.equal(run.status, 'fulfilled');
    const {at, reason} = run.status === 'fulfilled' ? run.value : assert.fail();
    assert.equal(at, 10 * 60_000);
    assert.ok(reason instanceof DOMException);
    assert.equal(reason.name, 'TimeoutError');
    assert.equal(reason.message, 'The operation was aborted due to timeout');
    assert.ok(performance.now() - started < 5000, 'ten virtual minutes took real minutes');
    assert.throws(() => AbortSignal.timeout(-1), {code: 'ERR_OUT_OF_RANGE'});
  });

  it('restores the real timers and AbortSignal.timeout after a run, which then run on real time', async () => {
    await onVirtualTime(async () => AbortSignal.timeout(5));
    assert.equal(globalThis.setTimeout, originalSetTimeout);
    assert.equal(AbortSignal.timeout, originalAbortSignalTimeout);
    const started = performance.now();
    const signal = AbortSignal.timeout(30);
    const keepAlive = setTimeout(() => {}, 5000); // AbortSignal.timeout's own timer is unref'd
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    clearTimeout(keepAlive);
    const took = performance.now() - started;
    assert.ok(took >= 25 && took < 2000, `a real 30 ms timeout took ${took} ms`);
  });

  it('starts every run at 0 with no timers left from the run before', async () => {
    await onVirtualTime(async () => {
      setTimeout(() => assert.fail('a timer of an earlier run fired'), 100);
    });
    const run = await onVirtualTime(async ({now}) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return now();
    });
    assert.deepEqual(run.status === 'fulfilled' && run.value, 200);
  });

  it('reports a run that cannot go on as idle, and a blocked event loop as a warning', async () => {
    const clock = new VirtualClock();
    clock.install();
    try {
      const cell = new Int32Array(new SharedArrayBuffer(4));
      setTimeout(() => Atomics.wait(cell, 0, 0, 150), 10);
      assert.equal(await clock.runUntil(() => false, 10_000), 'idle');
      assert.equal(clock.now(), 10);
      assert.match(clock.warnings().join('\n'), /event loop was blocked for \d+ ms of real time \(at t=10 ms\)/);
    } finally {
      clock.uninstall();
    }
  });

  it('refuses a second install', () => {
    const clock = new VirtualClock();
    clock.install();
    try {
      assert.throws(() => clock.install(), /already installed/);
    } finally {
      clock.uninstall();
    }
  });
});

describe('the pending work of both clocks (spec/PROTOCOL.md section 7)', () => {
  for (const Clock of [VirtualClock, RealClock]) {
    it(`${Clock.name}: counts a timer armed and neither fired nor cleared, an interval, an immediate; not the runner's own`, async () => {
      const clock = new Clock();
      clock.install();
      try {
        runnerTimeout(() => {}, 3_600_000);
        runnerImmediate(() => {});
        assert.equal(clock.pendingWork(), false, "the runner's own");
        const timeout = setTimeout(() => {}, 3_600_000);
        assert.equal(clock.pendingWork(), true, 'a timeout armed');
        clearTimeout(timeout);
        const interval = setInterval(() => {}, 1);
        assert.equal(clock.pendingWork(), true, 'an interval armed');
        clearInterval(interval);
        const immediate = setImmediate(() => {});
        assert.equal(clock.pendingWork(), true, 'an immediate armed');
        clearImmediate(immediate);
        assert.equal(clock.pendingWork(), false, 'all cleared');
        let fired = false;
        setTimeout(() => (fired = true), 1);
        await clock.runUntil(() => fired, 1000);
        assert.equal(clock.pendingWork(), false, 'fired');
      } finally {
        clock.uninstall();
      }
    });
  }
});
