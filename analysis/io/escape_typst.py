"""Text from data or the file system, made literal inside Typst markup and Typst strings.

In markup every character with a meaning (``#`` code, ``$`` math, ``[ ]``
content, ``* _`` emphasis, `` ` `` raw, ``< >`` labels, ``@`` references,
``\\`` escapes, ``~`` non-breaking space, ``/ = - +`` list and heading
markers) is backslash-escaped, which Typst reads as the literal character.
"""
from __future__ import annotations

import re

_MARKUP_SPECIAL = re.compile(r"([\\#$\[\]*_`<>@~/=\-+'\"])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def typst_markup(value: object) -> str:
    """``value`` as literal Typst markup text.

    >>> typst_markup("brief`#text(fill:red)[PWNED]`")
    'brief\\\\`\\\\#text(fill:red)\\\\[PWNED\\\\]\\\\`'
    """
    return _MARKUP_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))


def typst_string(value: object) -> str:
    """``value`` as a double-quoted Typst string literal (for code mode: ``#text("...")``)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _LINE_BREAKS.sub(" ", text) + '"'
