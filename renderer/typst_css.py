"""Computed CSS values of an HTML table to Typst values: colours, weights, alignment, strokes, text.

The counterpart of Quarto's ``typst-css-property-processing.lua`` for the
builtin renderer, with two deliberate differences: numeric weights become
Typst integers (Quarto quotes them, which Typst rejects), and ``font-family``
is not translated, so a table is set in the document's own font rather than a
CSS generic family Typst does not know.
"""
from __future__ import annotations

import re

from .html_tree import Element, length_pt

_NAMED_COLOURS = {"black": "#000000", "white": "#FFFFFF", "gray": "#808080", "grey": "#808080",
                  "red": "#FF0000", "green": "#008000", "blue": "#0000FF", "silver": "#C0C0C0",
                  "darkgray": "#A9A9A9", "darkgrey": "#A9A9A9", "lightgray": "#D3D3D3", "lightgrey": "#D3D3D3",
                  "dimgray": "#696969", "dimgrey": "#696969", "navy": "#000080", "maroon": "#800000",
                  "orange": "#FFA500", "yellow": "#FFFF00", "purple": "#800080", "teal": "#008080"}
_H_ALIGN = {"left": "left", "right": "right", "center": "center", "justify": "left", "start": "start",
            "end": "end", "-webkit-center": "center"}
_V_ALIGN = {"top": "top", "middle": "horizon", "bottom": "bottom", "text-top": "top", "text-bottom": "bottom"}
_VISIBLE_BORDERS = {"solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"}
_BORDER_RANK = {"double": 7, "solid": 6, "dashed": 5, "dotted": 4, "ridge": 3, "outset": 2, "groove": 1, "inset": 0}


def typst_string(text: str) -> str:
    """A Typst string literal: only the backslash and the double quote need escaping."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def colour(value: str | None) -> str | None:
    """A CSS colour as a Typst colour expression; None for transparent, unknown or ``currentcolor``."""
    if not value:
        return None
    value = value.strip().lower()
    value = _NAMED_COLOURS.get(value, value)
    if re.fullmatch(r"#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}", value):
        if len(value) in (5, 9) and value[-2 if len(value) == 9 else -1:] in ("00", "0"):
            return None  # fully transparent
        return f'rgb("{value}")'
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)", value)
    if match:
        red, green, blue = (int(round(float(match.group(i)))) for i in (1, 2, 3))
        alpha = match.group(4)
        if alpha is None:
            return f"rgb({red}, {green}, {blue})"
        fraction = float(alpha[:-1]) / 100 if alpha.endswith("%") else float(alpha)
        if fraction <= 0:
            return None
        return f"rgb({red}, {green}, {blue}, {round(fraction * 100)}%)"
    return None


def weight(value: str | None) -> str | int | None:
    """A CSS ``font-weight`` as a Typst weight: a name, or an integer (100-900)."""
    if value is None:
        return None
    value = value.strip().lower()
    if value in ("bold", "bolder"):
        return "bold"
    if value in ("normal", "lighter", "initial", ""):
        return "regular"
    if value.isdigit():
        return min(900, max(100, int(value)))
    return None


def text_settings(style: dict) -> dict:
    """The Typst ``text`` arguments a computed style asks for (only what it states)."""
    out: dict = {}
    resolved_weight = weight(style.get("font-weight"))
    if resolved_weight is not None:
        out["weight"] = resolved_weight
    if style.get("font-style", "").strip().lower() in ("italic", "oblique"):
        out["style"] = "italic"
    elif "font-style" in style:
        out["style"] = "normal"
    fill = colour(style.get("color"))
    if fill is not None:
        out["fill"] = fill
    size = style.get("_size")
    if size is not None:
        out["size"] = f"{_number(size[1])}{size[0]}"
    if "tabular-nums" in style.get("font-variant-numeric", ""):
        out["number-width"] = "tabular"
    return out


def text_arguments(settings: dict) -> str:
    """``text`` settings as Typst arguments: ``weight: "bold", fill: rgb(...)``."""
    parts = []
    for key, value in settings.items():
        if key in ("weight", "style", "number-width") and isinstance(value, str):
            parts.append(f"{key}: {typst_string(value)}")
        else:
            parts.append(f"{key}: {value}")
    return ", ".join(parts)


def alignment(style: dict, default_vertical: str = "horizon") -> str:
    """``text-align`` and ``vertical-align`` as one Typst alignment (``right + horizon``)."""
    horizontal = _H_ALIGN.get(style.get("text-align", "").strip().lower(), "start")
    vertical = _V_ALIGN.get(style.get("vertical-align", "").strip().lower(), default_vertical)
    return f"{horizontal} + {vertical}"


def inset(style: dict, grow: str | None = None) -> str:
    """The cell's CSS padding as a Typst ``inset`` dictionary; ``grow`` (a Typst length) widens both sides."""
    sides = []
    for side in ("top", "bottom", "left", "right"):
        value = length_pt(style.get(f"padding-{side}"))
        extra = f" + {grow}" if grow and side in ("left", "right") else ""
        sides.append(f"{side}: {_number(value if value is not None else 0)}pt{extra}")
    return f"({', '.join(sides)})"


def background(style: dict) -> str | None:
    """A background colour worth drawing: white on a white page is left out."""
    fill = colour(style.get("background-color"))
    return None if fill in (None, 'rgb("#ffffff")', 'rgb("#fff")', "rgb(255, 255, 255)") else fill


def border(style: dict, side: str) -> tuple | None:
    """A visible border on ``side`` as (width in pt, rank, Typst stroke); None when there is none."""
    kind = style.get(f"border-{side}-style", "none").strip().lower()
    if kind not in _VISIBLE_BORDERS:
        return None
    width = length_pt(style.get(f"border-{side}-width", "medium"))
    if not width:
        return None
    raw_colour = style.get(f"border-{side}-color", "currentcolor")
    paint = colour(style.get("color")) if raw_colour.strip().lower() == "currentcolor" else colour(raw_colour)
    if paint is None:
        return None  # transparent: GT draws its invisible row rules this way
    dash = {"dashed": ', dash: "dashed"', "dotted": ', dash: "dotted"'}.get(kind, "")
    stroke = f"(thickness: {_number(width)}pt, paint: {paint}{dash})"
    return width, _BORDER_RANK[kind], stroke


def strongest(*candidates):
    """CSS border-collapse: the wider border wins, then the higher-ranked style; ties keep the first."""
    best = None
    for candidate in candidates:
        if candidate is not None and (best is None or candidate[:2] > best[:2]):
            best = candidate
    return best


def is_hidden(element: Element) -> bool:
    return element.style.get("display", "").strip().lower() == "none" or \
        element.style.get("visibility", "").strip().lower() == "hidden"


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
