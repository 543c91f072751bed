"""asyncpatterns: the Python (asyncio) reference implementations of the asyncconf spec.

One module per pattern, named after its spec id; the mistakes each pattern exists to prevent live
apart, in ``asyncpatterns.antipatterns``; the protocol runner in ``asyncpatterns.runner``.
"""

from .async_lock import GuardedCounter as GuardedCounter
from .async_stream import consume_stream as consume_stream
from .backpressure import run_pipeline as run_pipeline
from .bounded_concurrency import map_bounded as map_bounded
from .cancellation_cleanup import run_with_resource as run_with_resource
from .circuit_breaker import CircuitBreaker as CircuitBreaker
from .circuit_breaker import CircuitBreakerError as CircuitBreakerError
from .connection_pool import ConnectionPool as ConnectionPool
from .connection_pool import PooledConnection as PooledConnection
from .graceful_shutdown import JobService as JobService
from .graceful_shutdown import ServiceStopped as ServiceStopped
from .graceful_shutdown import ShutdownReport as ShutdownReport
from .offload_blocking import offload_all as offload_all
from .parallel_partial_failures import PartialResults as PartialResults
from .parallel_partial_failures import run_all as run_all
from .racing import race as race
from .retry_backoff import backoff_delay as backoff_delay
from .retry_backoff import retry as retry
from .task_group import run_group as run_group
from .timeout import run_with_timeout as run_with_timeout
from .unobserved_failures import BackgroundTasks as BackgroundTasks
from .unobserved_failures import run_in_background as run_in_background

__all__ = [
    "BackgroundTasks",
    "CircuitBreaker",
    "CircuitBreakerError",
    "ConnectionPool",
    "GuardedCounter",
    "JobService",
    "PartialResults",
    "PooledConnection",
    "ServiceStopped",
    "ShutdownReport",
    "backoff_delay",
    "consume_stream",
    "map_bounded",
    "offload_all",
    "race",
    "retry",
    "run_all",
    "run_group",
    "run_in_background",
    "run_pipeline",
    "run_with_resource",
    "run_with_timeout",
]
