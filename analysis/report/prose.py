"""Rule-based interpretation of the fitted model, in the spirit of statsmodels' summary Notes.

Every sentence is built from fields of a :class:`~analysis.model.results.ModelResults`
and every number goes through :mod:`analysis.report.formatting`, so a sentence shows
exactly what the matching table cell shows. Each decision a sentence makes
(direction, significance, size, which caveats apply) is an explicit rule below,
with its threshold as a named constant, and each rule has a test.

Significance is read from the *reported* confidence interval
(:attr:`ModelResults.reported`, which follows ``se_type``): an effect whose
interval contains zero is called indistinguishable from zero, whatever the
point estimate says.

Wording is associational only ("is associated with", "have ... more value").
Direction words come from :data:`COMPARATIVE` and :data:`QUANTITY`, never from
what the effect is expected to be.

The functions return markdown strings. Chapters insert them inline
(`` `{python} prose.headline(r)` ``) or from an ``output: asis`` chunk.
"""
from __future__ import annotations

import math

from ..data import PREDICTORS
from ..model.derived import mean_customer_value, median_abs_error
from ..model.results import ModelResults, segment_term
from ._sentences import (ASSOCIATED, COMPARATIVE, F_DECIMALS, INDISTINGUISHABLE, PREDICTOR_WORDING, QUANTITY,
                         SHARE_DECIMALS, contrast, customers_model, directional, dollars, excludes_zero,
                         holding_clause, join, require_term, rfm_nouns, sign, undirected)
from .caveats import caveats, caveats_markdown
from .formatting import integer, number, percent
from .wording import ci_label, p_phrase

# --- thresholds, each with the reason for its value -----------------------------------------
# R² bands for the fit sentence. Half the variance is the line readers already use
# for "most"; below a quarter the model is a weak guide even for groups.
R2_MOST = 0.5
R2_SUBSTANTIAL = 0.25
# Typical error (residual SE) relative to mean customer value below which individual
# predictions are tight enough to rank single customers: at 25% a ±2 SE band still
# spans half the average value, so anything looser is only a guide for groups.
INDIVIDUAL_PRECISION_RATIO = 0.25
# ΔR² below one percentage point is "small in practical terms" even when the F-test
# rejects: at large N the test detects differences too small to change a budget.
PRACTICAL_DELTA_R2 = 0.01


# --- RFM coefficients -----------------------------------------------------------------------

def rfm_effect(r: ModelResults, predictor: str) -> str:
    """One sentence on one RFM coefficient, in the step a reader thinks in.

    Rules: the direction word comes from the sign of the estimate; an effect whose
    reported CI contains zero is called indistinguishable from zero and gets no
    direction word. Recency is stated per 30 days and basket size per $10; those
    sentences also give the per-unit number exactly as the coefficient table shows it.

    Parameters
    ----------
    r : ModelResults
    predictor : {"Recency", "Frequency", "MonetaryValue"}

    Examples
    --------
    >>> from analysis.model import load_results
    >>> rfm_effect(load_results(), "Frequency")  # doctest: +ELLIPSIS
    'Holding recency, basket size and segment constant, each additional order ... is associated with roughly $... higher customer value (95% CI $... to $... higher).'
    """
    if predictor not in PREDICTOR_WORDING:
        raise KeyError(f"{predictor!r} is not an RFM predictor; choose one of {', '.join(PREDICTORS)}")
    require_term(r, predictor)
    row = r.coefficient(predictor)
    wording = PREDICTOR_WORDING[predictor]
    step = wording.step
    per_step = (row.estimate * step, row.ci_low * step, row.ci_high * step, ci_label(r.alpha))
    holding = holding_clause(r, predictor)
    per_unit = "" if step == 1 else (
        f", or {dollars(row.estimate)} {wording.per_unit} as in the coefficient table")
    if excludes_zero(row.ci_low, row.ci_high):
        amount, interval = directional(*per_step, COMPARATIVE)
        return f"{holding}, {wording.step_phrase} {ASSOCIATED} roughly {amount} customer value {interval}{per_unit}."
    value, interval = undirected(*per_step)
    return (f"{holding}, the association between {wording.noun} and customer value is "
            f"{INDISTINGUISHABLE}: {value} {wording.per_step} {interval}{per_unit}.")


def rfm_effects(r: ModelResults) -> str:
    """The three RFM sentences as one paragraph."""
    return " ".join(rfm_effect(r, predictor) for predictor in PREDICTORS)


# --- segment effects ------------------------------------------------------------------------

