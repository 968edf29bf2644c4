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

from .escape_core import backslash_escaper, single_line

# Every ASCII punctuation character, the set Pandoc lets a backslash escape.
_escape_punctuation = backslash_escaper(string.punctuation)


def markdown_text(value: object) -> str:
    """``value`` as literal markdown text.

    >>> markdown_text("evil`<img src=x>`.csv")
    'evil\\\\`\\\\<img src\\\\=x\\\\>\\\\`\\\\.csv'
    """
    return _escape_punctuation(value)


def markdown_code(value: object) -> str:
    """``value`` as an inline code span, whatever backticks it holds (CommonMark's fence rule)."""
    text = single_line(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


class MarkdownText(str):
    """A string that is already markdown, for an inline `` `{python} expr` `` value.

    Quarto (and the builtin renderer) inserts a plain ``str`` with only part of
    markdown's punctuation escaped (``<`` and ``$`` pass through, so a file name
    holding ``<img onerror=…>`` would become raw HTML). A value with a
    ``text/markdown`` display is inserted as it is, so the text escaped here with
    :func:`markdown_text` / :func:`markdown_code` is exactly what the page shows.
    It is still a ``str`` for every other use.
    """

    def _repr_markdown_(self) -> str:
        return str(self)
