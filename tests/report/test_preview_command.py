"""`python -m analysis preview` builds the report, serves it on 127.0.0.1 and stops on Ctrl-C.

A bounded run: the command is started for real, the served targeting page is
fetched over HTTP, then SIGINT (what Ctrl-C sends) ends it with exit status 0.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from analysis.config import ROOT

STARTUP_LIMIT_S = 900  # a cold build on a loaded machine; a warm cache makes it seconds


def test_preview_serves_the_built_site_on_loopback_and_stops_on_ctrl_c(tmp_path):
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "analysis", "preview", "--out", str(out), "--port", "0"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, url = [], None
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break  # exited early
            lines.append(line)
            found = re.search(r"Preview at (http://[\d.]+:\d+/)", line)
            url = found.group(1) if found else None
        assert url, "no preview URL printed:\n" + "".join(lines[-40:])
        assert url.startswith("http://127.0.0.1:"), url  # loopback only
        with urllib.request.urlopen(url + "chapters/targeting.html", timeout=30) as response:
            page = response.read().decode("utf-8")
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
        assert "campaign-winback" in page and (out / "executive.pdf").is_file()
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(lines) + rest
    assert "preview stopped" in rest