def _difference_sentence(r: ModelResults, level: str, versus: str, difference: float,
                         ci_low: float, ci_high: float, subject: str) -> str:
    effect = (difference, ci_low, ci_high, ci_label(r.alpha))
    if excludes_zero(ci_low, ci_high):
        amount, interval = directional(*effect, QUANTITY)
        return (f"{subject}, {level} customers have on average {amount} customer value than {versus} "
                f"customers {interval}.")
    value, interval = undirected(*effect)
    return (f"{subject}, the difference in customer value between {level} and {versus} customers is "
            f"{INDISTINGUISHABLE}: {value} {interval}.")


def segment_effect(r: ModelResults, level: str) -> str:
    """One sentence on one segment's coefficient: dollars beyond RFM relative to the reference.

    Rules: "more"/"less" from the sign; a CI containing zero is called
    indistinguishable from zero. The reference segment gets a sentence saying it is
    the baseline rather than an error, so a chapter can loop over all levels.
    """
    if level not in r.levels:
        raise KeyError(f"{level!r} is not a segment in this data; the segments are: {', '.join(r.levels)}")
    if level == r.reference:
        return (f"{level} is the reference segment: every segment effect is measured against "
                f"{level} customers with the same {rfm_nouns()}.")
    return _segment_sentence(r, level, r.coefficient(segment_term(level)))


def _segment_sentence(r: ModelResults, level: str, row) -> str:
    subject = f"Compared with {r.reference} customers who have the same {rfm_nouns()}"
    effect = (row.estimate, row.ci_low, row.ci_high, ci_label(r.alpha))
    if excludes_zero(row.ci_low, row.ci_high):
        amount, interval = directional(*effect, QUANTITY)
        return f"{subject}, {level} customers have on average {amount} customer value {interval}."
    value, interval = undirected(*effect)
    return f"{subject}, the difference for {level} customers is {INDISTINGUISHABLE}: {value} {interval}."


def segment_effects(r: ModelResults) -> str:
    """A sentence per non-reference segment, as one paragraph."""
    return " ".join(segment_effect(r, level) for level in r.segment_levels_besides_reference)


PREMIUM_LEVEL = "High Value"
PREMIUM_BASELINE = "Low Value"


def premium_baseline(r: ModelResults) -> str | None:
    """What the High Value label is compared with: Low Value when present, else the reference."""
    if PREMIUM_LEVEL not in r.levels:
        return None
    if PREMIUM_BASELINE in r.levels:
        return PREMIUM_BASELINE
    if r.reference != PREMIUM_LEVEL:
        return r.reference
    others = [level for level in r.levels if level != PREMIUM_LEVEL]
    return others[0] if others else None


def high_value_premium(r: ModelResults, robust: bool | None = None) -> str:
    """How much extra value the "High Value" label carries beyond what RFM predicts.

    Rules: the comparison is with Low Value customers with the same recency,
    frequency and basket size (the reference when Low Value is absent). A negative
    difference is stated as "less" and said to mean that the label adds nothing
    beyond RFM; a CI containing zero is called indistinguishable from zero.
    """
    baseline = premium_baseline(r)
    if baseline is None:
        return "The data have no High Value customers, so there is no High Value premium to report."
    difference, low, high = contrast(r, PREMIUM_LEVEL, baseline)
    subject = f"Beyond what {rfm_nouns()} predict"
    sentence = _difference_sentence(r, PREMIUM_LEVEL, baseline, difference, low, high, subject)
    if robust is False and excludes_zero(low, high):
        # Issue 10: "premium" / "overstates" follow the sign AND the robustness check.
        meaning = ("Whether the label adds or subtracts value beyond RFM depends on the model: its sign is "
                   "not the same in every competing model (see the claims table in the Model chapter).")
    elif not excludes_zero(low, high):
        meaning = ("The High Value label carries no extra value that can be told apart from "
                   "what RFM already predicts.")
    elif difference > 0:
        meaning = ("That is the premium the High Value label carries on top of the RFM signals: "
                   "value the CRM label captures and recency, frequency and basket size do not.")
    else:
        meaning = ("The High Value label carries less value than RFM alone would suggest: "
                   "customers so labelled are worth less than their RFM profile predicts "
                   "relative to Low Value customers, so the label overstates them.")
    return f"{sentence} {meaning}"


def high_value_premium_usd(r: ModelResults) -> str:
    """The High Value premium as displayed (signed), for inline use; "n/a" without High Value."""
    baseline = premium_baseline(r)
    if baseline is None:
        return "n/a"
    return dollars(contrast(r, PREMIUM_LEVEL, baseline)[0])


# --- do the labels add anything? ------------------------------------------------------------

