"""HTML tables from great_tables through the builtin Typst path: the emitted Typst and its compilation.

The table is built here with great_tables itself (title, subtitle, a spanner over
the right-hand columns, row groups, a muted row, source notes), styled through
``tab_options``/``tab_style`` only, so the converter is checked against what GT
really writes, not against a hand-made snippet.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest
from great_tables import GT, loc, style

from renderer.typst import compile_typst
from renderer.typst_table import STYLED_TABLE_LABEL, html_table_to_typst, html_tables_to_blocks


@pytest.fixture(scope="module")
def gt_html() -> str:
    frame = pd.DataFrame({
        "group": ["Signals", "Signals", "Segment", "Segment"],
        "term": ["Recency", "Frequency", "Low (reference)", "High"],
        "estimate": ["-0.89", "24.31", "—", "155.40"],
        "se": ["0.03", "0.57", "", "10.56"],
        "p": ["<0.001", "<0.001", "", "<0.001"],
    })
    table = (GT(frame, rowname_col="term", groupname_col="group", id="t1", auto_align=False)
             .tab_header(title="What value is associated with", subtitle="OLS, USD")
             .tab_spanner(label="Inference [HC3] #1", columns=["se", "p"])
             .cols_align("right", ["estimate", "se", "p"])
             .tab_style(style.text(color="#767676", style="italic"), loc.body(rows=[2]))
             .tab_source_note("N = 5,000 customers; a long note that must wrap at the table's width "
                              "rather than widen its last column to the page.")
             # GT's own .gt_font_normal outranks heading_title_font_weight (same specificity, later
             # rule), so a browser shows the title regular unless extra CSS says bold, as the house style does.
             .tab_options(heading_align="left", column_labels_font_weight="bold", row_group_font_weight="bold",
                          table_additional_css=["#t1 .gt_title { font-weight: bold; }"]))
    return table.as_raw_html()


@pytest.fixture(scope="module")
def typst_code(gt_html) -> str:
    return html_table_to_typst(gt_html)


def _cell(code: str, text: str) -> str:
    """The ``table.cell(...)[...]`` call holding the string literal ``text``."""
    for line in code.splitlines():
        if f'#qr-t("{text}")' in line and "table.cell(" in line:
            return line
    raise AssertionError(f"no cell holds {text!r}")


def test_title_and_subtitle_sit_above_the_grid_left_aligned(typst_code):
    banners = [line for line in typst_code.splitlines() if line.startswith("    block(")]
    title = next(line for line in banners if "What value is associated with" in line)
    assert "table.cell" not in title  # a block above the grid, not a spanning cell
    assert 'weight: "bold"' in title and "#align(left)" in title
    subtitle = next(line for line in banners if '"OLS, USD"' in line)
    assert "#align(left)" in subtitle and 'weight: "bold"' not in subtitle
    placed = typst_code[typst_code.index("set block(spacing: 0pt)"):]
    assert placed.index("What value") < placed.index("\n    qr-table\n") < placed.index("N = 5,000")


def test_spanner_spans_the_right_columns_on_the_top_header_row(typst_code):
    spanner = _cell(typst_code, "Inference [HC3] #1")  # markup characters stay text
    assert "colspan: 2" in spanner and "rowspan" not in spanner and 'weight: "bold"' in spanner
    header = typst_code[typst_code.index("table.header("):]
    header_cells = re.findall(r"table\.cell\(([^)]*)\)\[", header.split("\n  table.cell(")[0])
    # First header row: stub head, Estimate (both two rows tall), then the spanner; the spanned labels below.
    assert header_cells[:2] == ["rowspan: 2, align: start + bottom", "rowspan: 2, align: right + bottom"] or \
        all("rowspan: 2" in c for c in header_cells[:2])
    order = [typst_code.index(f'#qr-t("{label}")') for label in ("estimate", "Inference [HC3] #1", "se", "p")]
    assert order == sorted(order)
    # The spanner's rule is a line under its two columns only (columns 2 and 3 of 4).
    assert re.search(r"table\.hline\(y: 1, start: 2, end: 4,", typst_code)
    assert not re.search(r"table\.hline\(y: 1, start: [01],", typst_code)  # never through the tall labels


def test_group_rows_are_bold_full_width_and_columns_align_as_in_gt(typst_code):
    group = _cell(typst_code, "Signals")
    assert "colspan: 4" in group and 'weight: "bold"' in group
    alignments = re.search(r"align: \(([^)]*)\)", typst_code).group(1).split(", ")
    assert [a.split(" + ")[0] for a in alignments[:4]] == ["left", "right", "right", "right"]
    assert _cell(typst_code, "155.40").startswith("  table.cell()")  # the column's own alignment


def test_reference_row_is_grey_italic_and_the_note_is_small(typst_code):
    muted = _cell(typst_code, "—")  # the reference row's estimate
    assert 'style: "italic"' in muted and 'rgb("#767676")' in muted
    note = next(line for line in typst_code.splitlines() if "N = 5,000" in line and line.startswith("    block("))
    size = float(re.search(r"size: ([\d.]+)pt", note).group(1))
    body = float(re.search(r"measure\(qr-grid\(([\d.]+)pt, 0pt, qr-min: true\)\)", typst_code).group(1))
    assert size < body


def test_a_title_wider_than_the_columns_widens_the_table(typst_code):
    # Measured on one line and compared with the grid; the cells' padding grows to make up the difference.
    assert 'measure([#set text(weight: "bold"' in typst_code and "qr-pad" in typst_code
    assert re.search(r"table\.cell\([^)]*inset: \([^)]*left: [\d.]+pt \+ qr-pad", typst_code)


def test_pandoc_table_rules_skip_it_and_it_compiles(typst_code, tmp_path):
    assert f"<{STYLED_TABLE_LABEL}>" in typst_code
    from renderer.typst import _PREAMBLE

    source = tmp_path / "table.typ"
    source.write_text(_PREAMBLE + "\n" + typst_code, encoding="utf-8")
    compile_typst(source, tmp_path / "table.pdf", root=tmp_path, what="test table")
    assert (tmp_path / "table.pdf").read_bytes()[:5] == b"%PDF-"


def test_blocks_are_raw_typst_and_non_tables_fall_back_to_pandoc(gt_html):
    blocks = html_tables_to_blocks({"a": gt_html, "b": "<table><tr><td>x</td></tr></table>"}, "test")
    assert blocks["a"][0]["t"] == "RawBlock" and blocks["a"][0]["c"][0] == "typst"
    assert blocks["b"][0]["t"] == "RawBlock"
    nested = "<table><tr><td><table><tr><td>in</td></tr></table></td></tr></table>"
    fallback = html_tables_to_blocks({"c": nested}, "test")["c"]
    assert fallback and fallback[0]["t"] != "RawBlock"  # Pandoc's HTML reader took it
