"""Headless Chromium driven over the DevTools protocol on a pipe: no driver, no port, no extra package.

Chromium's ``--remote-debugging-pipe`` reads JSON commands from file descriptor 3 and writes
replies and events to descriptor 4, each message ended by a NUL byte. That is all the report's
browser test needs: load a page, collect what its console says, read its DOM, take a screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
INSTALL = "apt-get update && apt-get install -y chromium"


def find_chromium() -> str | None:
    """The browser to use: ``ASYNCCONF_CHROMIUM`` when set, else the first of CANDIDATES on PATH."""
    given = os.environ.get("ASYNCCONF_CHROMIUM")
    if given:
        return shutil.which(given) or (given if Path(given).is_file() else None)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


class BrowserError(Exception):
    pass


class Browser:
    """One headless Chromium with one page; ``with Browser() as browser: browser.load(url)``."""

    def __init__(self, executable: str | None = None, *, width: int = 1440, height: int = 900) -> None:
        found = executable or find_chromium()
        if not found:
            raise BrowserError(f"no Chromium found (install it: {INSTALL})")
        self.executable = found
        self.width, self.height = width, height
        self._profile = tempfile.TemporaryDirectory(prefix="asyncconf-chromium-")
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self._process: subprocess.Popen[bytes] | None = None

    # -- the pipe ------------------------------------------------------------------------------------------
    def __enter__(self) -> Browser:
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()

        def as_fds_3_and_4() -> None:  # in the child: dup first, as a pipe may already be 3 or 4
            reads, writes = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self._process = subprocess.Popen(
            [
                self.executable,
                "--headless",
                "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--hide-scrollbars",
                "--allow-file-access-from-files",
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=as_fds_3_and_4,  # noqa: PLW1509 -- only dup2 runs there
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._write = to_browser_write
        self._read = from_browser_read
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable", session=True)
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
                session=True,
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        if self._process is not None:
            with contextlib.suppress(BrowserError, OSError):  # it may be gone already
                self.call("Browser.close", timeout_s=3)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            os.close(self._write)
            os.close(self._read)
        self._profile.cleanup()

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise BrowserError("Chromium closed its pipe (it exited)")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False, timeout_s: float = 20
    ) -> dict[str, Any]:
        """Send one command and wait for its reply; events that arrive meanwhile go to ``events``."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return dict(reply.get("result", {}))
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout_s: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        seen = len(self.events)
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            reply = self._receive(deadline)
            if "method" in reply:
                self.events.append(reply)

    # -- pages ---------------------------------------------------------------------------------------------
    def load(self, url: str, timeout_s: float = 20) -> list[str]:
        """Open ``url``, wait for its load event; every console error, uncaught exception and failed
        load the page caused, as lines (``[]`` for a clean page)."""
        self.events.clear()
        result = self.call("Page.navigate", {"url": url}, session=True, timeout_s=timeout_s)
        if result.get("errorText"):
            return [f"navigation failed: {result['errorText']}"]
        if result.get("loaderId"):  # a new document (a move within the page has none and fires no load)
            self.wait_for("Page.loadEventFired", timeout_s)
        self.evaluate("1")  # a round trip: events the load caused have arrived
        return self.problems()

    def problems(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
                found.append(f"console.{params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append(f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page (an exception in it is a BrowserError)."""
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression[:60]}: {details.get('exception', {}).get('description') or details}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path, *, height: int | None = None) -> Path:
        """A PNG of the top of the page: the viewport, or ``height`` pixels of it (beyond the viewport)."""
        params: dict[str, Any] = {"format": "png"}
        if height:
            params |= {
                "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
                "captureBeyondViewport": True,
            }
        data = self.call("Page.captureScreenshot", params, session=True, timeout_s=60)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
