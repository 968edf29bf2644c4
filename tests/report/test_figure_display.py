"""Figures carry their alt text into the page: as Quarto reads it (markdown) and as the builtin renderer does."""
from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from analysis import figures
from analysis.report.figure_display import FigureWithAlt, markdown_attribute
from renderer.pandoc import markdown_to_ast
from renderer.weave import _Weaver

PAGES = {"distributions": "chapters/data.html", "diagnostics": "chapters/diagnostics.html",
         "partial_effects": "chapters/model.html", "segment_effects": "chapters/segments.html"}


def _bundle(name, results):
    shown = figures.with_alt(name, results)
    assert isinstance(shown, FigureWithAlt)
    return shown, *shown._repr_mimebundle_()


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_the_markdown_quarto_reads_is_one_image_with_the_figures_alt(results, name):
    """Pandoc (the one Quarto also runs) reads one Image whose fig-alt is the analysis' alt text."""
    shown, data, metadata = _bundle(name, results)
    assert shown.alt == figures.alt_text(name, results)
    ast = markdown_to_ast(data["text/markdown"], "figure markdown")
    (block,) = ast["blocks"]
    (image,) = block["c"]
    assert image["t"] == "Image"
    (_, _, attributes), description, (src, _) = image["c"]
    assert dict(attributes)["fig-alt"] == " ".join(shown.alt.split())
    assert description == []
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == base64.b64decode(data["image/png"])
    assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata == {"image/png": {"alt": shown.alt}}


def test_quotes_and_backslashes_in_alt_text_stay_inside_the_attribute():
    hostile = 'a "quoted" \\ backslash } brace {#id .class}'
    ast = markdown_to_ast(f"![](x.png){{fig-alt={markdown_attribute(hostile)}}}", "attribute")
    (_, _, attributes), _, _ = ast["blocks"][0]["c"][0]["c"]
    assert dict(attributes) == {"fig-alt": hostile}


@pytest.mark.parametrize("target", ["html", "typst"])
def test_the_builtin_renderer_shows_the_image_with_its_alt_escaped_for_markdown(tmp_path, target):
    """An image with alt metadata wins over its markdown twin, and its alt survives Pandoc verbatim."""
    alt = "Dollars $1,234 to $5,678; *not emphasis*, [not a link], <b>not HTML</b> & 4/n"
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nnot really").decode()
    output = {"output_type": "display_data",
              "data": {"image/png": png, "text/markdown": "![](data:...)", "text/plain": "<figure>"},
              "metadata": {"image/png": {"alt": alt}}}
    weaver = _Weaver(target, tmp_path, "figures", "page")
    markdown, kind = weaver._display(output, {"fig-alt": "hand-written"}, "fig-x-1")
    assert kind == "image"
    ast = markdown_to_ast(markdown, "woven image")
    image = next(node for node in ast["blocks"][0]["c"] if node["t"] == "Image")
    text = "".join(node["c"] if node["t"] == "Str" else " " for node in image["c"][1])
    assert text == alt
    assert (tmp_path / "fig-x-1.png").read_bytes() == base64.b64decode(png)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs).get("alt", ""))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PAGES))
def test_the_built_page_shows_the_computed_alt_text(report_site, results, name):
    parser = _Images()
    parser.feed((report_site / PAGES[name]).read_text(encoding="utf-8"))
    expected = re.sub(r"\s+", " ", figures.alt_text(name, results)).replace("'", "’")
    assert any(re.sub(r"\s+", " ", alt) == expected for alt in parser.alts), (expected, parser.alts)
