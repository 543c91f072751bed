"""The Python runner of the asyncconf protocol (spec/PROTOCOL.md).

``handle(request) -> answer`` runs one request in-process; ``python -m asyncpatterns.runner``
serves the same requests as JSON Lines on stdin/stdout.
"""

from .protocol import PROTOCOL_VERSION as PROTOCOL_VERSION
from .protocol import handle as handle
from .protocol import implementations as implementations

__all__ = ["PROTOCOL_VERSION", "handle", "implementations"]
