"""Headless Chromium loads every page of the site from a local server.

No console errors, no request leaving localhost, the layout collapses on a
phone-sized screen, and a screenshot of each page is saved to
``tests/artifacts/screenshots/`` for people to look at.
"""
from __future__ import annotations

import pytest
from chromium_cdp import needs_chromium, off_host, serving
from render_helpers import SCREENSHOTS

pytestmark = needs_chromium

CHECKS = {
    "navbar_links": "document.querySelectorAll('.navbar .nav-link').length",
    # "absent" for a site whose navigation is the navbar alone (the report).
    "sidebar_display": "document.querySelector('.sidebar') ? "
                       "getComputedStyle(document.querySelector('.sidebar')).display : 'absent'",
    "toc_display": "document.querySelector('#TOC') ? getComputedStyle(document.querySelector('#TOC')).display : 'none'",
    "broken_images": "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length",
    "horizontal_overflow": "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1",
}


@pytest.fixture(scope="module", params=["fixture", "report"])
def site(request):
    # Both the fixture site and the real report; the report is built by its own CLI.
    return request.param, request.getfixturevalue("fixture_site" if request.param == "fixture" else "report_site")


def test_every_page_loads_cleanly_and_offline(site, browser):
    name, folder = site
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    assert pages, f"{name}: no HTML pages in {folder}"
    with serving(folder) as base:
        for page in pages:
            stem = page.replace("/", "_").removesuffix(".html")
            wide = browser.visit(f"{base}/{page}", 1400, 900, SCREENSHOTS / f"{name}-{stem}.png", CHECKS)
            assert wide.console_errors == [], f"{name}/{page}: console errors {wide.console_errors}"
            assert off_host(wide) == [], f"{name}/{page}: requests left localhost: {off_host(wide)}"
            assert wide.failed_requests == [], f"{name}/{page}: failed requests {wide.failed_requests}"
            assert wide.checks["broken_images"] == 0, f"{name}/{page}: an image did not load"
            assert wide.checks["navbar_links"] >= 2
            assert wide.checks["sidebar_display"] != "none"
            assert (wide.checks["sidebar_display"] == "absent") == (name == "report"), wide.checks

            narrow = browser.visit(f"{base}/{page}", 390, 844, SCREENSHOTS / f"{name}-{stem}-narrow.png", CHECKS)
            assert narrow.console_errors == []
            assert narrow.checks["sidebar_display"] in ("none", "absent"), \
                f"{name}/{page}: sidebar not folded on a phone"
            assert narrow.checks["toc_display"] == "none"
            assert narrow.checks["horizontal_overflow"] is False, f"{name}/{page}: page wider than a phone"
    assert (SCREENSHOTS / f"{name}-index.png").stat().st_size > 10_000
