import assert from 'node:assert/strict';
import {it} from 'node:test';
import * as publicApi from './index.js';
import {deriveAbortController} from './common/abort.js';

it('exports exactly the public names', () => {
  assert.deepEqual(Object.keys(publicApi).sort(), [
    'BackgroundTasks',
    'BrokenCircuitError',
    'CircuitBreakerPolicy',
    'ConnectionPool',
    'GuardedCounter',
    'JobService',
    'Mutex',
    'RETRY_DEFAULTS',
    'ServiceStoppedError',
    'backoffDelay',
    'consumeStream',
    'createJobService',
    'isRetryable',
    'mapBounded',
    'offloadAll',
    'race',
    'retry',
    'runAll',
    'runGroup',
    'runInBackground',
    'runPipeline',
    'useResource',
    'withTimeout',
  ]);
});

it("derives a controller that aborts with its parent's reason, and can be unhooked", () => {
  const parent = new AbortController();
  const {controller, dispose} = deriveAbortController(parent.signal);
  parent.abort('because');
  assert.equal(controller.signal.reason, 'because');

  const other = new AbortController();
  const second = deriveAbortController(other.signal);
  second.dispose();
  other.abort();
  assert.equal(second.controller.signal.aborted, false);
  dispose();

  assert.equal(deriveAbortController(AbortSignal.abort('early')).controller.signal.reason, 'early');
});
