"""Finding 2 on a real build: hostile file names and order-log paths reach no page or PDF as markup.

One build (reused by every test here) of the project's data saved under a name that
carries both an HTML payload and a Typst raw-attribute payload, with an order log whose
path carries another HTML payload. Chromium loads the pages that print those names and
checks that no script ran; ``pdftotext`` checks that the PDF prints the Typst payload as
text. Refused inputs against this site then leave every one of its files unchanged.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from hostile_cli import REPO, assert_clean_refusal, run_cli, tree_hashes

sys.path.insert(0, str(REPO / "tests" / "renderer"))
from chromium_cdp import Chromium, chromium_path, serve  # noqa: E402

HTML_PAYLOAD = "<img src=x onerror=document.title=1>"
TYPST_PAYLOAD = "#text(fill:red)[PWNED-TYPST];"
DATA_NAME = f"evil`{HTML_PAYLOAD}`brief`{TYPST_PAYLOAD}`{{=typst}}.csv"
ORDER_LOG_NAME = "orders<img src=x onerror=document.title=2>.csv"
PAGES = ("index.html", "chapters/data.html", "chapters/methods.html", "chapters/segmentation.html")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from analysis.orders.synthetic import generate_order_log

    folder = tmp_path_factory.mktemp("hostile-build")
    data = folder / DATA_NAME
    shutil.copyfile(REPO / "data" / "customers.csv", data)
    orders = folder / ORDER_LOG_NAME
    generate_order_log(orders, 4000)
    site = folder / "site"
    completed = run_cli("render", "--engine", "builtin", "--data", str(data), "--out", str(site),
                        env={"ORDER_LOG": str(orders), "REPORT_RENDER_CACHE": str(folder / "cache")})
    assert completed.returncode == 0, completed.stderr[-4000:]
    return {"folder": folder, "site": site, "data": data}


def _title_of(page_html: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page_html, re.S).group(1)).strip()


def test_no_script_runs_for_hostile_names(hostile_site):
    if chromium_path() is None:
        pytest.fail("Chromium is needed to check that no script ran (apt-get install chromium)")
    site = hostile_site["site"]
    server, base = serve(site)
    checks = {"title": "document.title",
              "planted_images": "document.querySelectorAll('img[src=\"x\"]').length",
              "text": "document.body.innerText"}
    try:
        with Chromium() as browser:
            visits = {page: browser.visit(f"{base}/{page}", 1200, 900, None, checks) for page in PAGES}
    finally:
        server.shutdown()
    for page, visit in visits.items():
        expected = _title_of((site / page).read_text(encoding="utf-8"))
        assert visit.checks["title"] == expected, (page, visit.checks["title"])
        assert visit.checks["planted_images"] == 0, page
    for page in ("index.html", "chapters/data.html", "chapters/methods.html"):
        assert DATA_NAME in visits[page].checks["text"], f"{page} should print the data file name literally"
    assert ORDER_LOG_NAME in visits["chapters/segmentation.html"].checks["text"]


def test_no_hostile_markup_in_the_html_source(hostile_site):
    for page in PAGES:
        text = (hostile_site["site"] / page).read_text(encoding="utf-8")
        assert "<img src=x" not in text and "<img src=\"x\"" not in text, page


def test_the_typst_payload_is_printed_not_executed(hostile_site):
    pdf = hostile_site["site"] / "executive.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())  # the name may wrap across lines
    assert "".join(TYPST_PAYLOAD.split()) in flat, "the Typst payload should appear literally in the PDF"
    assert flat.count("PWNED-TYPST") == flat.count("#text(fill:red)[PWNED-TYPST]")


def test_downloads_are_strict_json_and_name_this_data(hostile_site):
    from analysis.data import file_sha256

    def refuse(name):
        raise ValueError(name)

    contract = json.loads((hostile_site["site"] / "downloads" / "model.json").read_text(), parse_constant=refuse)
    assert contract["data_sha256"] == file_sha256(hostile_site["data"])


HOSTILE_PREVIOUS = [
    {"segment_counts": {"<img src=x onerror=document.title=3>": 5}},
    {"se_type": "<script>document.title=4</script>"},
    {"reference": "<b>x</b>"},
    {"r_squared": float("inf")},
]


@pytest.mark.parametrize("change", HOSTILE_PREVIOUS, ids=["segment-key", "se_type", "reference", "infinity"])
def test_a_hostile_previous_model_is_refused_and_the_site_is_unchanged(hostile_site, tmp_path, change):
    site = hostile_site["site"]
    contract = json.loads((site / "downloads" / "model.json").read_text())
    contract.update(change)
    previous = tmp_path / "model.json"
    previous.write_text(json.dumps(contract))  # json.dumps writes Infinity for inf, as an attacker may
    before = tree_hashes(site)
    completed = run_cli("render", "--engine", "builtin", "--data", str(hostile_site["data"]), "--out", str(site),
                        "--previous", str(previous))
    named = "Infinity" if change.get("r_squared") == float("inf") else next(iter(change))
    assert_clean_refusal(completed, "--previous", "not a model.json", named)
    assert tree_hashes(site) == before


def test_bad_data_against_an_existing_site_changes_none_of_its_files(hostile_site, tmp_path):
    site = hostile_site["site"]
    wide = tmp_path / "wide.csv"
    wide.write_bytes((REPO / "data" / "customers.csv").read_text().encode("utf-16"))
    before = tree_hashes(site)
    completed = run_cli("render", "--engine", "builtin", "--data", str(wide), "--out", str(site))
    assert_clean_refusal(completed, "UTF-16")
    assert tree_hashes(site) == before
