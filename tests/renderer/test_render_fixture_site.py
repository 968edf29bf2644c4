"""The fixture project, rendered by the builtin renderer: every supported feature, checked in the output."""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest


class _Page(HTMLParser):
    """Links, images, ids and visible text of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.images, self.ids, self.stylesheets, self.scripts = [], [], set(), [], []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append((attrs["href"], attrs.get("class", "")))
        if tag == "img":
            self.images.append(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        if tag == "script" and "src" in attrs:
            self.scripts.append(attrs["src"])

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts))


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def pages(fixture_site):
    return {p.relative_to(fixture_site).as_posix(): parse(p) for p in fixture_site.rglob("*.html")}


def test_every_listed_document_is_rendered_in_its_format(fixture_build, fixture_site):
    _project, result, _lines = fixture_build
    assert sorted(result.outputs) == ["chapters/analysis.html", "chapters/details.html", "executive.pdf", "index.html"]
    assert not (fixture_site / "executive.html").exists()  # format: typst makes a PDF-only document
    assert result.warnings == []


def test_every_local_link_and_asset_resolves(fixture_site, pages):
    checked = 0
    for rel, page in pages.items():
        base = (fixture_site / rel).parent
        for href in [h for h, _ in page.links] + page.stylesheets + page.scripts + [i["src"] for i in page.images]:
            parsed = urlparse(href)
            assert parsed.scheme in ("", "data"), f"{rel} refers to the network: {href}"
            if parsed.scheme == "data":
                continue
            target = (base / unquote(parsed.path)).resolve() if parsed.path else fixture_site / rel
            assert target.is_file(), f"{rel}: {href} does not exist"
            if parsed.fragment and target.suffix == ".html":
                assert parsed.fragment in parse(target).ids, f"{rel}: no #{parsed.fragment} in {href}"
            checked += 1
    assert checked > 30


def test_navbar_and_sidebar_follow_quarto_yml_order(pages):
    index = pages["index.html"]
    nav = [(h, c) for h, c in index.links if "nav-link" in c]
    assert [h for h, _ in nav] == ["index.html", "chapters/analysis.html", "chapters/details.html", "executive.pdf"]
    sidebar = [h for h, c in index.links if "sidebar-link" in c]
    assert sidebar == ["index.html", "chapters/analysis.html", "chapters/details.html", "executive.pdf"]
    analysis = pages["chapters/analysis.html"]
    assert ("analysis.html", "nav-link active") in analysis.links  # links are relative to the page
    assert "../executive.pdf" in [h for h, _ in analysis.links]


def test_previous_and_next_follow_the_sidebar(pages):
    def page_nav(rel):
        return [(h, c) for h, c in pages[rel].links if "nav-page" in c]

    assert page_nav("index.html") == [("chapters/analysis.html", "nav-page nav-page-next")]
    assert page_nav("chapters/analysis.html") == [("../index.html", "nav-page nav-page-previous"),
                                                   ("details.html", "nav-page nav-page-next")]
    assert page_nav("chapters/details.html") == [("analysis.html", "nav-page nav-page-previous")]


def test_table_of_contents_lists_numbered_sections(fixture_site):
    html = (fixture_site / "chapters/analysis.html").read_text()
    toc = html[html.index('<nav id="TOC"'):]
    toc = toc[:toc.index("</nav>")]
    assert re.search(r'href="#sec-data".*1</span>\s*Data', toc)
    assert re.search(r'href="#sec-hidden".*2\.1</span>\s*Hidden code', toc)


def test_figures_are_embedded_with_caption_and_alt_text(fixture_site, pages):
    analysis = pages["chapters/analysis.html"]
    assert len(analysis.images) == 2
    for image in analysis.images:
        assert (fixture_site / "chapters" / image["src"]).stat().st_size > 5000
        assert image["src"].startswith("analysis_files/figure-html/")
    assert analysis.images[0]["alt"] == "Six points rising from left to right"
    html = (fixture_site / "chapters/analysis.html").read_text()
    assert re.search(r'<figure id="fig-scatter"[^>]*>.*?<figcaption>Figure 1: Scatter of y against x</figcaption>',
                     html, re.S)
    assert re.search(r'<figure id="fig-line".*?<figcaption>Figure 2: Line of best fit</figcaption>', html, re.S)


def test_tables_are_present_and_numbered(fixture_site, pages):
    html = (fixture_site / "chapters/analysis.html").read_text()
    text = pages["chapters/analysis.html"].text
    assert 'class="gt_table"' in html  # the great_tables HTML, passed through
    assert "Table 1: Mean y by group" in text and "11.00" in text
    assert re.search(r'<table id="tbl-markdown">\s*<caption>Table 2: Groups explained</caption>', html)


def test_cross_references_are_numbered_and_linked(fixture_site):
    html = (fixture_site / "chapters/analysis.html").read_text()
    refs = re.findall(r'<a href="#([^"]+)" class="quarto-xref">([^<]+)</a>', html)
    assert refs == [("fig-scatter", "Figure 1"), ("tbl-summary", "Table 1"), ("tbl-markdown", "Table 2"),
                    ("sec-methods", "Section 2"), ("fig-line", "Figure 2"), ("fig-scatter", "Figure 1")]
    index = (fixture_site / "index.html").read_text()
    assert '<a href="#sec-overview" class="quarto-xref">Section 1</a>' in index


def test_inline_expressions_show_their_values(pages):
    assert "This site summarises 6 points; the largest y is 12.2." in pages["index.html"].text
    assert "The fitted slope is 2.003 across 6 points." in pages["chapters/analysis.html"].text


def test_chunk_options_are_honoured(fixture_site, pages):
    html = (fixture_site / "chapters/analysis.html").read_text()
    text = pages["chapters/analysis.html"].text
    assert "Path(&quot;../downloads&quot;)" not in html and "points-copy" not in text  # include: false
    assert "printed by a chunk whose code is hidden" in text
    assert 'print("printed by' not in text  # echo: false
    assert "this chunk is shown but never run" in text and "RuntimeError:" not in text  # eval: false
    assert "this output is hidden" in text  # output: false keeps the code ...
    assert text.count("this output is hidden") == 1  # ... but not its output
    assert "<strong>Bold text from an asis chunk</strong>, with value 42" in html  # output: asis
    assert "this warning is silenced" in text and "UserWarning: this warning is silenced" not in text
    assert "UserWarning: this warning is shown" in text  # warning: true (from _quarto.yml)
    assert "ZeroDivisionError" in text  # error: true shows the error and carries on
    assert html.count('<details class="code-fold">') == 6  # the six echoed chunks; tbl-summary sets false
    assert "cell-output-stdout" in html and "cell-output-stderr" in html


def test_links_between_documents_point_at_outputs(pages):
    hrefs = [h for h, _ in pages["index.html"].links]
    assert "chapters/details.html#sec-notes" in hrefs and "executive.pdf" in hrefs
    assert "analysis.html#sec-data" in [h for h, _ in pages["chapters/details.html"].links]


def test_resources_are_copied(fixture_site):
    assert (fixture_site / "downloads/points-copy.csv").read_text().startswith("x,y,group")


def test_pages_fetch_nothing_from_the_network(fixture_site):
    for page in fixture_site.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', html), page
        assert "@import" not in html and "googleapis" not in html


def test_page_is_responsive_and_printable(fixture_site):
    css = (fixture_site / "site_libs/renderer/site.css").read_text()
    assert "@media (max-width: 767.98px)" in css and "@media print" in css
    assert '<meta name="viewport"' in (fixture_site / "index.html").read_text()


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pdf_has_the_expected_pages_and_text(fixture_site):
    pdf = fixture_site / "executive.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = _pdf_text(pdf)
    assert "Executive Brief" in text
    assert "The data hold 6 points. Table 1 lists them by group and Figure 1 plots them." in re.sub(r"\s+", " ", text)
    assert "Figure 1: Points by x" in text
    assert "<table" not in text and "gt_table" not in text


def test_pdf_table_is_a_real_typst_table(fixture_site):
    text = _pdf_text(fixture_site / "executive.pdf")
    # A typeset table keeps each row's cells on one line, in columns.
    assert re.search(r"Table 1: Points per group", text)
    assert re.search(r"Group\s+Count\s+Mean y", text)
    assert re.search(r"^\s*a\s+2\s+3\.00\s*$", text, re.M)
    assert re.search(r"^\s*c\s+2\s+11\.00\s*$", text, re.M)


def test_progress_reports_each_document_and_chunk(fixture_build):
    _project, _result, lines = fixture_build
    assert any(re.match(r"\[2/4\] chapters/analysis\.qmd: executing 10 chunk", line) for line in lines)
    assert any("chapters/analysis.qmd: chunk 2/11 fig-scatter" in line for line in lines)
    assert any("executive.qmd: chunk 1/3 at line 17" in line for line in lines)