def labels_add_power(r: ModelResults) -> str:
    """The nested F-test of RFM-only against RFM + segment, with ΔR².

    Rules: p < alpha → the labels add explanatory power; otherwise they add none
    that can be told from chance. A significant ΔR² below
    :data:`PRACTICAL_DELTA_R2` is also called small in practical terms.
    """
    nested = r.nested
    test = (f"F({nested.df_num}, {integer(nested.df_den)}) = {number(nested.f, F_DECIMALS)}, "
            f"{p_phrase(nested.p)}")
    shares = (f"R² is {percent(r.full.r_squared, SHARE_DECIMALS)} with the labels and "
              f"{percent(r.rfm_only.r_squared, SHARE_DECIMALS)} with {rfm_nouns()} alone "
              f"(ΔR² = {number(100 * nested.delta_r_squared, SHARE_DECIMALS)} percentage points, computed from the "
              f"unrounded values; {test})")
    if nested.p < r.alpha:
        sentence = f"The CRM segment labels add explanatory power beyond RFM: {shares}."
        if nested.delta_r_squared < PRACTICAL_DELTA_R2:
            sentence += (" The gain is statistically clear but small in practical terms: the labels "
                         "carry little information that recency, frequency and basket size do not.")
        return sentence
    return (f"The CRM segment labels add no explanatory power beyond RFM that can be told apart "
            f"from chance: {shares}.")



# --- misalignment ---------------------------------------------------------------------------

WIN_BACK_SEGMENT = "At Risk"


def misalignment_sentences(r: ModelResults) -> list[str]:
    """How many At Risk customers model as high value, and what that means for win-back, sentence by sentence.

    "Model as high value" is the results object's rule: RFM-predicted value in the
    top quartile of all customers (see ``r.misalignment_rules``). The finding comes
    first (the executive brief quotes it alone), then what it means for win-back,
    then the other two rules (Low Value in the top quartile, High Value in the
    bottom) when they flag anyone.
    """
    counts = r.segment_counts
    if WIN_BACK_SEGMENT not in counts:
        sentences = ["The data have no At Risk customers, so there is no win-back misalignment to report."]
    else:
        flagged = r.misaligned_count(WIN_BACK_SEGMENT)
        total = counts[WIN_BACK_SEGMENT]
        if flagged == 0:
            sentences = [f"None of the {integer(total)} At Risk customers has an RFM-predicted value in the "
                         f"top quartile of all customers: for win-back targeting, the At Risk label and "
                         f"the RFM model agree."]
        else:
            sentences = [f"Of the {integer(total)} At Risk customers, {integer(flagged)} "
                         f"({percent(flagged / total, SHARE_DECIMALS)}) have an RFM-predicted value in the "
                         f"top quartile of all customers: by {rfm_nouns()} they model as high-value "
                         f"customers who have lapsed.",
                         "For win-back targeting these are the At Risk customers with the most value at "
                         "stake; a rule that treats every At Risk customer alike would spend the same on "
                         "them as on the rest."]
    others = []
    if "Low Value" in counts and r.misaligned_count("Low Value"):
        count = r.misaligned_count("Low Value")
        others.append(f"{integer(count)} Low Value {customers_model(count)} in the top quartile "
                      f"(candidates for upsell)")
    if "High Value" in counts and r.misaligned_count("High Value"):
        count = r.misaligned_count("High Value")
        others.append(f"{integer(count)} High Value {customers_model(count)} in the bottom quartile "
                      f"(their label is higher than their RFM profile suggests)")
    if others:
        sentences.append(f"Beyond win-back, {join(others)}.")
    return sentences


def misalignment(r: ModelResults) -> str:
    """:func:`misalignment_sentences` as one paragraph."""
    return " ".join(misalignment_sentences(r))


def misaligned_at_risk_count(r: ModelResults) -> str:
    """The number of At Risk customers who model as high value, as displayed."""
    return integer(r.misaligned_count(WIN_BACK_SEGMENT) if WIN_BACK_SEGMENT in r.segment_counts else 0)


# --- fit --------------------------------------------------------------------------------------

