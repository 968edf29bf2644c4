"""Every CSS declaration our tables emit is one Quarto's Typst path can translate.

Quarto's ``quarto-post/typst-css-property-processing.lua`` maps table CSS onto
Typst text settings: named weights work everywhere, a numeric weight is quoted
into a string Typst rejects on some paths, ``initial`` has no translation, and a
generic family (``sans-serif``) is not a font Typst can load. This scans the
``<style>`` block and every inline ``style`` of each report table, and of a table
built the way the Segmentation chapter builds its own.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import tables
from analysis.report._table_style import bold_rows, build_table, mute_rows
from displayed import TABLE_BUILDERS

BUILDERS = {
    **TABLE_BUILDERS,
    "diagnostic_checks": tables.diagnostic_checks,
    "chapter_style": lambda results: mute_rows(bold_rows(build_table(
        pd.DataFrame({"segment": ["A", "B"], "share": ["1.0%", "2.0%"]}), table_id="table-css-check",
        title="Title", subtitle="Subtitle", labels={"segment": "Segment", "share": "Share"},
        numeric=["share"], notes=["A note."], rowname_col="segment", stubhead="Segment"), [1]), [0]),
}
NAMED_WEIGHTS = {"normal", "bold"}
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "math", "system-ui",
                    "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded", "emoji", "fangsong"}
DECLARATION = re.compile(r"(font-weight|font-family)\s*:\s*([^;}\"]+)", re.IGNORECASE)


def declarations(html: str) -> list[tuple[str, str]]:
    css = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S) + re.findall(r'style="([^"]*)"', html)
    return [(name.lower(), value.strip()) for block in css for name, value in DECLARATION.findall(block)]


def families(value: str) -> list[str]:
    return [name.strip().strip("'\"").lower() for name in value.split(",") if name.strip()]


@pytest.mark.parametrize("name", list(BUILDERS))
def test_font_css_is_what_quartos_typst_path_accepts(results, name):
    found = declarations(BUILDERS[name](results).as_raw_html())
    weights = [value for key, value in found if key == "font-weight"]
    fonts = [value for key, value in found if key == "font-family"]
    assert weights and fonts, "the scan found no font declarations: the pattern no longer matches great_tables' CSS"
    assert set(weights) <= NAMED_WEIGHTS, f"font weights other than {sorted(NAMED_WEIGHTS)}: {sorted(set(weights))}"
    for value in fonts:
        listed = families(value)
        assert listed and not set(listed) <= GENERIC_FAMILIES, f"generic-only font-family: {value}"
        assert not set(listed) & GENERIC_FAMILIES, f"a bare generic family Typst cannot load: {value}"


def test_the_scan_catches_what_it_is_meant_to_catch():
    """The checks above would fail on great_tables' defaults (numeric, initial, generic)."""
    found = declarations('<style>.a { font-weight: 600; } .b { font-weight: initial; }'
                         '.c { font-family: sans-serif; }</style><td style="font-weight: 700">')
    assert ("font-weight", "600") in found and ("font-weight", "initial") in found
    assert ("font-weight", "700") in found and families(dict(found)["font-family"]) == ["sans-serif"]
