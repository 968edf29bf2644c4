"""The executive brief's key figures: four numbers a reader takes in at a glance, as Typst tiles.

The numbers are the prose module's own displayed values (the same strings the
summary page and the findings print), so a tile can never disagree with a
sentence. Rendering is a Typst raw block (Quarto documents ```` ```{=typst} ````
raw blocks; the builtin renderer passes them through the same way), with every
value and label a Typst string literal, so text from the data (segment names)
cannot become Typst code.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..io.escape_typst import typst_string
from ..model.results import ModelResults
from ._sentences import contrast
from .prose import (PREMIUM_LEVEL, WIN_BACK_SEGMENT, high_value_premium_usd, misaligned_at_risk_count,
                    premium_baseline, r_squared_display, value_of_one_more_order)

# House colours (the figures' ink and a pale tint of the same blue).
TILE_FILL = "#eef3f8"
TILE_RULE = "#1f4e79"
VALUE_INK = "#1f4e79"
LABEL_INK = "#3a3a3a"


@dataclass(frozen=True)
class KeyFigure:
    """One tile: the number as displayed, and what it measures, in a few words."""

    value: str
    label: str


def key_figures(r: ModelResults, high_value_robust: bool | None = None) -> tuple[KeyFigure, ...]:
    """Fit, the value of one more order, the High Value label's contrast, the win-back pool.

    The contrast is called a premium only when its interval excludes zero and it holds in
    every admissible competing model (``high_value_robust``, from the claims check);
    otherwise the tile says what stands in the way.
    """
    premium = _label_contrast_words(r, high_value_robust)
    return (
        KeyFigure(r_squared_display(r), "of the variation in customer value explained by RFM and the CRM label"),
        KeyFigure(value_of_one_more_order(r), "customer value per extra order in 12 months, other signals held constant"),
        KeyFigure(high_value_premium_usd(r), premium),
        KeyFigure(misaligned_at_risk_count(r),
                  f"{WIN_BACK_SEGMENT} customers whose RFM says high value: the win-back pool"),
    )


def _label_contrast_words(r: ModelResults, robust: bool | None) -> str:
    baseline = premium_baseline(r)
    if baseline is None:
        return f"{PREMIUM_LEVEL} contrast (no comparison segment)"
    _, low, high = contrast(r, PREMIUM_LEVEL, baseline)
    same = f"{baseline} customers with the same R, F and M"
    if low <= 0 <= high:
        return f"{PREMIUM_LEVEL} vs {same}: not distinguishable from zero"
    if robust is not True:
        return f"{PREMIUM_LEVEL} vs {same}: depends on the model"
    return f"{PREMIUM_LEVEL} premium over {same}" if low > 0 else f"{PREMIUM_LEVEL} below {same}"


def typst_tiles(figures: tuple[KeyFigure, ...]) -> str:
    """A raw Typst block: one row of equal-height tiles, value large, label small."""
    cells = ",\n  ".join(
        "[\n    #set par(justify: false, leading: 0.5em)\n"
        f"    #stack(spacing: 7pt, text(size: 19pt, weight: \"bold\", fill: rgb(\"{VALUE_INK}\"), {typst_string(f.value)}),\n"
        f"      text(size: 8.5pt, fill: rgb(\"{LABEL_INK}\"), {typst_string(f.label)}))\n  ]"
        for f in figures)
    grid = (f"#grid(\n  columns: ({', '.join(['1fr'] * len(figures))}),\n  column-gutter: 7pt,\n"
            f"  inset: (x: 9pt, top: 9pt, bottom: 10pt),\n  fill: rgb(\"{TILE_FILL}\"),\n"
            f"  stroke: (top: 2.5pt + rgb(\"{TILE_RULE}\")),\n  {cells},\n)")
    return f"```{{=typst}}\n#block(above: 10pt, below: 14pt)[\n{grid}\n]\n```\n"
