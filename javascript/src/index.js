/** asyncconf's JavaScript references: one module per pattern, named by its spec id. */
export {RETRY_DEFAULTS, backoffDelay, isRetryable, retry} from './retry-backoff.js';
export {withTimeout} from './timeout.js';
export {useResource} from './cancellation-cleanup.js';
export {runAll} from './parallel-partial-failures.js';
export {mapBounded} from './bounded-concurrency.js';
export {runGroup} from './task-group.js';
export {offloadAll} from './offload-blocking.js';
