"""The whole report, built from the default data by the README's main command.

Numbers in the summary and the PDF are checked against the published model.json,
formatted here independently of analysis.report.formatting.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.data.simulate import simulate_customers

CHAPTERS = ("index", "chapters/data", "chapters/model", "chapters/segments", "chapters/diagnostics",
            "chapters/targeting", "chapters/segmentation", "chapters/methods")


class _Text(HTMLParser):
    """Visible text of a page, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def usd(value: float) -> str:
    return ("-" if round(value, 2) < 0 else "") + f"${abs(value):,.2f}"


@pytest.fixture(scope="module")
def model(report_site) -> dict:
    return json.loads((report_site / "downloads" / "model.json").read_text())


def coefficient(model: dict, term: str) -> dict:
    return next(c for c in model["reported_coefficients"] if c["term"] == term)


def test_every_chapter_and_the_pdf_are_built(report_site):
    for chapter in CHAPTERS:
        assert (report_site / f"{chapter}.html").is_file(), chapter
    assert (report_site / "executive.pdf").is_file()
    for name in ("coefficients.csv", "model.json", "customer_scores.csv", "winback_list.csv",
                 "retention_list.csv", "upsell_list.csv"):
        assert (report_site / "downloads" / name).is_file(), name


def test_no_page_shows_error_output_or_unresolved_references(report_site):
    for chapter in CHAPTERS:
        html = (report_site / f"{chapter}.html").read_text(encoding="utf-8")
        text = page_text(report_site / f"{chapter}.html")
        assert "Traceback" not in html and "cell-output-stderr" not in html, chapter
        assert not re.search(r"\b(Error|Warning):", text), chapter
        assert "?@" not in text, f"{chapter}: an unresolved cross-reference"


def test_every_figure_and_table_is_captioned_and_referred_to(report_site):
    for chapter in CHAPTERS:
        text = page_text(report_site / f"{chapter}.html")
        for kind in ("Figure", "Table"):
            captions = set(re.findall(rf"{kind} (\d+):", text))
            references = set(re.findall(rf"{kind} (\d+)(?!:)", text))
            assert captions <= references, f"{chapter}: {kind}s {captions - references} are never referred to"


def test_summary_states_the_models_own_numbers(report_site, model):
    text = page_text(report_site / "index.html")
    assert f"explained (R²): {100 * model['r_squared']:.1f}%" in text
    assert f"(residual SE): {usd(model['sigma'])}" in text
    assert f"other signals held constant: {usd(coefficient(model, 'Frequency')['estimate'])}" in text
    assert model["reference"] == "Low Value"
    assert f"premium beyond RFM: {usd(coefficient(model, 'Segment[High Value]')['estimate'])}" in text
    assert f"model as high value: {model['misaligned_by_segment']['At Risk']}" in text
    assert "This is the first build: there is no previous model to compare." in text


def test_summary_lists_three_findings_and_sized_actions(report_site):
    text = page_text(report_site / "index.html")
    for title in ("Recency, frequency and basket size.", "What the CRM labels add.",
                  "Labels that disagree with behaviour."):
        assert title in text
    for name, file in (("Win-back", "winback"), ("Retention", "retention"), ("Premium upsell", "upsell")):
        rows = len((report_site / "downloads" / f"{file}_list.csv").read_text().splitlines()) - 1
        assert f"{name} ({rows:,} customers;" in text


def test_colophon_names_the_data_snapshot(report_site, model):
    text = page_text(report_site / "chapters" / "methods.html")
    assert model["data_sha256"][:16] in text
    assert f"{model['n']:,} customers" in text  # the default data's size, whatever it is


def test_executive_pdf_has_two_to_four_pages_with_the_headline_numbers(report_site, model):
    pdf = report_site / "executive.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 2 <= pages <= 4
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                               check=True).stdout)
    assert f"{100 * model['r_squared']:.1f}%" in text
    assert usd(model["sigma"]) in text
    assert usd(coefficient(model, "Frequency")["estimate"]) in text
    assert "Recommended actions" in text and "Provenance" in text
    assert "<table" not in text and "<td" not in text  # tables arrive as tables, not raw HTML


def test_site_links_to_the_executive_pdf(report_site):
    assert 'href="executive.pdf"' in (report_site / "index.html").read_text(encoding="utf-8")


def _tree_hashes(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_refresh_with_bad_data_leaves_the_published_site_untouched(report_site, tmp_path, render_report):
    site = tmp_path / "site"
    shutil.copytree(report_site, site)
    before = _tree_hashes(site)
    bad = tmp_path / "customers.csv"
    frame = simulate_customers(500, seed=2).astype({"Recency": float})
    frame.loc[3, "Recency"] = -4
    frame.to_csv(bad, index=False)
    completed = render_report(site, "--data", str(bad))
    assert completed.returncode == 2
    assert "'Recency'" in completed.stderr and "row 5" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert _tree_hashes(site) == before


def test_refresh_reports_what_changed(report_site, model, tmp_path, render_report):
    """A known shift: +$15 per order, 300 fewer At Risk customers."""
    site = tmp_path / "site"
    shutil.copytree(report_site, site)
    # The refresh is the published data itself, shifted: the default data is the simulated
    # business (data/README.md), not simulate_customers(5000, seed=11) any more.
    shifted = pd.read_csv(config.DEFAULT_DATA, dtype={"CustomerID": str})
    shifted["CustomerValue"] = (shifted["CustomerValue"] + 15 * shifted["Frequency"]).round(2)
    at_risk = shifted.index[shifted["Segment"] == "At Risk"]
    shifted = shifted.drop(at_risk[:300])
    data = tmp_path / "refreshed.csv"
    shifted.to_csv(data, index=False)

    completed = render_report(site, "--data", str(data))
    assert completed.returncode == 0, completed.stderr[-3000:]
    text = page_text(site / "index.html")
    assert "first build" not in text
    old_frequency = coefficient(model, "Frequency")["estimate"]
    new_model = json.loads((site / "downloads" / "model.json").read_text())
    new_frequency = coefficient(new_model, "Frequency")["estimate"]
    assert new_frequency - old_frequency == pytest.approx(15, abs=2)
    assert "Frequency" in text and usd(new_frequency) in text
    old_size = model["segment_counts"]["At Risk"]
    assert f"{old_size:,} to {old_size - 300:,}" in text
