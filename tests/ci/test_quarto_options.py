"""_quarto.yml, every page's front matter and every chunk option use only options Quarto documents.

Real Quarto is not installable here, so the names are checked against
``quarto_options.yml``: a list of option names read from Quarto 1.10's own
schema (see that file's header). A misspelt or invented option (``fig-altt``,
``papersize`` under ``html``, a knitr-only cell option in a Jupyter page)
would be silently ignored or rejected by ``quarto render``; here it fails.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analysis.config import ROOT
from renderer.qmd import parse_qmd

KEYS = yaml.safe_load((Path(__file__).with_name("quarto_options.yml")).read_text(encoding="utf-8"))
CONFIG = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
PAGES = CONFIG["project"]["render"]
# Quarto's format schemas include the cell options (code-fold, echo, ... may be set per document).
FORMATS = {"html": set(KEYS["any-format"]) | set(KEYS["html"]) | set(KEYS["cell"]),
           "typst": set(KEYS["any-format"]) | set(KEYS["typst"]) | set(KEYS["cell"])}
# Fonts the typst binary embeds (so a PDF builds the same on any machine, with no system fonts).
TYPST_EMBEDDED_FONTS = {"Libertinus Serif", "New Computer Modern", "New Computer Modern Math", "DejaVu Sans Mono"}
FONT_OPTIONS = ("mainfont", "sansfont", "monofont", "mathfont")


def _unknown(keys, allowed) -> list:
    return sorted(set(keys) - set(allowed))


def _check_formats(where: str, formats: dict) -> None:
    assert set(formats) <= set(FORMATS), f"{where}: formats {sorted(formats)} (the report makes html and typst)"
    for name, options in formats.items():
        options = options or {}
        assert not _unknown(options, FORMATS[name]), f"{where}: not {name} options: {_unknown(options, FORMATS[name])}"
        if name == "html" and "html-math-method" in options:
            method = options["html-math-method"]
            method = method.get("method") if isinstance(method, dict) else method
            assert method in KEYS["html-math-method"], f"{where}: html-math-method {method!r}"
        if name == "typst":
            if isinstance(options.get("margin"), dict):
                assert set(options["margin"]) <= {"x", "y", "top", "bottom", "left", "right"}, options["margin"]
            for font in FONT_OPTIONS:
                for family in ([options[font]] if isinstance(options.get(font), str) else options.get(font) or []):
                    assert family in TYPST_EMBEDDED_FONTS, f"{where}: {font} {family!r} is not a font Typst embeds"


def test_the_key_list_is_the_schema_reading_it_claims():
    # A few anchors that would be missing if the list had been cut or shifted.
    assert {"papersize", "margin", "fontsize", "mainfont"} <= set(KEYS["typst"])
    assert {"theme", "css", "code-tools", "html-math-method", "toc-depth"} <= set(KEYS["html"])
    assert "code-fold" in KEYS["cell"] and "code-fold" not in KEYS["html"]  # a cell option (cell-codeoutput.yml)
    assert {"fig-cap", "fig-alt", "tbl-cap", "label", "echo", "output", "include"} <= set(KEYS["cell"])
    assert "fig-width" in KEYS["cell-knitr-only"] and "fig-width" not in KEYS["cell"]
    assert "fig-width" in KEYS["any-format"]  # a document option for every engine


def test_typst_embeds_the_fonts_this_test_allows():
    import typst

    assert TYPST_EMBEDDED_FONTS <= set(typst.Fonts().families())


def test_quarto_yml_uses_documented_options():
    assert not _unknown(CONFIG, {"project", "website", "format", "execute"} | set(KEYS["any-format"]))
    assert not _unknown(CONFIG["project"], KEYS["project"]), _unknown(CONFIG["project"], KEYS["project"])
    website = CONFIG["website"]
    assert not _unknown(website, KEYS["website"]), _unknown(website, KEYS["website"])
    assert not _unknown(website["navbar"], KEYS["navbar"]), _unknown(website["navbar"], KEYS["navbar"])
    for side in ("left", "right"):
        for item in website["navbar"].get(side, []):
            if isinstance(item, dict):
                assert not _unknown(item, KEYS["navigation-item"]), item
    assert not _unknown(CONFIG.get("execute", {}), set(KEYS["execute"]) | set(KEYS["cell"]))
    _check_formats("_quarto.yml", CONFIG["format"])


@pytest.mark.parametrize("page", PAGES)
def test_front_matter_and_chunk_options_are_documented(page):
    document = parse_qmd(ROOT / page)
    front = document.front_matter
    allowed = {"format", "execute"} | FORMATS["html"] | FORMATS["typst"]
    assert not _unknown(front, allowed), f"{page}: {_unknown(front, allowed)}"
    if "format" in front:
        _check_formats(page, front["format"])
    formats = set(front.get("format") or CONFIG["format"])
    for chunk in document.chunks:
        options = chunk.options
        knitr = sorted(set(options) & set(KEYS["cell-knitr-only"]) - set(KEYS["cell"]))
        assert not knitr, f"{page} {chunk.describe()}: knitr-only options in a Jupyter page: {knitr}"
        assert not _unknown(options, KEYS["cell"]), f"{page} {chunk.describe()}: {_unknown(options, KEYS['cell'])}"
        label = str(options.get("label", ""))
        if "fig-cap" in options:
            assert label.startswith("fig-"), f"{page} {chunk.describe()}: fig-cap needs a fig- label"
        if "tbl-cap" in options:
            assert label.startswith("tbl-"), f"{page} {chunk.describe()}: tbl-cap needs a tbl- label"
        if "fig-alt" in options:  # Quarto reads fig-alt for HTML formats only
            assert formats <= {"html"}, f"{page}: fig-alt in a page rendered to {sorted(formats)}"
