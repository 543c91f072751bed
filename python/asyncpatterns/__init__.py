"""asyncpatterns: the Python (asyncio) reference implementations of the asyncconf spec.

One module per pattern, named after its spec id; the mistakes each pattern exists to prevent live
apart, in ``asyncpatterns.antipatterns``; the protocol runner in ``asyncpatterns.runner``.
"""

from .bounded_concurrency import map_bounded as map_bounded
from .cancellation_cleanup import run_with_resource as run_with_resource
from .offload_blocking import offload_all as offload_all
from .parallel_partial_failures import PartialResults as PartialResults
from .parallel_partial_failures import run_all as run_all
from .retry_backoff import backoff_delay as backoff_delay
from .retry_backoff import retry as retry
from .task_group import run_group as run_group
from .timeout import run_with_timeout as run_with_timeout

__all__ = [
    "PartialResults",
    "backoff_delay",
    "map_bounded",
    "offload_all",
    "retry",
    "run_all",
    "run_group",
    "run_with_resource",
    "run_with_timeout",
]
