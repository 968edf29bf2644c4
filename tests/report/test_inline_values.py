"""Every inline `{python}` value in the report is plain text: a str, int or float, no markup.

Quarto inserts an inline value's ``text/plain`` repr with markdown escaped
(quarto-cli ``src/core/jupyter/jupyter-inline.ts``), so a value holding a code
span shows its backticks, and a NumPy scalar shows as ``np.float64(...)``. The
builtin renderer does the same. Each page's setup chunk is executed as the page
runs it, then each inline expression of that page is evaluated on the default data.
"""
from __future__ import annotations

import re

import pytest

import pypandoc

from analysis.config import ROOT
from analysis.io.escape_markdown import MarkdownText
from renderer.qmd import Markdown, parse_qmd

PAGES = ["index.qmd", "executive.qmd", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.qmd"))]
# Characters that would be markup if a value were pasted as markdown (none is intended in a
# value). "<" followed by a space ("p < 0.001") cannot open an HTML tag or autolink, so it is
# allowed; Quarto's inline escaping leaves "<" alone.
MARKUP = re.compile(r"[`*_\[\]>{}|\\~^]|<(?! )|^#|\n")


def _inline_cases():
    cases = []
    for page in PAGES:
        document = parse_qmd(ROOT / page)
        for part in document.parts:
            if isinstance(part, Markdown):
                cases.extend((page, expression) for expression in part.inline_expressions())
    return cases


CASES = _inline_cases()


@pytest.fixture(scope="module")
def namespaces():
    """Each page's namespace after its chunks that define names (those before any inline value)."""
    spaces = {}
    for page in {page for page, _ in CASES}:
        document = parse_qmd(ROOT / page)
        namespace: dict = {}
        setup = document.chunks[0]  # every page opens with its include: false setup chunk
        exec(compile(setup.code, f"{page} (setup chunk)", "exec"), namespace)
        spaces[page] = namespace
    return spaces


def test_the_report_has_inline_values_to_check():
    pages = {page for page, _ in CASES}
    assert {"index.qmd", "executive.qmd", "chapters/data.qmd", "chapters/model.qmd"} <= pages, pages
    assert len(CASES) >= 10, CASES


@pytest.mark.parametrize("page, expression", CASES, ids=[f"{p}:{e}" for p, e in CASES])
def test_an_inline_value_is_plain_text(namespaces, page, expression):
    value = eval(expression, namespaces[page])  # noqa: S307 - the report's own source
    if type(value) is MarkdownText:
        # Already markdown (a `text/markdown` display, inserted as is by Quarto and the builtin):
        # everything from data is escaped, so Pandoc makes nothing of it but text and code spans.
        html = pypandoc.convert_text(str(value), "html", format="markdown").strip()
        assert not re.search(r"<(?!/?(p|code)>)", html), f"{page}: `{expression}` makes markup: {html!r}"
        return
    # Exact types: NumPy scalars subclass float/int but print as np.float64(...) under Quarto.
    assert type(value) in (str, int, float), f"{page}: `{expression}` is {type(value).__module__}.{type(value).__name__}"
    text = str(value)
    assert text.strip(), f"{page}: `{expression}` is empty"
    assert not MARKUP.search(text), f"{page}: `{expression}` holds markup: {text!r}"
    # Pandoc reads $...$ as math only when the closing $ is not followed by a digit; a money
    # amount's $ is always followed by one, so it can never close (or, paired, open) math.
    assert all(re.match(r"\$\d", text[i:]) for i in range(len(text)) if text[i] == "$"), text


def test_the_data_source_sentence_names_the_file_as_a_literal_code_span(namespaces):
    sentence = eval("report.data_source_sentence(r)", namespaces["chapters/data.qmd"])
    assert type(sentence) is MarkdownText  # inserted as markdown, so the backticks are a code span
    html = pypandoc.convert_text(str(sentence), "html", format="markdown")
    assert "<code>customers.csv</code>" in html and "`" not in html
