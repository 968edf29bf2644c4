"""A campaign list is a DataTable in HTML and a static, escaped table in a PDF.

The PDF path is exercised for real: a one-page project with ``format: typst``
is rendered by the builtin renderer, which takes ``text/markdown`` before
``text/html`` for Typst as Quarto does, and the PDF's text is read back.
"""
from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pypandoc
import pytest

from analysis.report import campaign_lists
from analysis.report.setup import setup

HOSTILE = "*C1* $x$ `y` <b>z</b> @fig-a #set"


@pytest.fixture(scope="module")
def targeting():
    return setup().targeting


def _with_hostile_first_id(target):
    members = target.members.copy()
    members.loc[0, "CustomerID"] = HOSTILE
    return dataclasses.replace(target, members=members)


def test_the_bundle_has_an_offline_datatable_and_a_static_twin(targeting):
    target = targeting.by_key("winback")
    bundle = campaign_lists.campaign_table(target)._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/markdown", "text/plain"}
    html = bundle["text/html"]
    assert 'id="campaign-winback"' in html and "quarto-html-table-processing: none" in html
    assert "connected" not in html and "unpkg" not in html  # offline: no CDN import
    library = campaign_lists.datatables_library()._repr_mimebundle_()
    assert library["text/markdown"] == "" and library["text/plain"] == ""
    assert "unpkg" not in library["text/html"] and len(library["text/html"]) > 500_000  # the embedded bundle
    markdown = bundle["text/markdown"]
    assert sum(line.startswith("| ") for line in markdown.splitlines()) == campaign_lists.STATIC_ROWS + 1
    assert f"of {target.size:,} customers" in markdown and "winback\\_list\\.csv" in markdown


def test_numbers_stay_numbers_so_datatables_sorts_them(targeting):
    frame = campaign_lists.display_frame(targeting.by_key("retention"))
    assert str(frame["Days since last order"].dtype) == "int64"
    assert frame["RFM-predicted value (USD)"].is_monotonic_decreasing  # the initial order
    assert frame["Modelled value (USD)"].dtype.kind == "f"


def test_a_hostile_customer_id_is_text_in_both_representations(targeting):
    table = campaign_lists.campaign_table(_with_hostile_first_id(targeting.by_key("winback")))
    assert "<b>z</b>" not in table.html and "&lt;b&gt;z&lt;/b&gt;" in table.html
    plain = pypandoc.convert_text(table.markdown, "plain", format="markdown", extra_args=["--wrap=none"])
    assert HOSTILE in plain, plain[:400]
    typst = pypandoc.convert_text(table.markdown, "typst", format="markdown")
    assert "#set" not in typst.replace("\\#set", "")  # no live Typst code from the data


def test_the_pdf_shows_the_static_table_not_the_widget(tmp_path):
    from renderer import render_project

    project = tmp_path / "project"
    project.mkdir()
    (project / "_quarto.yml").write_text(
        "project:\n  type: website\n  render:\n    - lists.qmd\nwebsite:\n  title: Lists\n", encoding="utf-8")
    (project / "lists.qmd").write_text(
        '---\ntitle: "Lists"\nformat:\n  typst:\n    papersize: a4\n---\n\n'
        "```{python}\n#| include: false\nfrom analysis.report import campaign_lists\n"
        "from analysis.report.setup import setup\nlists = setup().targeting\n```\n\n"
        "```{python}\ncampaign_lists.datatables_library()\n```\n\n"
        '```{python}\ncampaign_lists.campaign_table(lists.by_key("upsell"))\n```\n', encoding="utf-8")
    built = render_project(project, tmp_path / "site", progress=lambda line: None)
    pdf = built.out_dir / "lists.pdf"
    assert pdf.is_file()
    assert shutil.which("pdftotext"), "poppler-utils is required (make system-deps)"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    first = setup().targeting.by_key("upsell").members["CustomerID"].iloc[0]
    assert first in text and "RFM-predicted value" in text and "upsell_list.csv" in text, text[:800]
    assert "IPython" not in text and "Loading ITables" not in text and "init_notebook_mode" not in text



def _embedded_ids(html: str) -> list:
    """The customer IDs of the rows the DataTable embeds (itables' ``data_json``)."""
    import json
    import re

    encoded = re.search(r'"data_json": ("(?:[^"\\]|\\.)*")', html).group(1)
    return [row[0] for row in json.loads(json.loads(encoded))]


def test_the_web_table_holds_the_top_of_a_long_list_and_says_where_the_rest_is(targeting):
    target = targeting.by_key("retention")
    assert target.size > 30, "the default data's retention list should be longer than the cut used here"
    ids = target.members["CustomerID"].astype(str).tolist()
    table = campaign_lists.campaign_table(target, interactive_rows=25)
    assert _embedded_ids(table.html) == ids[:25]
    assert f"the top 25 of {target.size:,} customers" in table.html and "retention_list.csv" in table.html
    full = campaign_lists.campaign_table(target)  # the default cut is above the default data's lists
    assert _embedded_ids(full.html) == ids and "campaign-note" not in full.html
