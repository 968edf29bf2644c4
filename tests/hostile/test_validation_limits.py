"""Findings 6, 8 and 9 on input: extreme values, repeated columns, wide encodings, unreadable files.

Each case runs the real ``validate``/``fit`` command and expects exit 2, one message naming
the file, the column, the value and the row, and no traceback.
"""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest

from analysis.data.simulate import simulate_customers

from hostile_cli import REPO, assert_clean_refusal, run_cli


@pytest.fixture(scope="module")
def frame():
    return simulate_customers(300, seed=3)


@pytest.mark.parametrize("column, value, shown", [
    ("CustomerValue", 1e308, "1e+308"),
    ("CustomerValue", -2e12, "-2e+12"),
    ("MonetaryValue", 1e308, "1e+308"),
    ("Frequency", 2e6, "2e+06"),
    ("Recency", 40_000, "40000"),
])
def test_a_value_beyond_its_bound_is_refused_naming_column_value_and_row(tmp_path, frame, column, value, shown):
    bad = frame.copy()
    bad[column] = bad[column].astype(float)
    bad.loc[9, column] = value
    path = tmp_path / "extreme.csv"
    bad.to_csv(path, index=False)
    for command in (("validate", str(path)), ("fit", str(path), "--json", str(tmp_path / "m.json"))):
        completed = run_cli(*command)
        assert_clean_refusal(completed, "extreme.csv", f"column '{column}'", shown, "row 11", "bound")
        assert "collinear" not in completed.stderr
    assert not (tmp_path / "m.json").exists()


def test_customer_value_at_the_bound_gives_strict_json_without_nan(tmp_path, frame):
    near = frame.copy()
    near["CustomerValue"] = near["CustomerValue"].astype(float)
    near.loc[0, "CustomerValue"] = 1e12
    near.loc[1, "CustomerValue"] = -1e12
    path = tmp_path / "near.csv"
    near.to_csv(path, index=False)
    completed = run_cli("fit", str(path), "--json", str(tmp_path / "m.json"))
    assert completed.returncode == 0, completed.stderr[-2000:]
    text = (tmp_path / "m.json").read_text()
    for constant in ("NaN", "Infinity"):
        assert constant not in text

    def refuse(name):
        raise ValueError(name)

    contract = json.loads(text, parse_constant=refuse)  # strict: NaN/Infinity would raise
    assert math.isfinite(contract["r_squared"]) and 0 <= contract["r_squared"] <= 1


def test_strict_json_writer_refuses_non_finite_numbers():
    from analysis.errors import AnalysisError
    from analysis.io.export import strict_json

    assert strict_json({"x": 1.5}) == '{"x": 1.5}'
    with pytest.raises(AnalysisError, match="non-strict JSON"):
        strict_json({"r_squared": float("nan")})


@pytest.mark.parametrize("header_change", ["spaced", "cased", "exact"])
def test_repeated_column_names_are_refused(tmp_path, frame, header_change):
    text = frame.to_csv(index=False)
    header, body = text.split("\n", 1)
    extra = {"spaced": " Recency", "cased": "RECENCY", "exact": "Recency"}[header_change]
    lines = [header + "," + extra] + [line + ",1" for line in body.splitlines() if line]
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(lines) + "\n")
    completed = run_cli("validate", str(path))
    assert_clean_refusal(completed, "twice.csv", "duplicate column names", repr(extra))
    assert "AttributeError" not in completed.stderr


@pytest.mark.parametrize("encoding, name", [
    ("utf-16", "UTF-16 (little-endian)"), ("utf-16-be", "UTF-16 (big-endian)"),
    ("utf-16-le", "UTF-16 (little-endian)"), ("utf-32", "UTF-32 (little-endian)"),
    ("utf-32-be", "UTF-32 (big-endian)"),
])
def test_wide_encodings_are_named(tmp_path, frame, encoding, name):
    path = tmp_path / "unicode.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    completed = run_cli("validate", str(path))
    assert_clean_refusal(completed, "unicode.csv", name, "UTF-8")
    assert "binary" not in completed.stderr


def test_an_unreadable_file_is_a_message(frame):
    import tempfile

    # Outside pytest's private (mode 700) temp root, so an unprivileged user reaches the folder.
    folder = Path(tempfile.mkdtemp(prefix="hostile-unreadable-"))
    folder.chmod(0o755)
    path = folder / "locked.csv"
    frame.to_csv(path, index=False)
    path.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads anything: drop to an unprivileged user, as a real user is
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to test an unreadable file as root"
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    import subprocess
    import sys



    completed = subprocess.run([*prefix, sys.executable, "-m", "analysis", "validate", str(path)], cwd=REPO,
                               capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    shutil.rmtree(folder)
    assert_clean_refusal(completed, "locked.csv", "cannot be read", "Permission denied")
