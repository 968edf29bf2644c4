"""Callout blocks (``::: {.callout-note}``) as boxes, for the HTML page and the Typst PDF.

Quarto's rules (https://quarto.org/docs/authoring/callouts.html), applied to
the Pandoc AST that both outputs share:

* five types: ``note``, ``tip``, ``warning``, ``important``, ``caution``;
* the title is the ``title="..."`` attribute, else the callout's first
  heading (which is then removed from the body, so it never reaches the
  page's table of contents nor the section numbering), else the type's name
  ("Note", "Tip", ...);
* anything else in the div is the body.

HTML gets Quarto's class names (``callout callout-note callout-titled``,
``callout-header``, ``callout-body``) styled by ``site.css``; Typst gets a
``#block`` with the type's colour, written as raw Typst around the body.
"""
from __future__ import annotations

import json

from .pandoc import run_pandoc

TYPES = ("note", "tip", "warning", "important", "caution")
# Quarto's callout colours (Bootstrap's primary, success, warning, danger and orange).
COLOURS = {"note": "#0d6efd", "tip": "#198754", "warning": "#ffc107", "important": "#dc3545",
           "caution": "#fd7e14"}


def _callout_type(classes: list) -> str | None:
    for name in classes:
        if name.startswith("callout-") and name[len("callout-"):] in TYPES:
            return name[len("callout-"):]
    return None


def _title_from_attribute(value: str) -> list:
    """Inline markdown in ``title="..."`` (Quarto allows it), parsed by Pandoc."""
    ast = json.loads(run_pandoc(["-f", "markdown", "-t", "json"], value, "callout title"))
    blocks = ast["blocks"]
    return blocks[0]["c"] if blocks and blocks[0]["t"] in ("Para", "Plain") else [{"t": "Str", "c": value}]


def _split(div_content: list, attributes: dict, kind: str) -> tuple[list, list]:
    """(title inlines, body blocks) by Quarto's precedence: attribute, first heading, type name."""
    body = list(div_content)
    if attributes.get("title"):
        return _title_from_attribute(attributes["title"]), body
    if body and body[0]["t"] == "Header":
        return body.pop(0)["c"][2], body
    return [{"t": "Str", "c": kind.capitalize()}], body


def _html(kind: str, identifier: str, classes: list, title: list, body: list) -> dict:
    kept = [c for c in classes if c != f"callout-{kind}"]
    header = {"t": "Div", "c": [["", ["callout-header"], []], [
        {"t": "Div", "c": [["", ["callout-icon-container"], [["aria-hidden", "true"]]], []]},
        {"t": "Div", "c": [["", ["callout-title-container"], []], [{"t": "Plain", "c": title}]]}]]}
    inner = {"t": "Div", "c": [["", ["callout-body-container", "callout-body"], []], body]}
    return {"t": "Div", "c": [[identifier, ["callout", f"callout-{kind}", "callout-titled", *kept],
                               [["role", "note"]]], [header, inner]]}


def _typst(kind: str, title: list, body: list) -> list:
    colour = COLOURS[kind]
    # A tinted box with a coloured rule on the left, the title in bold above the body.
    opening = (f'#block(width: 100%, breakable: true, inset: (x: 10pt, y: 8pt), radius: 2pt, '
               f'fill: rgb("{colour}").lighten(90%), stroke: (left: 3pt + rgb("{colour}")))[\n')
    return [{"t": "RawBlock", "c": ["typst", opening]},
            {"t": "Para", "c": [{"t": "Strong", "c": title}]},
            *body,
            {"t": "RawBlock", "c": ["typst", "]\n"]}]


def _walk(blocks: list, target: str) -> list:
    out = []
    for block in blocks:
        kind = None
        if block.get("t") == "Div":
            (identifier, classes, pairs), content = block["c"]
            kind = _callout_type(classes)
        if kind is None:
            # Callouts may sit inside other divs (a .cell's asis output, a column layout).
            out.append(_recurse(block, target) if block.get("t") in ("Div", "BlockQuote") else block)
            continue
        title, body = _split(content, dict(pairs), kind)
        body = _walk(body, target)
        if target == "html":
            out.append(_html(kind, identifier, classes, title, body))
        else:
            out.extend(_typst(kind, title, body))
    return out


def _recurse(block: dict, target: str) -> dict:
    if block["t"] == "Div":
        attr, content = block["c"]
        return {"t": "Div", "c": [attr, _walk(content, target)]}
    return {"t": "BlockQuote", "c": _walk(block["c"], target)}


def apply_callouts(ast: dict, target: str) -> dict:
    """Replace every callout div in ``ast`` (in place) for ``target`` ``"html"`` or ``"typst"``."""
    if target not in ("html", "typst"):
        raise ValueError(f"callouts: unknown target {target!r}")
    ast["blocks"] = _walk(ast["blocks"], target)
    return ast
