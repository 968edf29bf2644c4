"""Builtin output that follows Quarto's rules: callouts, search.json, inline values, figures.

Each rule is quoted from Quarto's documentation or source in the module that
implements it; these tests check the builtin's output against it, with real
Pandoc, real kernels and the real fixture site.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess

import pytest
from render_helpers import write_project
from PIL import Image

from renderer import render_project
from renderer.callouts import apply_callouts
from renderer.errors import ConfigError
from renderer.pandoc import markdown_to_ast, run_pandoc
from renderer.search import page_entries

CALLOUTS = """\
::: {.callout-note}
## Heading title

Body *one*.
:::

::: {.callout-caution title="Attribute **title**"}
## Kept heading

Body two.
:::

::: {.cell}
::: {.callout-important}
Nested, untitled.
:::
:::

::: {.callout-other}
Not a callout type.
:::
"""


def _html(markdown: str, target: str = "html") -> str:
    ast = apply_callouts(markdown_to_ast(markdown, "test"), target)
    return run_pandoc(["-f", "json", "-t", "html5" if target == "html" else "typst", "--toc", "-s",
                       "--metadata=title:t"], json.dumps(ast), "test")


def test_callouts_become_boxes_titled_as_quarto_titles_them():
    out = _html(CALLOUTS)
    boxes = re.findall(r'<div class="callout callout-(\w+) callout-titled"', out)
    assert boxes == ["note", "caution", "important"]
    titles = re.findall(r'<div class="callout-title-container">\s*(.*?)\s*</div>', out, re.S)
    # The attribute wins over a heading, which then stays in the body; no title: the type's name.
    assert titles == ["Heading title", "Attribute <strong>title</strong>", "Important"]
    assert "<h2" in out and "Kept heading" in out
    assert '<div class="callout-other">' in out  # unknown types are left alone


def test_a_callout_heading_is_not_in_the_table_of_contents():
    markdown = "## Top\n\n" + CALLOUTS

    def toc(ast):
        out = run_pandoc(["-f", "json", "-t", "html5", "--toc", "-s", "--wrap=none", "--metadata=title:t"],
                         json.dumps(ast), "t")
        return out[out.index('<nav id="TOC"'):out.index("</nav>")]

    # Left to Pandoc, a div opening with a heading becomes a section listed in the TOC.
    assert "Heading title" in toc(markdown_to_ast(markdown, "t"))
    listed = toc(apply_callouts(markdown_to_ast(markdown, "t"), "html"))
    assert "Top" in listed and "Heading title" not in listed


def test_callouts_become_tinted_blocks_in_typst():
    out = _html(CALLOUTS, "typst")
    assert out.count("#block(width: 100%, breakable: true") == 3
    assert 'stroke: (left: 3pt + rgb("#0d6efd"))' in out and 'rgb("#fd7e14")' in out
    assert "#strong[Heading title]" in out and "#strong[Important]" in out
    assert "= Heading title" not in out  # not a Typst heading, so not in the PDF outline


def test_unknown_callout_target_is_refused():
    with pytest.raises(ValueError, match="unknown target"):
        apply_callouts({"blocks": []}, "docx")


def test_fixture_pdf_shows_its_callout(fixture_site):
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("poppler-utils is not installed on CI; `make test` installs it (make system-deps)")
        pytest.skip("poppler-utils is not installed (make system-deps)")
    text = subprocess.run(["pdftotext", str(fixture_site / "executive.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Read this first" in text and "A callout in the PDF is a tinted box." in text


def test_search_json_has_quartos_shape(fixture_site):
    entries = json.loads((fixture_site / "search.json").read_text(encoding="utf-8"))
    assert entries and all(set(e) == {"objectID", "href", "title", "section", "text", "crumbs"} for e in entries)
    assert all(e["objectID"] == e["href"] for e in entries)
    by_href = {e["href"]: e for e in entries}
    notes = by_href["chapters/details.html#sec-notes"]
    assert notes["title"] == "Details" and notes["section"] == "1 Notes"
    assert notes["crumbs"] == ["Chapters", "Details"]  # sidebar section, then the page
    more = next(e for e in entries if e["section"].endswith("More notes"))
    assert "Retention in a note" in more["text"]  # callouts are searchable
    assert "On this page" not in json.dumps(entries)  # the table of contents is not indexed
    assert "executive.pdf" not in by_href  # only HTML pages are indexed


def test_search_entries_escape_html_and_skip_navigation():
    page = ('<main class="content"><header class="page-header"><h1 class="title">T &amp; U</h1></header>'
            '<p>Intro &lt;b&gt; text</p><section id="s" class="level2"><h2>Sec</h2><p>In a section</p>'
            '<section id="t" class="level3"><h3>Deeper</h3><p>still the section</p></section></section>'
            '<nav class="page-navigation"><a>Next</a></nav><script>var x;</script></main>')
    entries = page_entries(page, "p.html", "Site", ["T"])
    assert [(e["href"], e["title"], e["section"]) for e in entries] == [("p.html", "T & U", ""),
                                                                         ("p.html#s", "T & U", "Sec")]
    assert entries[0]["text"] == "Intro &lt;b&gt; text"
    assert entries[1]["text"] == "In a section\nDeeper\nstill the section"


INLINE_AND_FIGURES = """\
---
title: Parity
---

