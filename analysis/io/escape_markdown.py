"""Text from data or the file system, made literal inside Pandoc/Quarto markdown.

Pandoc lets a backslash escape any ASCII punctuation, so escaping all of it is
the one rule that cannot miss a construct: emphasis, code spans, raw
attributes (`` `...`{=typst} ``), links, HTML tags, math, cross-references
(``@fig-x``) and Quarto shortcodes (``{{< >}}``) all become plain characters.
Line breaks become spaces, so a value cannot open a new block.
"""
from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def markdown_text(value: object) -> str:
    """``value`` as literal markdown text.

    >>> markdown_text("evil`<img src=x>`.csv")
    'evil\\\\`\\\\<img src\\\\=x\\\\>\\\\`\\\\.csv'
    """
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))


def markdown_code(value: object) -> str:
    """``value`` as an inline code span, whatever backticks it holds (CommonMark's fence rule)."""
    text = _LINE_BREAKS.sub(" ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
