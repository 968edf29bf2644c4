"""One escaping function per target, for every string that comes from data or the file system.

A file name such as ``orders_*draft*_<b>.csv`` or a ``$`` in a label must print as itself:
in Markdown (which becomes HTML and Typst), and in matplotlib text, where two dollar
signs start mathtext. Tables need nothing here: great_tables escapes cell text for HTML,
and Pandoc escapes what it writes to Typst.
"""
from __future__ import annotations

import string

_MARKDOWN_SPECIAL = set(string.punctuation)


def markdown_text(text: object) -> str:
    """``text`` as literal Markdown: every ASCII punctuation character backslash-escaped.

    Pandoc (and CommonMark) let a backslash escape any ASCII punctuation, so escaping all
    of it is always safe and needs no list of which characters matter where. Line breaks
    become spaces, so a value cannot start a heading or a list.

    >>> markdown_text("data/*new*_<b>.csv")
    'data\\\\/\\\\*new\\\\*\\\\_\\\\<b\\\\>\\\\.csv'
    """
    flat = " ".join(str(text).split())
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in flat)


def plot_text(text: object) -> str:
    r"""``text`` for matplotlib with mathtext left on: every ``$`` escaped as ``\$``.

    >>> plot_text("$100-$150")
    '\\$100-\\$150'
    """
    return str(text).replace("$", r"\$")
