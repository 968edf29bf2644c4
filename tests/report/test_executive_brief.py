"""The executive brief's first page: key-figure tiles, then one chart, then the findings; two pages.

The tiles' numbers are the prose module's displayed values (checked against the
page text), and their Typst is compiled for real with hostile text in it.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import typst

from analysis.report import key_figures, prose

HOSTILE = 'At #Risk* $1$ [x] <y> @z "q" \\'


def _page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def test_tiles_are_the_displayed_numbers(results):
    figures = key_figures.key_figures(results)
    assert [f.value for f in figures] == [prose.r_squared_display(results), prose.value_of_one_more_order(results),
                                         prose.high_value_premium_usd(results),
                                         prose.misaligned_at_risk_count(results)]
    assert all(f.label and len(f.label) <= 95 for f in figures)  # a glance, not a sentence


def test_hostile_tile_text_compiles_and_prints_literally():
    block = key_figures.typst_tiles((key_figures.KeyFigure(HOSTILE, HOSTILE), key_figures.KeyFigure("1", "two")))
    assert block.startswith("```{=typst}\n") and block.rstrip().endswith("```")
    source = block.split("\n", 1)[1].rsplit("```", 1)[0]
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "tiles.pdf"
        typst.compile(source.encode("utf-8"), output=str(pdf))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert HOSTILE.strip() in " ".join(text.split()), text


def test_page_one_is_figures_chart_findings_and_the_brief_has_two_pages(report_site, results):
    pdf = report_site / "executive.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == 2
    first, second = _page_text(pdf, 1), _page_text(pdf, 2)
    positions = [first.find(f.value) for f in key_figures.key_figures(results)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions  # one row, in order
    chart, findings = first.find("Figure 1"), first.find("Three findings")
    assert max(positions) < chart < findings, (positions, chart, findings)
    assert "Recommended actions" not in first and "Recommended actions" in second
    assert "Table 1" in second and "Provenance" in second


def _contrast_tile(r, robust):
    return key_figures.key_figures(r, robust)[2].label


def test_the_label_tile_says_premium_only_for_a_robust_interval_clear_of_zero(results, simulated_results):
    from analysis.report._sentences import contrast

    _, low, high = contrast(simulated_results, "High Value", "Low Value")
    assert low > 0  # the linear-truth cohort's label carries clear value
    assert "premium" in _contrast_tile(simulated_results, True)
    assert "depends on the model" in _contrast_tile(simulated_results, False)
    assert "premium" not in _contrast_tile(simulated_results, None)  # not checked against competitors
    _, low, high = contrast(results, "High Value", "Low Value")
    if low <= 0 <= high:  # the default data: an interval across zero is never a premium, robust or not
        for robust in (True, False, None):
            assert "not distinguishable from zero" in _contrast_tile(results, robust)
            assert "premium" not in _contrast_tile(results, robust)
