"""A figure that carries its alt text into the page, under Quarto and under the builtin renderer.

Quarto reads ``fig-alt`` only from a chunk's options, and only knitr may compute
an option (``!expr``); a Jupyter chunk cannot. So the chunk's value emits the
image together with its alt text instead, in two representations:

- ``text/markdown``: ``![](data:image/png;base64,...){fig-alt="..."}``. Quarto
  prefers markdown to a PNG for HTML and Typst output; its HTML filter turns an
  image's ``fig-alt`` into ``alt``, its Typst filter into ``image(alt: ...)``,
  and it writes a ``data:`` image to a file for Typst.
- ``image/png`` with Jupyter's standard per-image metadata ``{"alt": ...}``: the
  builtin renderer (:mod:`renderer.weave`) uses the image and that alt.

The PNG is the one IPython's inline backend would have produced for the bare
figure (same DPI, tight bounding box), so the page looks exactly as before.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from matplotlib.figure import Figure


def _png(figure: Figure) -> bytes:
    """The PNG the inline backend shows for ``figure`` (its own DPI, tight bounding box)."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        data, _ = shell.display_formatter.format(figure, include=("image/png",))
        if "image/png" in data:
            png = data["image/png"]
            return png if isinstance(png, bytes) else base64.b64decode(png)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, bbox_inches="tight")
    return buffer.getvalue()


def markdown_attribute(value: str) -> str:
    """A Pandoc attribute value in double quotes: backslashes and quotes escaped, one line."""
    flat = " ".join(str(value).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class FigureWithAlt:
    """A matplotlib figure and the alt text that describes it."""

    figure: Figure
    alt: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        encoded = base64.b64encode(_png(self.figure)).decode("ascii")
        markdown = f"![](data:image/png;base64,{encoded}){{fig-alt={markdown_attribute(self.alt)}}}"
        data = {"image/png": encoded, "text/markdown": markdown, "text/plain": f"<figure: {self.alt[:80]}>"}
        return data, {"image/png": {"alt": self.alt}}
