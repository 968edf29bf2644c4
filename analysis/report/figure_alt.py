"""Alt text for every report figure, built from the numbers the figure shows.

Each function says what its figure shows and states the numbers it draws, read
from the same results (and the same :mod:`analysis.model.derived` functions) as
the figure itself, so the description cannot drift from the picture after a
data refresh.
"""
from __future__ import annotations

from ..data import PREDICTORS
from ..model.derived import (PARTIAL_COVERAGE, fitted_range, most_influential, partial_effect_curve,
                             residual_spread_correlation, segment_medians)
from ..model.results import ModelResults, segment_term
from .formatting import integer, number, percent, usd
from .wording import COOKS_NOTABLE, VARIABLE_LABELS, VARIABLE_NOUNS, ci_label, p_phrase, se_label

N_LABELLED = 3               # customers named per panel, as plot.lm's id.n
DISTRIBUTION_COLUMNS = ("CustomerValue", "Recency", "Frequency", "MonetaryValue")


def diagnostics_alt(r: ModelResults) -> str:
    d = r.diagnostics
    low, high = fitted_range(r)
    if d.bp_p < r.alpha:
        trend = "widens" if residual_spread_correlation(r) > 0 else "narrows"
        spread_text = (f"the spread of the residuals {trend} as fitted value grows (Breusch–Pagan "
                       f"{p_phrase(d.bp_p)}), which is why {se_label(r)} standard errors are reported")
    else:
        spread_text = "the spread of the residuals is roughly constant across fitted values"
    top = most_influential(r, N_LABELLED)
    return (f"Four regression diagnostic panels for {integer(r.n)} customers, as R's plot.lm draws them. "
            f"Residuals vs fitted: residuals centre on zero for fitted values from "
            f"{usd(low, 0)} to {usd(high, 0)}; {spread_text}. "
            f"Normal Q-Q: standardized residuals follow the normal line in the middle; the tails "
            f"are {'heavier' if d.excess_kurtosis > 0 else 'lighter'} than normal (excess kurtosis "
            f"{number(d.excess_kurtosis, 2)}). Scale-location: the square root of the absolute "
            f"standardized residual against fitted value, with a smoother. Residuals vs leverage: "
            f"{integer(d.n_influential)} customers exceed Cook's distance 4/n; the largest Cook's "
            f"distance is {number(d.max_cooks_distance, 3)}, "
            f"{'beyond' if d.max_cooks_distance > COOKS_NOTABLE else 'well inside'} the {COOKS_NOTABLE:g} contour; "
            f"the most influential customers are labelled: {', '.join(top)}.")


def segment_effects_alt(r: ModelResults) -> str:
    parts = []
    for level in r.segment_levels_besides_reference:
        row = r.coefficient(segment_term(level))
        parts.append(f"{level} {usd(row.estimate)} ({usd(row.ci_low)} to {usd(row.ci_high)})")
    return (f"Dot-and-interval chart of segment effects beyond RFM: customer value relative to "
            f"{r.reference} customers with the same recency, frequency and basket size, with "
            f"{ci_label(r.alpha)}s from {se_label(r)} standard errors. " + "; ".join(parts) + ".")


def partial_effects_alt(r: ModelResults) -> str:
    parts = []
    for predictor in PREDICTORS:
        grid, prediction, _, _ = partial_effect_curve(r, predictor, points=2)
        decimals = 2 if predictor == "MonetaryValue" else 0
        parts.append(f"{VARIABLE_LABELS[predictor]}: predicted value {usd(prediction[0], 0)} at "
                     f"{number(grid[0], decimals)} and {usd(prediction[-1], 0)} at {number(grid[-1], decimals)} "
                     f"(slope {usd(r.coefficient(predictor).estimate)} per unit)")
    return (f"Three line charts of predicted customer value for a {r.reference} customer with the other "
            f"predictors at their means, each with a shaded {ci_label(r.alpha)} band ({se_label(r)}), "
            f"drawn across the middle {percent(PARTIAL_COVERAGE, 0)} of customers. "
            + "; ".join(parts) + ".")


_SHOWN = {"CustomerValue": lambda v: usd(v, 0), "Recency": lambda v: f"{number(v, 0)} days",
          "Frequency": lambda v: f"{number(v, 0)} orders", "MonetaryValue": lambda v: usd(v, 0)}


def distributions_alt(r: ModelResults) -> str:
    medians = segment_medians(r, DISTRIBUTION_COLUMNS)
    parts = []
    for level in r.levels:
        values = ", ".join(f"{VARIABLE_NOUNS[c]} {_SHOWN[c](medians.loc[level, c])}" for c in DISTRIBUTION_COLUMNS)
        parts.append(f"{level} ({percent(r.segment_counts[level] / r.n)} of customers): median {values}")
    return ("Four panels of box plots by segment for customer value, recency, frequency and average "
            "basket; boxes span the quartiles and whiskers the 5th to 95th percentiles. "
            + "; ".join(parts) + ".")