def fit_summary(r: ModelResults) -> str:
    """Variance explained, the typical error in dollars, and what that precision supports.

    Rules: R² ≥ :data:`R2_MOST` → "most of", ≥ :data:`R2_SUBSTANTIAL` → "a
    substantial share of", else "only a small share of" the variance. Typical
    error / mean customer value ≤ :data:`INDIVIDUAL_PRECISION_RATIO` → precise
    enough to rank individual customers; otherwise good for groups and budgets,
    coarse for individuals.
    """
    fit = r.full
    if fit.r_squared >= R2_MOST:
        share = "most of"
    elif fit.r_squared >= R2_SUBSTANTIAL:
        share = "a substantial share of"
    else:
        share = "only a small share of"
    mean_value = mean_customer_value(r)
    explained = (f"The model explains {share} the variance in customer value: R² = "
                 f"{percent(fit.r_squared, SHARE_DECIMALS)} (adjusted {percent(fit.adj_r_squared, SHARE_DECIMALS)}) "
                 f"across {integer(fit.n)} customers, leaving {percent(1 - fit.r_squared, SHARE_DECIMALS)} "
                 f"unexplained.")
    error = (f"The typical (median absolute) error for a single customer is {typical_error_usd(r)}; the "
             f"root-mean-square error (the residual standard error) is {dollars(fit.sigma)}, pulled up by a few "
             f"large misses; the average customer value is {dollars(mean_value)}.")
    ratio = fit.sigma / abs(mean_value) if mean_value else math.inf
    if ratio <= INDIVIDUAL_PRECISION_RATIO:
        use = ("That is precise enough to rank individual customers for targeting as well as to size "
               "segment budgets.")
    else:
        use = ("That precision suits decisions about groups, where individual errors average out: "
               "sizing segment budgets and comparing campaigns. For a single customer the prediction "
               "is a coarse guide, better used to sort customers into broad tiers (such as quartiles) "
               "than to rank them one by one.")
    return f"{explained} {error} {use}"


def r_squared_display(r: ModelResults) -> str:
    """R² of the full model as displayed, e.g. ``'72.9%'``."""
    return percent(r.full.r_squared, SHARE_DECIMALS)


def typical_error_usd(r: ModelResults) -> str:
    """The typical error: the median absolute residual in dollars, as displayed.

    The residual SE is a root-mean-square, dominated by the largest misses (issue 10: $78 RMS
    against an $11.50 median absolute error on a derived table), so it is not "typical".
    """
    return dollars(median_abs_error(r))


def rms_error_usd(r: ModelResults) -> str:
    """The residual standard error (a root-mean-square error) in dollars, as displayed."""
    return dollars(r.full.sigma)


def value_of_one_more_order(r: ModelResults) -> str:
    """The Frequency coefficient in dollars per order as displayed (signed)."""
    return dollars(r.coefficient("Frequency").estimate)


# --- executive summary ------------------------------------------------------------------------

def _frequency_headline(r: ModelResults) -> str:
    row = r.coefficient("Frequency")
    if excludes_zero(row.ci_low, row.ci_high):
        return (f"Holding the other signals constant, each additional order {ASSOCIATED} roughly "
                f"{dollars(abs(row.estimate))} {COMPARATIVE[sign(row.estimate)]} customer value.")
    return (f"Holding the other signals constant, the association between order frequency and "
            f"customer value is {INDISTINGUISHABLE}.")


def _premium_headline(r: ModelResults) -> str:
    baseline = premium_baseline(r)
    if baseline is None:
        return ""
    difference, low, high = contrast(r, PREMIUM_LEVEL, baseline)
    if not excludes_zero(low, high):
        return (f"The High Value label carries no value beyond RFM that can be told apart from zero "
                f"(compared with {baseline}).")
    return (f"Beyond RFM, High Value customers have {dollars(abs(difference))} "
            f"{QUANTITY[sign(difference)]} customer value than {baseline} customers with the same profile.")


def headline(r: ModelResults) -> str:
    """One paragraph for the executive summary: fit, one order, the premium, win-back."""
    parts = [
        (f"Across {integer(r.n)} customers, recency, order frequency, basket size and the CRM "
         f"segment together explain {percent(r.full.r_squared, SHARE_DECIMALS)} of the variance in "
         f"customer value, with a typical (median absolute) error of {typical_error_usd(r)} per customer "
         f"(root-mean-square error {dollars(r.full.sigma)})."),
        _frequency_headline(r),
        _premium_headline(r),
    ]
    if WIN_BACK_SEGMENT in r.segment_counts:
        flagged = r.misaligned_count(WIN_BACK_SEGMENT)
        if flagged:
            parts.append(f"{integer(flagged)} At Risk customers model as high value on RFM: the "
                         f"first candidates for win-back offers.")
        else:
            parts.append("No At Risk customer models as high value on RFM.")
    return " ".join(part for part in parts if part)


__all__ = [
    "rfm_effect", "rfm_effects", "segment_effect", "segment_effects", "high_value_premium",
    "high_value_premium_usd", "labels_add_power", "misalignment", "misalignment_sentences",
    "misaligned_at_risk_count",
    "fit_summary", "r_squared_display", "typical_error_usd", "value_of_one_more_order",
    "caveats", "caveats_markdown", "headline", "excludes_zero", "premium_baseline",
    "PREDICTOR_WORDING", "COMPARATIVE", "QUANTITY",
]
