"""The HTML report of a run (``asyncconf report RUN.json --html DIR``) and the README's generated tables."""

from __future__ import annotations

from .site import write_site

__all__ = ["write_site"]
