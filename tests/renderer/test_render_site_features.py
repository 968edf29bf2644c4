"""What the builtin site shares with Quarto's, checked in headless Chromium.

Search finds pages offline, the navbar is one line on a desktop and folds
behind its hamburger on a phone, display equations stay inside their column,
and callouts are boxes. Measured on the fixture site and on the real report.
"""
from __future__ import annotations

from contextlib import ExitStack

import pytest
from chromium_cdp import needs_chromium, off_host, serving
from render_helpers import SCREENSHOTS

pytestmark = needs_chromium

# Types into the navbar's search box, then waits (at most 5 s, in the page) for results.
SEARCH = """(async () => {
  const input = document.querySelector('.navbar-search input[type=search]');
  if (!input) { return {error: 'no search box'}; }
  input.value = %s;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  for (let i = 0; i < 100; i++) {
    const list = document.querySelector('.search-results');
    const links = Array.from(list.querySelectorAll('a.search-result'));
    if (links.length || list.querySelector('.search-empty')) {
      return {hrefs: links.map(a => new URL(a.href).pathname), shown: !list.hidden,
              box: input.getBoundingClientRect().width};
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {error: 'no results within 5 s'};
})()"""

NAVBAR = """(() => {
  const links = Array.from(document.querySelectorAll('.navbar .nav-link'))
    .filter(a => a.getClientRects().length > 0);
  const inner = document.querySelector('.navbar-inner');
  const toggle = document.querySelector('.sidebar-toggle');
  return {visible: links.length, tops: links.map(a => Math.round(a.getBoundingClientRect().top)),
          height: document.querySelector('.navbar').getBoundingClientRect().height,
          overflow: inner.scrollWidth - inner.clientWidth,
          toggle: getComputedStyle(toggle).display};
})()"""

OPEN_MENU = """(() => {
  document.querySelector('.sidebar-toggle').click();
  return Array.from(document.querySelectorAll('.navbar .nav-link')).filter(a => a.getClientRects().length > 0).length;
})()"""

# Every display equation: its box against its column's, and whether overflowing content can scroll.
EQUATIONS = """Array.from(document.querySelectorAll('math[display=block]')).map(m => {
  const column = document.querySelector('main').getBoundingClientRect();
  const box = m.getBoundingClientRect();
  return {left: box.left - column.left, right: column.right - box.right, width: box.width,
          column: column.width, content: m.scrollWidth, visible: m.clientWidth,
          overflow: getComputedStyle(m).overflowX};
})"""

CALLOUTS = """Array.from(document.querySelectorAll('.callout')).map(c => ({
  classes: c.className, title: c.querySelector('.callout-title-container').textContent.trim(),
  rule: parseFloat(getComputedStyle(c).borderLeftWidth), colour: getComputedStyle(c).borderLeftColor,
  header: getComputedStyle(c.querySelector('.callout-header')).backgroundColor}))"""


@pytest.fixture(scope="module")
def served(fixture_site, report_site):
    with ExitStack() as servers:
        yield {name: servers.enter_context(serving(folder))
               for name, folder in (("fixture", fixture_site), ("report", report_site))}


@pytest.mark.parametrize("width", [1280, 390])
def test_typing_retention_lists_the_targeting_page(browser, served, width):
    visit = browser.visit(f"{served['report']}/index.html", width, 900,
                          SCREENSHOTS / f"report-search-{width}.png", {"search": SEARCH % '"retention"'})
    result = visit.checks["search"]
    assert "error" not in result, result
    assert result["shown"] and result["box"] > 80, result
    assert "/chapters/targeting.html" in result["hrefs"], result["hrefs"]
    assert visit.console_errors == [] and off_host(visit) == []


def test_search_says_so_when_nothing_matches(browser, served):
    visit = browser.visit(f"{served['fixture']}/chapters/details.html", 1280, 900, None,
                          {"search": SEARCH % '"zzqqxxyy"'})
    assert visit.checks["search"]["hrefs"] == [] and visit.checks["search"]["shown"]


@pytest.mark.parametrize("site", ["report", "fixture"])
def test_navbar_is_one_line_at_1280_and_a_hamburger_at_390(browser, served, site):
    wide = browser.visit(f"{served[site]}/index.html", 1280, 900, SCREENSHOTS / f"{site}-navbar-1280.png",
                         {"navbar": NAVBAR})
    bar = wide.checks["navbar"]
    assert bar["visible"] >= 4 and bar["toggle"] == "none", bar
    assert max(bar["tops"]) - min(bar["tops"]) <= 2, f"links on more than one line: {bar['tops']}"
    assert bar["height"] <= 64 and bar["overflow"] <= 0, bar

    narrow = browser.visit(f"{served[site]}/index.html", 390, 844, None, {"navbar": NAVBAR, "opened": OPEN_MENU})
    folded = narrow.checks["navbar"]
    assert folded["toggle"] != "none" and folded["visible"] == 0, folded
    assert narrow.checks["opened"] == bar["visible"], "the hamburger must show every navbar link"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("site, page", [("report", "chapters/model.html"), ("fixture", "chapters/details.html")])
def test_display_equations_stay_inside_their_column(browser, served, site, page, width):
    visit = browser.visit(f"{served[site]}/{page}", width, 900,
                          SCREENSHOTS / f"{site}-{page.replace('/', '_')}-math-{width}.png",
                          {"equations": EQUATIONS})
    equations = visit.checks["equations"]
    assert equations, f"{site}/{page}: no display equation to measure"
    for eq in equations:
        assert eq["width"] <= eq["column"] + 0.5 and eq["left"] >= -0.5 and eq["right"] >= -0.5, eq
        # Wider content must be reachable by scrolling inside the equation, not cut off.
        assert eq["content"] <= eq["visible"] + 1 or eq["overflow"] in ("auto", "scroll"), eq
    if width == 390:
        assert any(eq["content"] > eq["visible"] for eq in equations), "the test equation should overflow at 390 px"


def test_callouts_are_boxes(browser, served):
    visit = browser.visit(f"{served['fixture']}/chapters/details.html", 1280, 900,
                          SCREENSHOTS / "fixture-callouts.png", {"callouts": CALLOUTS})
    callouts = visit.checks["callouts"]
    assert [c["title"] for c in callouts] == ["Retention in a note", "A tip titled by its attribute", "Warning"]
    colours = {c["colour"] for c in callouts}
    assert len(colours) == 3, colours  # note, tip and warning each have their own colour
    for callout in callouts:
        assert callout["rule"] >= 4, callout
        assert callout["header"] not in ("rgba(0, 0, 0, 0)", "transparent"), callout


KEYS = """(() => {
  const input = document.querySelector('.navbar-search input[type=search]');
  const key = (target, name) => target.dispatchEvent(new KeyboardEvent('keydown', {key: name, bubbles: true}));
  const links = Array.from(document.querySelectorAll('.search-results a.search-result'));
  key(input, 'ArrowDown');
  const first = document.activeElement === links[0];
  key(document.activeElement, 'ArrowDown');
  const second = links.length < 2 || document.activeElement === links[1];
  key(document.activeElement, 'Escape');
  return {results: links.length, first, second, back: document.activeElement === input};
})()"""


def test_arrow_keys_walk_the_results(browser, served):
    visit = browser.visit(f"{served['report']}/index.html", 1280, 900, None,
                          {"search": SEARCH % '"retention"', "keys": KEYS})
    keys = visit.checks["keys"]
    assert keys["results"] >= 2 and keys["first"] and keys["second"] and keys["back"], keys
