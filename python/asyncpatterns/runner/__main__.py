"""``python -m asyncpatterns.runner``: the Python runner as a JSON Lines subprocess.

One request per line on stdin, one answer per line on stdout, until stdin closes. A line that is
not JSON gets an ``error`` answer (with a null id); the process keeps serving.
"""

from __future__ import annotations

import json
import sys

from .protocol import handle


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            answer = {"id": None, "error": {"kind": "bad-request", "message": f"not JSON: {error}"}}
        else:
            answer = handle(request)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: leave quietly
        sys.exit(130)
