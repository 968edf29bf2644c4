"""The escaping core both text targets share: one line, a backslash before each special character."""
from __future__ import annotations

import string

import pytest

from analysis.io.escape_core import backslash_escaper, single_line
from analysis.io.escape_markdown import markdown_code, markdown_text
from analysis.io.escape_typst import typst_markup, typst_string


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\u2028", "\u2029", "\n\n\r\n"])
def test_every_kind_of_line_break_becomes_one_space(brk):
    assert single_line(f"a{brk}b") == "a b"
    for escape in (markdown_text, markdown_code, typst_markup, typst_string):
        assert brk not in escape(f"a{brk}b")


def test_only_the_special_characters_get_a_backslash():
    escape = backslash_escaper("\\*[]")
    assert escape("a*b[c]d\\e_f") == "a\\*b\\[c\\]d\\\\e_f"
    assert escape(12.5) == "12.5"  # any value, as its str


def test_markdown_escapes_all_ascii_punctuation_and_typst_its_own_set():
    assert markdown_text(string.punctuation) == "".join("\\" + c for c in string.punctuation)
    assert typst_markup("a.b,c(d)") == "a.b,c(d)"  # plain in Typst markup
    assert typst_markup("#$[]*_`<>@~/=-+'\"\\") == "".join("\\" + c for c in "#$[]*_`<>@~/=-+'\"\\")
