"""The targeting page's campaign lists are live DataTables in headless Chromium, offline.

Sorting, searching and paging are exercised through the page itself (clicks and
typing), with every request the page makes checked to stay on localhost.
"""
from __future__ import annotations

import pytest
from chromium_cdp import needs_chromium, off_host, serving
from render_helpers import SCREENSHOTS

pytestmark = needs_chromium

# Waits (at most 10 s, in the page) for DataTables to initialise every list, then drives the
# win-back list: sort by the first column, search for the customer on its second row, page.
LISTS = """(async () => {
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  const ids = ['campaign-winback', 'campaign-retention', 'campaign-upsell'];
  for (let i = 0; i < 200; i++) {
    if (ids.every(id => document.getElementById(id)?.classList.contains('dataTable'))) break;
    await sleep(50);
  }
  const table = document.getElementById('campaign-winback');
  if (!table.classList.contains('dataTable')) return {error: 'DataTables did not initialise'};
  const container = table.closest('.dt-container');
  const rows = () => Array.from(table.querySelectorAll('tbody tr')).map(tr => tr.cells[0].textContent);
  const result = {initialised: ids.filter(id => document.getElementById(id).classList.contains('dataTable')),
                  headers: Array.from(table.querySelectorAll('thead th')).map(th => th.textContent.trim()),
                  first: rows(), visible: table.getBoundingClientRect().width,
                  pager: container.querySelectorAll('.dt-paging button, .dt-paging a').length,
                  info: container.querySelector('.dt-info')?.textContent || ''};
  table.querySelector('thead th .dt-column-order').click();     // sort by customer ID (itables: icon-only)
  await sleep(300);
  result.sorted = rows();
  const search = container.querySelector('.dt-search input');
  result.search = !!search;
  const wanted = result.first[1];
  search.value = wanted;
  search.dispatchEvent(new Event('input', {bubbles: true}));
  await sleep(600);
  result.filtered = rows();
  result.wanted = wanted;
  result.page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  return result;
})()"""


@pytest.fixture(scope="module")
def served(report_site):
    with serving(report_site) as base:
        yield base


@pytest.mark.parametrize("width", [1280, 390])
def test_campaign_lists_sort_search_and_page_offline(browser, served, width):
    visit = browser.visit(f"{served}/chapters/targeting.html", width, 900,
                          SCREENSHOTS / f"report-targeting-{width}.png", {"lists": LISTS})
    lists = visit.checks["lists"]
    assert "error" not in lists, lists
    assert lists["initialised"] == ["campaign-winback", "campaign-retention", "campaign-upsell"], lists
    assert lists["headers"][0] == "Customer" and "RFM-predicted value (USD)" in lists["headers"], lists
    assert len(lists["first"]) == 10 and lists["pager"] >= 2, lists  # paged, 10 rows a page
    assert "of" in lists["info"] and "entries" in lists["info"], lists["info"]
    # Sorting: the first column is now in ascending order, which the RFM order was not.
    assert lists["sorted"] == sorted(lists["sorted"]) and lists["sorted"] != lists["first"], lists
    # Filtering: searching one customer's ID leaves that customer only.
    assert lists["search"] and lists["filtered"] == [lists["wanted"]], lists
    assert visit.console_errors == [], visit.console_errors
    assert off_host(visit) == [], off_host(visit)
    if width == 390:  # the table scrolls inside its own box; the page itself does not get wider
        assert lists["page"] <= 1, lists
