"""A password or token in a table URL never reaches the terminal when a command fails."""
from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from analysis.data.public_url import scrub_urls

SECRET = "s3cretXYZ"


def test_scrub_urls_removes_user_info_and_secret_parameters_from_any_text():
    text = (f"connection to postgres://analyst:{SECRET}@db.example.com/shop#customers failed; "
            f"retry duckdb:///tmp/x.db?api_token={SECRET}#t")
    scrubbed = scrub_urls(text)
    assert SECRET not in scrubbed
    assert "analyst" not in scrubbed
    assert "postgres://db.example.com/shop#customers" in scrubbed
    assert "api_token=REDACTED#t" in scrubbed
    assert scrub_urls("duckdb:///a.db#t: cannot open") == "duckdb:///a.db#t: cannot open"  # the colon stays


@pytest.mark.parametrize("fragment", ["no_such_table", "customers"])
def test_fit_on_a_url_with_a_secret_fails_without_printing_it(tmp_path, fragment):
    database = tmp_path / "shop.duckdb"
    with duckdb.connect(str(database)) as con:  # a table that exists but is not a customer table
        con.execute("CREATE TABLE customers AS SELECT 1 AS x")
    url = f"duckdb:///{database}?access_token={SECRET}#{fragment}"
    done = subprocess.run([sys.executable, "-m", "analysis", "fit", url, "--json", str(tmp_path / "m.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert SECRET not in done.stderr + done.stdout
    assert not (tmp_path / "m.json").exists()
