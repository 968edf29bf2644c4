"""One home for how the report words recurring statistical ideas, and for the thresholds it shares.

A p-value, a confidence-interval label or the name of the standard errors reads
the same in a table note, a figure label, a caption, alt text and a sentence,
because every render module takes its wording from here. The thresholds below
are used by more than one render module (a figure draws them, a sentence names
them, a legend labels them), so they are defined once.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model.results import SE_CLASSICAL, SE_HC3, ModelResults
from .formatting import pvalue

# --- shared thresholds ------------------------------------------------------------------------
# Cook's distance contours that plot.lm draws: 0.5 is worth a look, 1 means one customer
# can move the estimates materially (Cook & Weisberg 1982).
COOKS_NOTABLE = 0.5
COOKS_MAJOR = 1.0
COOKS_CONTOURS = (COOKS_NOTABLE, COOKS_MAJOR)
# Belsley–Kuh–Welsch: a scaled condition number above 30 signals harmful collinearity.
CONDITION_NUMBER_LIMIT = 30.0


# --- p-values and intervals -------------------------------------------------------------------

def p_phrase(p: float) -> str:
    """``p = 0.046`` or ``p < 0.001``: a p-value as it reads inside a sentence or a note.

    >>> p_phrase(0.0456), p_phrase(2e-9)
    ('p = 0.046', 'p < 0.001')
    """
    shown = pvalue(p)
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def confidence_level(alpha: float) -> str:
    """The confidence level of the report's intervals: ``"95%"`` for alpha 0.05.

    >>> confidence_level(0.05), confidence_level(0.1)
    ('95%', '90%')
    """
    return f"{100 * (1 - alpha):g}%"


def ci_label(alpha: float) -> str:
    """The label of a confidence interval: ``"95% CI"`` for alpha 0.05."""
    return f"{confidence_level(alpha)} CI"


def significance_level(alpha: float) -> str:
    """The significance level in words: ``"5%"`` for alpha 0.05."""
    return f"{100 * alpha:g}%"


# --- standard errors --------------------------------------------------------------------------

@dataclass(frozen=True)
class SEWording:
    """Three lengths of the same name, for a figure label, a sentence and a table note."""

    short: str   # "HC3": axis labels and alt text
    noun: str    # "HC3 standard errors": running text
    full: str    # "HC3 (heteroskedasticity-consistent)": table source notes


SE_WORDING = {
    SE_HC3: SEWording("HC3", "HC3 standard errors", "HC3 (heteroskedasticity-consistent)"),
    SE_CLASSICAL: SEWording("classical", "classical standard errors", "classical OLS"),
}


def se_label(r: ModelResults, form: str = "short") -> str:
    """The name of the standard errors ``r`` reports, in ``form`` ``"short"``, ``"noun"`` or ``"full"``."""
    if form not in ("short", "noun", "full"):
        raise ValueError(f"form must be 'short', 'noun' or 'full', got {form!r}")
    return getattr(SE_WORDING[r.se_type], form)


def se_type_label(r: ModelResults) -> str:
    """Which standard errors this build reports, for running text: "HC3 standard errors"."""
    return se_label(r, "noun")


# --- variables --------------------------------------------------------------------------------

VARIABLE_LABELS = {  # axis labels, with units
    "CustomerValue": "Customer value (USD)",
    "Recency": "Recency (days since last order)",
    "Frequency": "Frequency (orders in 12 months)",
    "MonetaryValue": "Average basket (USD)",
}
VARIABLE_NOUNS = {  # the same variables inside a sentence
    "CustomerValue": "customer value",
    "Recency": "recency",
    "Frequency": "frequency",
    "MonetaryValue": "average basket",
}
