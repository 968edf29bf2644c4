"""Fixtures for the order-log tests; the log itself and its answers are in rfm_fixtures.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from rfm_fixtures import write_log


@pytest.fixture
def order_log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "orders.csv")


@pytest.fixture(scope="session")
def java_home() -> str:
    """JAVA_HOME for PySpark; skips when no Java 17 is installed."""
    candidates = [os.environ.get("JAVA_HOME", ""), "/usr/lib/jvm/java-17-openjdk-amd64",
                  "/usr/lib/jvm/java-1.17.0-openjdk-amd64"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "java").exists():
            return candidate
    message = "PySpark needs Java 17 (apt-get install openjdk-17-jre-headless)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI installs it through `make test`, so its absence is a failure")
    pytest.skip(message)
