"""Headless Chromium loads every page of the site from a local server.

No console errors, no request leaving localhost, the layout collapses on a
phone-sized screen, and a screenshot of each page is saved to
``tests/artifacts/screenshots/`` for people to look at.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from chromium_cdp import Chromium, chromium_path, serve
from render_helpers import SCREENSHOTS

# Skipped on a workstation without Chromium, never under CI (CI=true), where it must fail instead.
pytestmark = pytest.mark.skipif(chromium_path() is None and os.environ.get("CI") != "true",
                                reason="chromium is not installed (make system-deps)")

LOCAL_HOSTS = {"127.0.0.1", "localhost"}

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


@pytest.fixture(scope="module")
def browser():
    with Chromium() as chromium:
        yield chromium


def test_every_page_loads_cleanly_and_offline(site, browser):
    name, folder = site
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    assert pages, f"{name}: no HTML pages in {folder}"
    server, base = serve(folder)
    try:
        for page in pages:
            stem = page.replace("/", "_").removesuffix(".html")
            wide = browser.visit(f"{base}/{page}", 1400, 900, SCREENSHOTS / f"{name}-{stem}.png", CHECKS)
            assert wide.console_errors == [], f"{name}/{page}: console errors {wide.console_errors}"
            outside = [u for u in wide.requests
                       if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname not in LOCAL_HOSTS]
            assert outside == [], f"{name}/{page}: requests left localhost: {outside}"
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
    finally:
        server.shutdown()
    assert (SCREENSHOTS / f"{name}-index.png").stat().st_size > 10_000
