"""Parsing .qmd files and numbering cross-references, checked against real Pandoc."""
from __future__ import annotations

import json

import pytest

from renderer.crossref import apply_crossrefs
from renderer.errors import ConfigError
from renderer.pandoc import markdown_to_ast, run_pandoc
from renderer.qmd import Chunk, Markdown, parse_qmd, replace_inline_expressions


def test_chunks_options_and_lines_are_parsed(tmp_path):
    source = tmp_path / "doc.qmd"
    source.write_text('---\ntitle: "T"\nexecute:\n  echo: false\n---\n\nIntro `{python} 1 + 1`.\n\n'
                      "```{python}\n#| label: fig-x\n#| fig-cap: \"A: caption\"\nplot()\n```\n\n"
                      "````markdown\n```{python}\nnot_a_chunk()\n```\n`{python} not_inline`\n````\n")
    doc = parse_qmd(source)
    assert doc.title == "T" and doc.front_matter["execute"] == {"echo": False}
    assert [type(p) for p in doc.parts] == [Markdown, Chunk, Markdown]
    chunk = doc.chunks[0]
    assert chunk.options == {"label": "fig-x", "fig-cap": "A: caption"}
    assert chunk.code == "plot()" and chunk.line == 9
    assert doc.parts[0].inline_expressions() == ["1 + 1"]
    assert doc.parts[2].inline_expressions() == []  # code shown inside a fence is not run
    assert replace_inline_expressions(doc.parts[0].text, ["2"]).strip() == "Intro 2."


@pytest.mark.parametrize("text, message", [
    ("```{r}\n1\n```\n", "only Python chunks"),
    ("```{python}\nx = 1\n", "never closed"),
    ("---\ntitle: [unclosed\n---\n", "not valid YAML"),
    ("```{python}\n#| echo: [\nx\n```\n", "chunk options"),
])
def test_malformed_documents_raise_actionable_errors(tmp_path, text, message):
    source = tmp_path / "bad.qmd"
    source.write_text(text)
    with pytest.raises(ConfigError, match=message):
        parse_qmd(source)


def _html(markdown: str, number_sections: bool) -> tuple[str, list]:
    ast = markdown_to_ast(markdown, "test")
    warnings = apply_crossrefs(ast, number_sections, lambda t: t.replace(".qmd", ".html"))
    return run_pandoc(["-f", "json", "-t", "html5", "--wrap=none"], json.dumps(ast), "test"), warnings


def test_sections_number_from_the_first_level_used():
    html, warnings = _html("## Intro {#sec-intro}\n\n### Detail {#sec-detail}\n\n## Next\n\n"
                           "See @sec-detail and @sec-intro.\n", number_sections=True)
    assert warnings == []
    assert '<span class="header-section-number">1.1</span> Detail' in html
    assert '<span class="header-section-number">2</span> Next' in html
    assert '<a href="#sec-detail" class="quarto-xref">Section 1.1</a>' in html
    assert '<a href="#sec-intro" class="quarto-xref">Section 1</a>' in html


def test_unnumbered_sections_are_referenced_by_title():
    html, _ = _html("## Intro {#sec-intro}\n\nSee @sec-intro.\n", number_sections=False)
    assert "header-section-number" not in html
    assert '<a href="#sec-intro" class="quarto-xref">Intro</a>' in html


def test_figures_and_tables_count_separately_and_unknown_refs_are_flagged():
    markdown = ("![First](a.png){#fig-a}\n\n| a |\n|---|\n| 1 |\n\n: Numbers {#tbl-n}\n\n"
                "::: {#fig-b}\n![](b.png)\n\nSecond\n:::\n\n"
                "See @fig-b, @tbl-n, [@fig-a; @fig-b] and @fig-missing. A [link](other.qmd#x).\n")
    html, warnings = _html(markdown, number_sections=False)
    assert "<figcaption>Figure 1: First</figcaption>" in html
    assert "<figcaption>Figure 2: Second</figcaption>" in html
    assert "<caption>Table 1: Numbers</caption>" in html
    assert '<a href="#fig-b" class="quarto-xref">Figure 2</a>' in html
    assert '<a href="#tbl-n" class="quarto-xref">Table 1</a>' in html
    assert ">Figure 1</a>, <a" in html  # a bracketed list of references
    assert "<strong>?@fig-missing</strong>" in html
    assert warnings == ["unable to resolve cross-reference @fig-missing"]
    assert 'href="other.html#x"' in html
