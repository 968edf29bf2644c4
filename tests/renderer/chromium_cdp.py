"""Drive Debian's headless Chromium over the DevTools protocol (CDP), with no extra driver.

Only what the browser tests need: open a page at a given viewport size, record
console errors, uncaught exceptions and every network request, evaluate
JavaScript, and save a full-page screenshot. Every browser test (any folder: the
folder is on ``pythonpath`` in pytest.ini) gets its browser from the ``browser``
fixture in ``tests/conftest.py`` and is marked :data:`needs_chromium`.
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from websockets.asyncio.client import connect

# Flags for running as root in CI: no sandbox, no background traffic, a throwaway profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio",
                  "--remote-debugging-port=0"]


LOCAL_HOSTS = ("127.0.0.1", "localhost")


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Skipped on a workstation without Chromium, never under CI (CI=true), where it must fail instead.
needs_chromium = pytest.mark.skipif(chromium_path() is None and os.environ.get("CI") != "true",
                                    reason="chromium is not installed (make system-deps)")


@dataclass
class PageVisit:
    """What happened while one page loaded."""

    url: str
    console_errors: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    checks: dict = field(default_factory=dict)


class Chromium:
    """A headless Chromium process; use as a context manager."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.process = None

    def __enter__(self):
        binary = chromium_path()
        if binary is None:
            raise RuntimeError("chromium is not installed: apt-get install -y chromium")
        self.process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                                         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or len(port_file.read_text().split()) < 2:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port within 30 s")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        self.ws_url = f"ws://127.0.0.1:{port}{path}"
        return self

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def visit(self, url: str, width: int, height: int, screenshot: Path | None, checks: dict) -> PageVisit:
        """Load ``url`` and return what happened; ``checks`` maps names to JS expressions to evaluate."""
        return asyncio.run(self._visit(url, width, height, screenshot, checks))

    async def _visit(self, url, width, height, screenshot, checks) -> PageVisit:
        visit = PageVisit(url=url)
        ids = itertools.count(1)
        async with connect(self.ws_url, max_size=None) as ws:
            pending: dict[int, asyncio.Future] = {}
            loaded = asyncio.Event()

            async def reader():
                async for raw in ws:
                    message = json.loads(raw)
                    if "id" in message and message["id"] in pending:
                        pending.pop(message["id"]).set_result(message)
                        continue
                    method, params = message.get("method"), message.get("params", {})
                    if method == "Page.loadEventFired":
                        loaded.set()
                    elif method == "Network.requestWillBeSent":
                        visit.requests.append(params["request"]["url"])
                    elif method == "Network.loadingFailed":
                        visit.failed_requests.append(params.get("errorText"))
                    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                        visit.console_errors.append(" ".join(str(a.get("value", a.get("description")))
                                                             for a in params.get("args", [])))
                    elif method == "Runtime.exceptionThrown":
                        visit.console_errors.append(params["exceptionDetails"].get("text", "exception"))
                    elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                        visit.console_errors.append(params["entry"].get("text", ""))

            async def call(method, params=None, session=None):
                message_id = next(ids)
                future = asyncio.get_running_loop().create_future()
                pending[message_id] = future
                message = {"id": message_id, "method": method, "params": params or {}}
                if session:
                    message["sessionId"] = session
                await ws.send(json.dumps(message))
                reply = await asyncio.wait_for(future, timeout=60)
                if "error" in reply:
                    raise RuntimeError(f"CDP {method} failed: {reply['error']}")
                return reply["result"]

            task = asyncio.create_task(reader())
            try:
                target = (await call("Target.createTarget", {"url": "about:blank"}))["targetId"]
                session = (await call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
                for domain in ("Page", "Runtime", "Log", "Network"):
                    await call(f"{domain}.enable", session=session)
                await call("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
                           session=session)
                await call("Page.navigate", {"url": url}, session=session)
                await asyncio.wait_for(loaded.wait(), timeout=60)
                await asyncio.sleep(0.5)  # let late requests (fonts, scripts) show themselves
                for name, expression in checks.items():
                    # awaitPromise: a check may be an async function that waits for the page (bounded loop).
                    result = await call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                             "awaitPromise": True}, session=session)
                    visit.checks[name] = result["result"].get("value")
                if screenshot is not None:
                    shot = await call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                                      session=session)
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    screenshot.write_bytes(base64.b64decode(shot["data"]))
                await call("Target.closeTarget", {"targetId": target})
            finally:
                task.cancel()
        return visit


def off_host(visit: PageVisit) -> list:
    """Requests of ``visit`` that left the local server (``data:`` and ``blob:`` URLs fetch nothing)."""
    return [u for u in visit.requests
            if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname not in LOCAL_HOSTS]


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """:func:`serve` for a ``with`` block: yields the base URL, and stops the server after."""
    server, base = serve(folder)
    try:
        yield base
    finally:
        server.shutdown()


def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 at a free port in a background thread; returns (server, base url)."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=os.fspath(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
