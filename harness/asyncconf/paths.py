"""Where the project's parts live: the harness is installed editable from a checkout."""

from __future__ import annotations

from pathlib import Path

#: The checkout's root: harness/asyncconf/paths.py -> ../../
ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "spec"
PATTERNS_DIR = SPEC_DIR / "patterns"
SCHEMA_FILE = SPEC_DIR / "schema.json"
PYTHON_DIR = ROOT / "python"
JAVASCRIPT_DIR = ROOT / "javascript"
CSHARP_DIR = ROOT / "csharp"
#: What this checkout has found out on this machine (gitignored): the spec files found valid.
STATE_DIR = ROOT / ".asyncconf"
