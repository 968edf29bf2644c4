"""Text from data or the file system, made literal inside Typst markup and Typst strings.

In markup every character with a meaning (``#`` code, ``$`` math, ``[ ]``
content, ``* _`` emphasis, `` ` `` raw, ``< >`` labels, ``@`` references,
``\\`` escapes, ``~`` non-breaking space, ``/ = - +`` list and heading
markers) is backslash-escaped, which Typst reads as the literal character.
"""
from __future__ import annotations

from .escape_core import backslash_escaper, single_line

# The characters listed above, each with a meaning in markup.
_escape_markup = backslash_escaper("\\#$[]*_`<>@~/=-+'\"")


def typst_markup(value: object) -> str:
    """``value`` as literal Typst markup text.

    >>> typst_markup("brief`#text(fill:red)[PWNED]`")
    'brief\\\\`\\\\#text(fill:red)\\\\[PWNED\\\\]\\\\`'
    """
    return _escape_markup(value)


def typst_string(value: object) -> str:
    """``value`` as a double-quoted Typst string literal (for code mode: ``#text("...")``)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + single_line(text) + '"'
