"""The whole site built from a DuckDB table through the in-engine fit (issue 14, item 3).

The default customer table is loaded into a DuckDB file; ``python -m analysis render
--data 'duckdb:///...#customers'`` must give the same coefficient table and key
numbers as the in-memory site built from the CSV (the session's ``report_site``), to
display precision; the client must fetch no customer rows beyond the bounded sample
and the top-N exports; and a credential in the URL must appear in no output.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.config import DEFAULT_DATA
from analysis.model.engine.bins import HISTOGRAM_BINS

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Pa55word"
SAMPLE = 1000          # the build's evidence sample: smaller than the 7,005-customer table


class _Text:
    """Visible text of a page (scripts and styles dropped), whitespace collapsed."""

    @staticmethod
    def of(path: Path) -> str:
        html = path.read_text(encoding="utf-8")
        html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&nbsp;", " ")


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv_auto('{DEFAULT_DATA}')")
    con.close()
    return path


def _url(database: Path, secret: bool = True) -> str:
    # DuckDB takes extra query parameters as connection options; a password there is what
    # a warehouse URL (postgres://user:pw@host/db) carries in its user info.
    return f"duckdb:///{database}" + (f"?password={SECRET}" if secret else "") + "#customers"


def _render(url: str, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "REPORT_WAREHOUSE_SAMPLE": str(SAMPLE)}
    completed = subprocess.run([sys.executable, "-m", "analysis", "render", "--data", url,
                                "--out", str(out), "--engine", "builtin"], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=1800)
    assert completed.returncode == 0, f"warehouse build failed:\n{completed.stderr[-5000:]}"
    return completed


@pytest.fixture(scope="module")
def warehouse_build(database, tmp_path_factory):
    out = tmp_path_factory.mktemp("warehouse-site") / "site"
    return out, _render(_url(database), out)


def _table_cells(page: Path, table_id: str) -> list[str]:
    html = page.read_text(encoding="utf-8")
    match = re.search(rf'id="{table_id}".*?</table>', html, flags=re.S)
    assert match, f"{page.name}: no table {table_id}"
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(0), flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


@pytest.mark.parametrize("page, table_id", [
    ("chapters/model.html", "table-coefficients"),
    ("chapters/diagnostics.html", "table-model-fit"),
    ("chapters/data.html", "table-segment-profile"),
    ("chapters/segments.html", "table-misaligned-counts"),
    ("chapters/segments.html", "table-misaligned-customers"),
    ("chapters/diagnostics.html", "table-diagnostic-checks"),
])
def test_tables_equal_the_in_memory_site_to_display_precision(warehouse_build, report_site, page, table_id):
    site, _ = warehouse_build
    assert _table_cells(site / page, table_id) == _table_cells(report_site / page, table_id)


def test_key_numbers_on_the_summary_page_equal_the_in_memory_site(warehouse_build, report_site):
    """The key figures the full-table fit gives (the evidence tiles are the sample's, and say so)."""
    site, _ = warehouse_build
    ours, theirs = _Text.of(site / "index.html"), _Text.of(report_site / "index.html")
    for label in ("Variance in customer value explained (R²):", "Typical error for one customer (median absolute error):",
                  "One more order, other signals held constant:", "At Risk customers who model as high value:"):
        shown = re.search(re.escape(label) + r" (\S+(?: \(\S+\))?)", theirs)
        assert shown, label
        assert f"{label} {shown.group(1)}" in ours, label
    assert "random sample of" in ours and "random sample of" not in theirs
    # The segment contrast tile is the full-table coefficient, as in memory (not the sample's fit).
    label = "High Value contrast beyond RFM (linear model):"
    contrast = re.search(re.escape(label) + r" (\S+) against", theirs)
    assert contrast, label
    assert f"{label} {contrast.group(1)} against" in ours
    assert "mean residual in the sample" in ours and "mean residual in the sample" not in theirs


def test_campaign_list_sizes_are_the_whole_tables(warehouse_build, report_site):
    site, _ = warehouse_build
    sizes = re.compile(r"(Win-back|Retention|Premium upsell) \(([\d,]+) customers; modelled value")
    ours = dict(sizes.findall(_Text.of(site / "chapters/targeting.html")))
    linear = __import__("analysis.model.targeting", fromlist=["build_targeting"]).build_targeting(
        __import__("analysis.model", fromlist=["load_results"]).load_results())
    assert ours and {name: int(size.replace(",", "")) for name, size in ours.items()} == \
        {t.name: t.size for t in linear.lists}


def test_the_pages_say_which_sections_use_the_sample(warehouse_build):
    site, _ = warehouse_build
    for page in ("chapters/model.html", "chapters/prediction.html", "chapters/diagnostics.html"):
        text = _Text.of(site / page)
        assert f"random sample of {SAMPLE:,} customers" in text, page
        assert "7,005 customers" in text, page


def test_provenance_names_the_url_without_the_password(warehouse_build, database):
    site, completed = warehouse_build
    public = f"duckdb:///{database}?password=REDACTED#customers"
    assert public in _Text.of(site / "chapters/methods.html") or public in _Text.of(site / "chapters/data.html")
    leaked = [str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []
    assert SECRET not in completed.stdout + completed.stderr
    pdf_text = subprocess.run(["pdftotext", str(site / "executive.pdf"), "-"], capture_output=True, text=True).stdout
    assert SECRET not in pdf_text and "customers" in pdf_text


def test_scores_download_is_the_top_n_export(warehouse_build):
    site, _ = warehouse_build
    scores = pd.read_csv(site / "downloads" / "customer_scores.csv")
    assert scores["misaligned"].all() and len(scores) == 152  # every misaligned customer: fewer than the cap
    assert scores["rfm_prediction"].is_monotonic_decreasing


def test_a_missing_table_stops_the_build_naming_it_without_the_password(database, tmp_path):
    url = _url(database).replace("#customers", "#no_such_table")
    completed = subprocess.run([sys.executable, "-m", "analysis", "render", "--data", url,
                                "--out", str(tmp_path / "site"), "--engine", "builtin"], cwd=REPO,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode != 0
    assert "no_such_table" in completed.stderr and SECRET not in completed.stdout + completed.stderr
    assert not (tmp_path / "site").exists()


def test_the_client_fetches_no_customer_rows_beyond_the_sample(database, monkeypatch):
    """Every query result is counted through a wrapper around the DuckDB backend's execute."""
    from ibis.backends.duckdb import Backend

    from analysis.model.engine.warehouse import load_warehouse_results

    fetched: list[tuple[int, bool]] = []
    original = Backend.execute

    def counting(self, expr, *args, **kwargs):
        result = original(self, expr, *args, **kwargs)
        if isinstance(result, pd.DataFrame):
            fetched.append((len(result), "CustomerID" in result.columns))
        return result

    monkeypatch.setattr(Backend, "execute", counting)
    build = load_warehouse_results(_url(database, secret=False), size=500, list_export=50, scores_export=50)
    rows = [n for n, has_ids in fetched if has_ids]
    aggregates = [n for n, has_ids in fetched if not has_ids]
    assert max(rows) == 500 and rows.count(500) == 1          # the sample, once
    assert sorted(rows)[-2] <= 100                           # then only top-N exports and labels
    assert max(aggregates) <= HISTOGRAM_BINS
    assert build.results.population == 7005 and build.results.sample_size == 500
    assert [t.size for t in build.targeting.lists] and all(len(t.members) <= 50 for t in build.targeting.lists)


def test_a_changed_row_rebuilds_every_page_from_the_new_table(warehouse_build, database, tmp_path):
    """Last in this module: it changes the shared table. The build passes its kernels the
    content key; one changed value must give a new key, so no page (nor model.json) is
    served from the first build's caches."""
    site, first = warehouse_build
    before = (site / "downloads" / "model.json").read_text()
    with duckdb.connect(str(database)) as con:
        con.execute("UPDATE customers SET CustomerValue = CustomerValue + 500 "
                    "WHERE CustomerID = (SELECT min(CustomerID) FROM customers)")
    second = _render(_url(database), tmp_path / "site")
    after = (tmp_path / "site" / "downloads" / "model.json").read_text()
    fingerprint = re.compile(r"fingerprint ([0-9a-f]{12})")
    assert fingerprint.search(first.stderr).group(1) != fingerprint.search(second.stderr).group(1)
    assert len(re.findall(r"executed in", second.stderr)) == len(re.findall(r"executed in", first.stderr)) > 0
    import json

    old, new = json.loads(before), json.loads(after)
    assert new["data_sha256"] != old["data_sha256"]
    assert new["coefficients"][0]["estimate"] != old["coefficients"][0]["estimate"]
