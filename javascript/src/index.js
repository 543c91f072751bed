/** asyncconf's JavaScript references: one module per pattern, named by its spec id. */
export {RETRY_DEFAULTS, backoffDelay, isRetryable, retry} from './retry-backoff.js';
export {withTimeout} from './timeout.js';
export {useResource} from './cancellation-cleanup.js';
export {runAll} from './parallel-partial-failures.js';
export {mapBounded} from './bounded-concurrency.js';
export {runGroup} from './task-group.js';
export {race} from './racing.js';
export {BrokenCircuitError, CircuitBreakerPolicy} from './circuit-breaker.js';
export {consumeStream} from './async-stream.js';
export {BackgroundTasks, runInBackground} from './unobserved-failures.js';
export {GuardedCounter, Mutex} from './async-lock.js';
export {ConnectionPool} from './connection-pool.js';
export {runPipeline} from './backpressure.js';
export {JobService, ServiceStoppedError, createJobService} from './graceful-shutdown.js';
export {offloadAll} from './offload-blocking.js';