```{python}
#| echo: false
import matplotlib
import matplotlib.pyplot as plt
import numpy

class Bold:
    def _repr_markdown_(self):
        return "**bold**"

path = "`customers.csv` *star* [link](x)"
```

A string: `{python} path`. A number: `{python} 1.5`. Markdown: `{python} Bold()`.
NumPy: `{python} numpy.float64(2.5)`.

```{python}
#| label: fig-retina
#| fig-cap: Retina by default
plt.plot([1, 2]); plt.show()
```

```{python}
#| label: fig-flat
#| fig-cap: One chunk at 1x
#| fig-format: png
#| fig-width: 4
#| fig-height: 3
plt.plot([1, 2]); plt.show()
```

```{python}
#| label: fig-after
#| fig-cap: Back to the document's settings
plt.plot([1, 2]); plt.show()
```
"""


@pytest.fixture(scope="module")
def parity_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    project = write_project(root / "project", {"index.qmd": INLINE_AND_FIGURES})
    return render_project(project, root / "site", progress=lambda line: None).out_dir


def test_inline_strings_show_literally_as_under_quarto(parity_site):
    html = (parity_site / "index.html").read_text(encoding="utf-8")
    text = html[html.index("A string:"):]
    text = text[:text.index("</p>")]
    assert "A string: `customers.csv` *star* [link](x)." in text  # backticks shown, nothing parsed
    assert "<code>" not in text and "<em>" not in text and "<a " not in text
    assert "A number: 1.5." in text
    assert "Markdown: <strong>bold</strong>." in text  # a markdown display is still markdown
    # Quarto inserts the repr, so a NumPy scalar shows as one; chapters must pass plain floats.
    assert "NumPy: np.float64(2.5)." in html


def _img(html: str, label: str) -> tuple:
    block = html[html.index(f'id="{label}"'):]
    tag = re.search(r"<img [^>]*>", block).group(0)
    return re.search(r'src="([^"]+)"', tag).group(1), re.search(r'width="(\d+)"', tag), tag


def test_figures_are_retina_by_default_and_honour_chunk_options(parity_site):
    html = (parity_site / "index.html").read_text(encoding="utf-8")
    sizes = {}
    for label in ("fig-retina", "fig-flat", "fig-after"):
        src, width, _tag = _img(html, label)
        with Image.open(parity_site / src) as image:
            sizes[label] = (image.size, image.info.get("dpi"), int(width.group(1)) if width else None)
    (retina_px, retina_dpi, retina_width) = sizes["fig-retina"]
    assert round(retina_dpi[0]) == 192  # 2 x fig-dpi 96
    assert abs(retina_width - retina_px[0] / 2) <= 1  # shown at half its pixel width, as Quarto does
    assert retina_px[0] > 1000  # 7 in at 192 dpi, less matplotlib's tight crop
    (flat_px, flat_dpi, flat_width) = sizes["fig-flat"]
    assert round(flat_dpi[0]) == 96 and flat_width is None  # png at 1x: no display size needed
    assert 300 < flat_px[0] <= 4 * 96  # fig-width 4 in at 96 dpi
    assert sizes["fig-after"][:2] == sizes["fig-retina"][:2]  # the chunk's own settings did not leak


def test_unknown_fig_format_is_refused(tmp_path):
    project = write_project(tmp_path / "p", {"index.qmd": "```{python}\n#| fig-format: gif\n1\n```\n"})
    with pytest.raises(ConfigError, match="fig-format must be one of retina, png, jpeg, svg, pdf"):
        render_project(project, tmp_path / "site", progress=lambda line: None)


def test_compressed_pngs_keep_every_pixel_of_a_figure_with_few_colours():
    from renderer.images import compress_png
    image = Image.new("RGBA", (300, 200), (255, 255, 255, 255))
    for x in range(300):
        image.putpixel((x, 100), (31, 119, 180, 255))
    raw = io.BytesIO()
    image.save(raw, format="PNG", compress_level=1, dpi=(192, 192))
    smaller = compress_png(raw.getvalue())
    assert len(smaller) < len(raw.getvalue())
    with Image.open(io.BytesIO(smaller)) as again:
        assert again.convert("RGBA").tobytes() == image.tobytes()
        assert round(again.info["dpi"][0]) == 192
