"""One restrained look for every figure: palette, fonts, sizes and the large-N switch.

Figures are sized for the PDF's text width (6.5 in on A4 with the report's
margins) and drawn at 9 pt, so they read at print size without rescaling. Each
segment has one colour everywhere (Okabe–Ito, safe for the common forms of
colour blindness), so a reader who learns "purple is At Risk" in one figure can
rely on it in the next.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import matplotlib as mpl
from matplotlib import colormaps
from matplotlib.colors import ListedColormap
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..io.escape_figure_text import figure_text
from .formatting import usd

TEXT_WIDTH_IN = 6.5
# The report's PNG resolution; the renderer's PDF format uses 144 dpi.
REPORT_DPI = 144

SEGMENT_COLORS = {
    "High Value": "#0072B2",    # blue
    "Medium Value": "#009E73",  # bluish green
    "Low Value": "#E69F00",     # orange
    "At Risk": "#CC79A7",       # reddish purple
}
UNKNOWN_SEGMENT_COLOR = "#7F7F7F"
INK = "#333333"            # text, axes and data points
POINT_COLOR = "#4D4D4D"
ACCENT = "#D55E00"         # smoothers and the one thing a panel asks you to look at
GUIDE = "#8C8C8C"          # reference lines (zero, Cook's contours)
BAND_ALPHA = 0.25
# Greys without its near-white end, so a hexagon holding a single customer still shows.
DENSITY_CMAP = ListedColormap(colormaps["Greys"](np.linspace(0.3, 1.0, 256)), name="house_density")

# From this many customers, points are replaced by hexagonal-bin densities: a
# million overlapping dots show nothing but a black blob and make files huge.
LARGE_N = 50_000
HEXBIN_GRIDSIZE = 50
# Total opacity budget of a scatter: alpha = SCATTER_INK / n, between 0.06 and 0.4.
SCATTER_INK = 2_000

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#999999",
    "axes.linewidth": 0.6,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": INK,
}


def segment_color(level: str) -> str:
    return SEGMENT_COLORS.get(level, UNKNOWN_SEGMENT_COLOR)


@contextmanager
def house_style() -> Iterator[None]:
    """Apply :data:`STYLE` while a figure is built (rc values are read when artists are made)."""
    with mpl.rc_context(STYLE):
        yield


def style_axes(ax: Axes, grid_axis: str = "both") -> None:
    """Quiet spines and a faint grid, also on axes a caller created outside :func:`house_style`."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)
    ax.grid(True, axis=grid_axis, color="#E6E6E6", linewidth=0.6)


def new_figure(n_panels: int, shape: tuple[int, int], height_in: float,
               ax: Axes | Sequence[Axes] | np.ndarray | None = None) -> tuple[Figure, list[Axes]]:
    """A figure with ``n_panels`` axes, or the caller's axes when ``ax`` is given.

    A single-panel figure takes one ``Axes``; a multi-panel figure takes an
    array-like of exactly ``n_panels`` axes (any shape, read in row order), all on
    the same figure.
    """
    if ax is None:
        figure = Figure(figsize=(TEXT_WIDTH_IN, height_in), layout="constrained")
        FigureCanvasAgg(figure)  # Agg: the same raster backend on every machine
        axes = np.atleast_1d(figure.subplots(*shape)).ravel().tolist()
        return figure, axes
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel().tolist()
    if len(axes) != n_panels or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(f"this figure draws {n_panels} panel{'s' if n_panels != 1 else ''}: pass "
                         f"ax as {'one matplotlib Axes' if n_panels == 1 else f'{n_panels} Axes'}, "
                         f"or None to create a new figure")
    figures = {id(a.figure) for a in axes}
    if len(figures) != 1:
        raise ValueError("all axes passed as ax must belong to the same figure")
    return axes[0].figure, axes


def draw_points(ax: Axes, x: np.ndarray, y: np.ndarray, color: str = POINT_COLOR) -> None:
    """A scatter below :data:`LARGE_N` points, a log-count hexbin density from there on."""
    if len(x) >= LARGE_N:
        ax.hexbin(x, y, gridsize=HEXBIN_GRIDSIZE, bins="log", mincnt=1, cmap=DENSITY_CMAP,
                  linewidths=0, rasterized=True)
    else:
        # Fainter dots as the cloud grows, so dense regions still show their density.
        alpha = min(0.4, max(0.06, SCATTER_INK / len(x))) if len(x) else 0.4
        ax.scatter(x, y, s=5, color=color, alpha=alpha, linewidths=0, rasterized=True)


# Candidate label positions (offset in points, horizontal alignment), tried in order until
# the label clears the ones already placed: the most extreme customers often sit close
# together, and plot.lm's fixed offsets would print their IDs over each other.
_LABEL_OFFSETS = (((5, 0), "left"), ((-5, 0), "right"), ((5, 10), "left"), ((5, -10), "left"),
                  ((-5, 10), "right"), ((-5, -10), "right"))
_LABEL_FONT_PT = 7


def _label_box(x_pt: float, y_pt: float, offset: tuple[int, int], align: str, text: str):
    width = 0.62 * _LABEL_FONT_PT * len(text)
    left = x_pt + offset[0] - (width if align == "right" else 0)
    bottom = y_pt + offset[1] - _LABEL_FONT_PT / 2
    return left, bottom, left + width, bottom + _LABEL_FONT_PT


def _overlaps(box, others) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def label_points(ax: Axes, x: np.ndarray, y: np.ndarray, labels: Sequence[str]) -> None:
    """Mark a few customers and print their IDs beside them, as plot.lm does.

    Call after the axis limits are final: positions are worked out on the page.
    """
    ax.scatter(x, y, s=9, color=INK, linewidths=0, zorder=3)
    ax.get_xlim(), ax.get_ylim()  # settle autoscaling so the data-to-page transform is final
    engine = ax.figure.get_layout_engine()
    if engine is not None:
        engine.execute(ax.figure)  # and the panel's final size: distances on the page decide overlaps
    to_points = 72.0 / ax.figure.dpi
    marks = [ax.transData.transform((xi, yi)) * to_points for xi, yi in zip(x, y)]
    # The marked points are obstacles too: a label must not cover another labelled customer.
    placed = [(mx - 2, my - 2, mx + 2, my + 2) for mx, my in marks]
    for (x_pt, y_pt), xi, yi, text in zip(marks, x, y, labels):
        # IDs come from the data: drawn literally (no mathtext) and cut to a drawable length.
        text = figure_text(text)
        choice = _LABEL_OFFSETS[0]
        for offset, align in _LABEL_OFFSETS:
            if not _overlaps(_label_box(x_pt, y_pt, offset, align, text), placed):
                choice = (offset, align)
                break
        placed.append(_label_box(x_pt, y_pt, *choice, text))
        ax.annotate(text, (xi, yi), xytext=choice[0], textcoords="offset points", fontsize=_LABEL_FONT_PT,
                    color=INK, ha=choice[1], va="center")


def dollar_axis(axis) -> None:
    """Tick labels as the report prints dollars: ``$1,000``, ``-$50``."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: usd(value, 0)))
