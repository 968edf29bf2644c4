"""Numbered-note style caveats from the diagnostics, like statsmodels' summary Notes.

Every note is an explicit rule with its threshold as a named constant; each rule
has a test (tests/report/test_prose.py).
"""
from __future__ import annotations

import math

from ..model.results import SE_HC3, ModelResults
from ._sentences import SHARE_DECIMALS, STAT_DECIMALS, join, significant
from .formatting import integer, number, percent
from .wording import CONDITION_NUMBER_LIMIT, COOKS_MAJOR, COOKS_NOTABLE, p_phrase

# GVIF^(1/(2 Df)) above sqrt(5) is the usual VIF > 5 rule put on the scale that is
# comparable across one-column predictors and the three-column segment factor
# (Fox & Monette 1992): the term's confidence interval is more than sqrt(5) ≈ 2.2
# times as wide as it would be without collinearity.
ADJUSTED_GVIF_LIMIT = math.sqrt(5)
# A segment effect's standard error is about sigma / sqrt(n_segment); under 100 customers
# that is over a tenth of the typical error, too wide to steer a segment budget.
SMALL_SEGMENT_SIZE = 100
# Below this many residual degrees of freedom the t-based intervals lean on normal errors;
# above it the central limit theorem makes them approximately right anyway.
LARGE_SAMPLE_DF = 200


def caveats(r: ModelResults) -> list[str]:
    """Numbered-note style caveats from the diagnostics, like statsmodels' summary Notes.

    Always: which standard errors are used and why (Breusch–Pagan). When triggered:
    influential customers (Cook's distance > 4/n, and any beyond 0.5 or 1),
    collinearity (adjusted GVIF > sqrt(5) or condition number > 30), small segments
    (< :data:`SMALL_SEGMENT_SIZE` customers) and non-normal residuals.
    """
    d = r.diagnostics
    notes = []
    bp = (f"Breusch–Pagan = {number(d.bp_stat, STAT_DECIMALS)}, df = {d.bp_df}, "
          f"{p_phrase(d.bp_p)}")
    if r.se_type == SE_HC3:
        notes.append(f"The spread of the errors changes from customer to customer ({bp}), so every "
                     f"standard error, confidence interval and p-value in this report uses HC3 "
                     f"heteroskedasticity-robust standard errors. The nested F-test for the segment "
                     f"labels is the classical one.")
    else:
        notes.append(f"The errors show no clear sign of changing spread ({bp}), so the report uses "
                     f"classical standard errors.")
    if d.n_influential > 0:
        note = (f"{integer(d.n_influential)} customers ({percent(d.n_influential / r.n, SHARE_DECIMALS)}) "
                f"have a Cook's distance above 4/n = {significant(d.cooks_threshold, 1)}; the largest is "
                f"{significant(d.max_cooks_distance)}.")
        if d.max_cooks_distance > COOKS_MAJOR:
            note += (f" At least one customer is above {number(COOKS_MAJOR, 1)}, so a single record "
                     f"can move the estimates: check the labelled customers in the diagnostic plot "
                     f"before acting on the numbers.")
        elif d.max_cooks_distance > COOKS_NOTABLE:
            note += (f" At least one customer is above {number(COOKS_NOTABLE, 1)}: worth checking the "
                     f"labelled customers in the diagnostic plot.")
        else:
            note += (f" None comes near {number(COOKS_NOTABLE, 1)}, so no single customer steers the "
                     f"estimates.")
        notes.append(note)
    collinear = {term: value for term, value in d.vif_adjusted.items() if value > ADJUSTED_GVIF_LIMIT}
    if collinear:
        listed = join([f"{term} ({number(value, STAT_DECIMALS)})" for term, value in collinear.items()])
        notes.append(f"Collinearity widens the confidence intervals of {listed}: the adjusted GVIF "
                     f"exceeds √5 ≈ {number(ADJUSTED_GVIF_LIMIT, STAT_DECIMALS)}. Their separate "
                     f"effects are hard to tell apart, so read those coefficients together rather "
                     f"than one at a time.")
    if d.condition_number > CONDITION_NUMBER_LIMIT:
        notes.append(f"The scaled condition number is {number(d.condition_number, 1)} (above "
                     f"{number(CONDITION_NUMBER_LIMIT, 0)}): the predictors are close to linearly "
                     f"dependent, and small changes in the data can move individual coefficients.")
    small = {level: count for level, count in r.segment_counts.items() if count < SMALL_SEGMENT_SIZE}
    if small:
        listed = join([f"{level} ({integer(count)} customers)" for level, count in small.items()])
        notes.append(f"Small segments: {listed}. With fewer than {integer(SMALL_SEGMENT_SIZE)} customers "
                     f"a segment's dollar effect has a wide confidence interval; treat it as a rough "
                     f"guide, not a budget figure.")
    if d.normality_p < r.alpha:
        tails = (f"skewness {number(d.skewness, STAT_DECIMALS)}, excess kurtosis "
                 f"{number(d.excess_kurtosis, STAT_DECIMALS)}; {d.normality_test} {p_phrase(d.normality_p)}")
        if r.full.df_resid >= LARGE_SAMPLE_DF:
            notes.append(f"The errors are not normally distributed ({tails}). With "
                         f"{integer(r.n)} customers the confidence intervals for the coefficients "
                         f"remain approximately right, but a range around a single customer's "
                         f"prediction is less reliable.")
        else:
            notes.append(f"The errors are not normally distributed ({tails}), and with only "
                         f"{integer(r.n)} customers the confidence intervals may be too narrow or too "
                         f"wide.")
    return notes


def caveats_markdown(r: ModelResults) -> str:
    """The caveats as a numbered markdown list."""
    return "\n".join(f"{i}. {note}" for i, note in enumerate(caveats(r), start=1))
