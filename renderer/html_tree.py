"""An HTML table fragment as a small tree with each element's computed CSS.

Quarto "juices" an HTML table before turning it into Typst: the rules of the
fragment's ``<style>`` blocks are inlined onto the elements they match, so a
class rule such as ``#t .gt_title { font-weight: bold }`` reaches the cell.
This module does the same with ``css-inline`` (a maintained CSS inliner with a
real cascade), then parses the result with the standard library and resolves
what CSS inherits (colour, font size, weight, style, alignment), so the Typst
writer reads one computed style per element, whatever produced the table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_VOID = {"br", "img", "hr", "col", "meta", "input", "wbr", "link", "source"}
# Properties a child takes from its parent when it does not set them (CSS 2.2, "Inherited: yes").
INHERITED = ("color", "font-size", "font-weight", "font-style", "text-align", "font-variant-numeric",
             "white-space", "text-transform", "visibility")
_SIDES = ("top", "right", "bottom", "left")
_BORDER_STYLES = {"none", "hidden", "solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"}
# CSS absolute size keywords, in px (CSS Fonts 4, "medium" = 16px).
_SIZE_KEYWORDS = {"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18, "x-large": 24,
                  "xx-large": 32}
_INITIAL = {"font-weight": "normal", "font-style": "normal", "text-align": "start", "white-space": "normal",
            "text-transform": "none", "font-variant-numeric": "normal"}
PX_TO_PT = 0.75  # CSS: 96 px per inch, 72 pt per inch


@dataclass
class Element:
    """One element: tag, attributes, children (elements or text) and computed style."""

    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    parent: "Element | None" = None
    declared: dict = field(default_factory=dict)   # this element's own declarations, shorthands expanded
    style: dict = field(default_factory=dict)      # declared + inherited, font-size resolved

    @property
    def classes(self) -> set:
        return set(self.attrs.get("class", "").split())

    def find_all(self, *tags: str) -> list["Element"]:
        """Descendants with one of ``tags``, in document order, not looking inside nested tables."""
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.tag in tags:
                    found.append(child)
                if child.tag != "table":
                    found.extend(child.find_all(*tags))
        return found

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v or "") for k, v in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in _VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {k: (v or "") for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:  # a stray end tag closes nothing
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def juice(fragment: str) -> str:
    """``fragment`` with its ``<style>`` rules inlined onto the elements and the blocks removed."""
    css = "\n".join(_STYLE_BLOCK.findall(fragment))
    body = _STYLE_BLOCK.sub("", fragment)
    if not css.strip():
        return body
    import css_inline

    try:
        return css_inline.inline_fragment(body, css)
    except ValueError:
        return body  # CSS the inliner cannot parse: keep the inline styles the elements already carry


def parse_declarations(text: str) -> dict:
    """``a: b; c: d`` to a dict in source order, later wins, border shorthands expanded."""
    out: dict = {}
    for clause in text.split(";"):
        name, sep, value = clause.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        value = value.replace("!important", "").strip()
        for key, item in _expand(name, value):
            out[key] = item
    return out


def _expand(name: str, value: str) -> list[tuple[str, str]]:
    parts = value.split()
    if name in ("border", *(f"border-{s}" for s in _SIDES)):
        sides = _SIDES if name == "border" else (name[len("border-"):],)
        style = next((p for p in parts if p.lower() in _BORDER_STYLES), "none")
        width = next((p for p in parts if _looks_like_width(p)), "medium")
        colour = next((p for p in parts if p.lower() not in _BORDER_STYLES and not _looks_like_width(p)),
                      "currentcolor")
        return [(f"border-{s}-{k}", v) for s in sides for k, v in
                (("style", style), ("width", width), ("color", colour))]
    if name in ("border-style", "border-width", "border-color"):
        kind = name.split("-")[1]
        boxed = _box_values(parts)
        return [(f"border-{s}-{kind}", v) for s, v in zip(_SIDES, boxed)]
    if name == "padding":
        return [(f"padding-{s}", v) for s, v in zip(_SIDES, _box_values(parts))]
    return [(name, value)]


def _box_values(parts: list[str]) -> list[str]:
    """CSS's one-to-four value box shorthand as (top, right, bottom, left)."""
    if not parts:
        return ["0"] * 4
    top = parts[0]
    right = parts[1] if len(parts) > 1 else top
    bottom = parts[2] if len(parts) > 2 else top
    left = parts[3] if len(parts) > 3 else right
    return [top, right, bottom, left]


def _looks_like_width(token: str) -> bool:
    return token.lower() in ("thin", "medium", "thick") or bool(re.match(r"^[\d.]+(px|pt|em|rem)?$", token))


def font_size(value: str, parent: tuple[str, float] | None) -> tuple[str, float] | None:
    """A CSS font size as ``("pt", x)`` or, relative to the page's text, ``("em", x)``."""
    value = value.strip().lower()
    if value in _SIZE_KEYWORDS:
        return "pt", _SIZE_KEYWORDS[value] * PX_TO_PT
    match = re.match(r"^([\d.]+)(px|pt|em|rem|%)$", value)
    if not match:
        return parent
    number, unit = float(match.group(1)), match.group(2)
    if unit == "px":
        return "pt", number * PX_TO_PT
    if unit == "pt":
        return "pt", number
    factor = number / 100 if unit == "%" else number
    if unit == "rem" or parent is None:
        return "em", factor
    return parent[0], parent[1] * factor


def length_pt(value: str | None, base_pt: float = 10.5) -> float | None:
    """A CSS length (px, pt, em) in points; None when it is not a length."""
    if value is None:
        return None
    value = value.strip().lower()
    if value in ("0", "0px", "0pt"):
        return 0.0
    named = {"thin": 1.0, "medium": 3.0, "thick": 5.0}
    if value in named:
        return named[value] * PX_TO_PT
    match = re.match(r"^(-?[\d.]+)(px|pt|em|rem)$", value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return number * {"px": PX_TO_PT, "pt": 1.0}.get(unit, base_pt)


def _compute(element: Element) -> None:
    parent_style = element.parent.style if element.parent is not None else {}
    element.declared = parse_declarations(element.attrs.get("style", ""))
    style = {k: parent_style[k] for k in INHERITED if k in parent_style}
    for key, value in element.declared.items():
        if value.lower() in ("inherit",) and key in parent_style:
            style[key] = parent_style[key]
        elif value.lower() not in ("inherit", "initial", "unset") or key not in INHERITED:
            style[key] = value
        elif value.lower() == "initial":
            style[key] = _INITIAL.get(key, "")  # e.g. GT's subtitle: `font-weight: initial` is normal
    parent_size = parent_style.get("_size")
    size = font_size(element.declared["font-size"], parent_size) if "font-size" in element.declared else parent_size
    if size is not None:
        style["_size"] = size
    element.style = style
    for child in element.children:
        if isinstance(child, Element):
            _compute(child)


def parse_fragment(fragment: str) -> Element:
    """The juiced fragment as a tree whose elements carry their computed style."""
    builder = _TreeBuilder()
    builder.feed(juice(fragment))
    builder.close()
    _compute(builder.root)
    return builder.root
