"""Inline HTML inside a table cell as Typst markup.

Text goes into Typst as string literals passed through one function
(``qr-t``), so no character of the data is ever read as markup (``*``, ``#``,
``$``, ``[``), and the table writer can redefine that function to measure the
narrowest width a column's words allow. Emphasis, strong, code, links,
sub/superscripts and line breaks keep their meaning; any other element that
sets its own colour, weight, style or size keeps that look.
"""
from __future__ import annotations

import re

from . import typst_css as css
from .html_tree import Element

# The Typst function each text run is passed through (defined by renderer.typst_table).
TEXT_FUNCTION = "qr-t"
_WHITESPACE = re.compile(r"\s+")


def inline_markup(element: Element) -> str:
    """The element's content as Typst markup: text as string literals, so nothing is read as markup."""
    pieces = _inline(element)
    while pieces and pieces[0] == ("text", " "):
        pieces.pop(0)
    while pieces and pieces[-1] == ("text", " "):
        pieces.pop()
    if pieces and pieces[0][0] == "text":
        pieces[0] = ("text", pieces[0][1].lstrip())
    if pieces and pieces[-1][0] == "text":
        pieces[-1] = ("text", pieces[-1][1].rstrip())
    return "".join(f"#{TEXT_FUNCTION}({css.typst_string(value)})" if kind == "text" else value
                   for kind, value in pieces if value)


def _inline(element: Element) -> list[tuple[str, str]]:
    nowrap = element.style.get("white-space", "").strip().lower() in ("nowrap", "pre")
    pieces: list = []
    for child in element.children:
        if isinstance(child, str):
            text = _WHITESPACE.sub(" ", child)
            if nowrap:
                text = text.replace(" ", "\u00a0")
            if pieces and pieces[-1][0] == "text":
                joined = pieces[-1][1] + text
                pieces[-1] = ("text", joined.replace("  ", " "))
            elif text:
                pieces.append(("text", text))
            continue
        if css.is_hidden(child) or child.tag in ("style", "script", "img"):
            continue
        if child.tag == "br":
            pieces.append(("code", "#linebreak()"))
            continue
        inner = inline_markup(child)
        wrapped = _wrap(child, inner)
        if wrapped:
            pieces.append(("code", wrapped))
    return pieces


def _wrap(child: Element, inner: str) -> str:
    """``inner`` inside what ``child`` adds: emphasis, a link, raw code, its own text style or rule."""
    tag = child.tag
    if tag in ("code", "kbd", "samp", "tt"):
        return f"#raw({css.typst_string(child.text())})"
    if not inner:
        return ""
    if tag in ("strong", "b"):
        inner = f"#strong[{inner}]"
    elif tag in ("em", "i", "cite", "var"):
        inner = f"#emph[{inner}]"
    elif tag == "sup":
        inner = f"#super[{inner}]"
    elif tag == "sub":
        inner = f"#sub[{inner}]"
    elif tag == "a" and child.attrs.get("href"):
        inner = f"#link({css.typst_string(child.attrs['href'])})[{inner}]"
    parent_text = css.text_settings(child.parent.style) if child.parent is not None else {}
    own = {k: v for k, v in css.text_settings(child.style).items() if parent_text.get(k) != v}
    if own:
        inner = f"#text({css.text_arguments(own)})[{inner}]"
    return inner
