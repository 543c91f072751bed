"""C#: find the .NET SDK, build ``csharp/`` when stale, and run its runner two ways."""

from __future__ import annotations

import shutil

from ..paths import CSHARP_DIR
from .base import PrepareFailed, Transport, Unavailable

INSTALL_HINT = "install the .NET SDK 8 or newer (https://dot.net)"


def dotnet_transports() -> list[Transport]:
    if shutil.which("dotnet") is None:
        raise Unavailable(f"no `dotnet` on PATH; {INSTALL_HINT}")
    raise PrepareFailed(f"the C# side ({CSHARP_DIR}) is not built into the harness yet")
