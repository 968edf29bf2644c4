"""The two rules the Markdown and Typst escapers share: one line, and a backslash before each special character.

Both Pandoc markdown and Typst markup read ``\\c`` as the literal character ``c``,
and both can start a new block at a line break. So the rules live here once, and
each target's module (:mod:`~analysis.io.escape_markdown`,
:mod:`~analysis.io.escape_typst`) only says which characters are special to it.
"""
from __future__ import annotations

import re
from collections.abc import Callable

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def single_line(value: object) -> str:
    """``str(value)`` with every run of line breaks (CR, LF, U+2028, U+2029) made one space.

    >>> single_line("a\\r\\n\\nb\\u2028c")
    'a b c'
    """
    return _LINE_BREAKS.sub(" ", str(value))


def backslash_escaper(special: str) -> Callable[[object], str]:
    """A function that puts a backslash before each character of ``special``, on :func:`single_line` text.

    >>> backslash_escaper("*_")("a*b_c\\nd")
    'a\\\\*b\\\\_c d'
    """
    pattern = re.compile("[" + re.escape(special) + "]")

    def escape(value: object) -> str:
        return pattern.sub(r"\\\g<0>", single_line(value))

    return escape
