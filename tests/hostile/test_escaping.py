"""Finding 2 at the unit level: every name that reaches a page goes through its target's escaping.

Pandoc (the pinned binary the renderer uses) reads what the report functions print, so
a test fails if a name could open a tag, a code span or a raw Typst block.
"""
from __future__ import annotations

import json
import re
import shutil

import pypandoc
import pytest

from analysis.io.previous_model import contract_problem, read_previous_model
from analysis.model.cache import with_provenance_of
from analysis.model.changes import Comparison
import importlib

colophon_module = importlib.import_module("analysis.report.colophon")
from analysis.report.changes import what_changed

from hostile_cli import REPO

NAME = "evil`<img src=x onerror=document.title=1>`brief`#text(fill:red)[PWNED-TYPST];`{=typst}.csv"


@pytest.fixture(scope="module")
def hostile_named(results, tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / NAME
    shutil.copyfile(REPO / "data" / "customers.csv", path)
    return with_provenance_of(results, path)


def _html(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "html", format="markdown")


def _typst(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "typst", format="markdown")


@pytest.mark.parametrize("render", ["colophon_markdown", "data_source_sentence", "data_line"])
def test_file_names_print_literally_in_html_and_typst(hostile_named, render):
    markdown = str(getattr(colophon_module, render)(hostile_named))
    page = " ".join(_html(markdown).split())
    assert "<img" not in page and "&lt;img src=x onerror=document.title=1&gt;" in page
    typst = _typst(markdown)
    assert "PWNED-TYPST" in typst
    # Outside string literals (pandoc writes a code span as raw("...")), the payload is only ever escaped.
    markup = re.sub(r'"(?:[^"\\]|\\.)*"', '""', typst)
    assert "#text(fill:red)" not in markup.replace("\\#text(fill:red)", "")


def test_inline_values_are_markdown_for_the_inline_inserter(hostile_named):
    for value in (colophon_module.data_source_sentence(hostile_named), colophon_module.data_line(hostile_named)):
        assert value._repr_markdown_() == str(value)  # inserted as markdown, not partially escaped text


def test_the_typst_footer_escapes_the_name(hostile_named):
    block = colophon_module.typst_provenance_footer(hostile_named)
    body = block.split("\n")[1]
    assert "\\#text(fill:red)\\[PWNED\\-TYPST\\]" in body
    assert body.count("[") - body.count("\\[") == body.count("]") - body.count("\\]")


def test_a_hostile_problem_is_escaped_in_what_changed():
    text = what_changed(Comparison(changes=None, problem="<img src=x onerror=alert(1)> `{=html}"))
    assert "<img" not in _html(text)


@pytest.mark.parametrize("change, needle", [
    ({"segment_counts": {"<img src=x>": 1}}, "not segment names"),
    ({"misaligned_by_segment": {"<b>": 1}}, "not segment names"),
    ({"se_type": "<script>"}, "'se_type'"),
    ({"reference": "<b>x</b>"}, "'reference'"),
    ({"n": 1.5}, "'n'"),
    ({"alpha": 7}, "'alpha'"),
])
def test_hostile_contract_fields_are_refused(results, change, needle):
    from analysis.io.export import model_contract

    contract = {**model_contract(results), **change}
    assert needle in (contract_problem(contract) or "")


def test_non_finite_numbers_in_a_previous_model_are_refused(tmp_path, results):
    from analysis.io.export import model_contract

    contract = model_contract(results)
    contract["r_squared"] = float("nan")
    path = tmp_path / "model.json"
    path.write_text(json.dumps(contract))
    assert "NaN" in read_previous_model(path).problem


def test_a_missing_duckdb_file_is_not_created(tmp_path):
    from analysis.errors import OrderLogError
    from analysis.orders.read import open_order_log

    missing = tmp_path / "missing.duckdb"
    with pytest.raises(OrderLogError, match="no such database file"):
        open_order_log(f"duckdb:///{missing}#orders")
    assert not missing.exists()
