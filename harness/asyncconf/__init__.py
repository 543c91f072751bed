"""asyncconf: the harness of the cross-language conformance suite for async patterns.

It loads the YAML spec (``spec``), drives each language's runner (``transports``), checks every
answer against the scenario's expectations (``checker``), compares languages
(``equivalence``), and reports (``report``, ``cli``, ``pytest_plugin``).
"""

__version__ = "0.1.0"
