"""Under `quarto render`, each page's navbar highlights that page and no other.

Quarto 1.10 marks navbar links active in ``website-navigation.ts`` ("latch
active nav link"): it walks the page's ``a.nav-link`` elements in order and
marks the first one whose href is the current page OR appears anywhere in the
page's sidebar, then stops. A sidebar that lists a navbar page therefore makes
that link active on every page that shows the sidebar; this test replays the
rule on ``_quarto.yml`` so such a configuration cannot come back.
"""
from __future__ import annotations

import posixpath

import pytest

from analysis.config import ROOT
from renderer.config import NavItem, load_project


def _hrefs(items) -> list[str]:
    out = []
    for item in items:
        item: NavItem
        if item.href:
            out.append(posixpath.normpath(item.href))
        out.extend(_hrefs(item.children))
    return out


def quarto_active_link(navbar: list[str], sidebar: list[str], page: str) -> str | None:
    """The navbar href Quarto marks active on ``page`` (None: no link is active)."""
    # With a single sidebar, Quarto shows it on every page of the site.
    for href in navbar:
        if href in sidebar or href == page:
            return href
    return None


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def test_every_page_highlights_its_own_navbar_link(project):
    navbar = _hrefs(project.navbar_left) + _hrefs(project.navbar_right)
    sidebar = _hrefs(project.sidebar)
    pages = [p.as_posix() for p in project.documents()]
    assert len(pages) >= 8
    for page in pages:
        active = quarto_active_link(navbar, sidebar, page)
        expected = page if page in navbar else None
        assert active == expected, f"Quarto would mark {active!r} active on {page}"


def test_the_rule_catches_the_old_configuration():
    # index.qmd first in both navbar and sidebar: "Summary" active everywhere (the report).
    navbar = ["index.qmd", "chapters/data.qmd", "chapters/model.qmd"]
    sidebar = ["index.qmd", "chapters/data.qmd", "chapters/model.qmd"]
    assert quarto_active_link(navbar, sidebar, "chapters/model.qmd") == "index.qmd"


def test_html_math_needs_no_network_and_long_equations_scroll(project):
    html = project.formats["html"]
    assert html.get("html-math-method") == "mathml"  # the browser draws MathML; MathJax needs a CDN
    css = html.get("css")
    assert css == "styles.css"
    text = (ROOT / css).read_text(encoding="utf-8")
    rule = text[text.index('math[display="block"]'):]
    rule = rule[:rule.index("}")]
    assert "display: block math" in rule and "overflow-x: auto" in rule and "max-width: 100%" in rule
