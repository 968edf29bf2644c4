"""Data-derived text made literal for matplotlib, and kept to a drawable length.

Matplotlib parses ``$...$`` as mathtext in any text it draws: an ID like
``$\\foo$`` raises inside the renderer and ``$ x $`` draws an italic x. Dollar
signs are escaped (``\\$`` is mathtext's literal dollar), and very long labels
are cut with an ellipsis so a 100,000-character ID cannot make a
600,000-pixel-wide figure.
"""
from __future__ import annotations

# Longest label drawn in full; longer ones keep their start, which is what a reader scans.
MAX_LABEL_CHARACTERS = 40


def figure_text(value: object, limit: int = MAX_LABEL_CHARACTERS) -> str:
    """``value`` as literal matplotlib text of at most ``limit`` characters.

    >>> figure_text("$\\\\foo$")
    '\\\\$\\\\foo\\\\$'
    >>> len(figure_text("x" * 1000))
    40
    """
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")
