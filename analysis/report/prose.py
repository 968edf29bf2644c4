"""Rule-based interpretation of the fitted model, in the spirit of statsmodels' summary Notes.

Every sentence is built from fields of a :class:`~analysis.results.ModelResults`
and every number goes through :mod:`analysis.formatting`, so a sentence shows
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
from dataclasses import dataclass

import numpy as np

from ..data import PREDICTORS
from .formatting import integer, number, percent, pvalue, usd
from ..model.results import SE_HC3, ModelResults, segment_term

# --- display precision --------------------------------------------------------------------
# The same precision the tables use, so a sentence and a cell print the same digits.
USD_DECIMALS = 2
SHARE_DECIMALS = 1
STAT_DECIMALS = 2
F_DECIMALS = 1          # the fit table shows F statistics to one decimal

# --- vocabulary: the only place direction words are chosen -----------------------------------
COMPARATIVE = {1: "higher", -1: "lower"}   # "... $24.31 higher customer value"
QUANTITY = {1: "more", -1: "less"}         # "... have $155.40 more customer value"
ASSOCIATED = "is associated with"
INDISTINGUISHABLE = "indistinguishable from zero"

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
# GVIF^(1/(2 Df)) above sqrt(5) is the usual VIF > 5 rule put on the scale that is
# comparable across one-column predictors and the three-column segment factor
# (Fox & Monette 1992): the term's confidence interval is more than sqrt(5) ≈ 2.2
# times as wide as it would be without collinearity.
ADJUSTED_GVIF_LIMIT = math.sqrt(5)
# Belsley–Kuh–Welsch: a scaled condition number above 30 signals harmful collinearity.
CONDITION_NUMBER_LIMIT = 30.0
# A segment effect's standard error is about sigma / sqrt(n_segment); under 100 customers
# that is over a tenth of the typical error, too wide to steer a segment budget.
SMALL_SEGMENT_SIZE = 100
# Cook's distance contours that plot.lm draws: 0.5 is worth a look, 1 means one customer
# can move the estimates materially (Cook & Weisberg 1982).
COOKS_NOTABLE = 0.5
COOKS_MAJOR = 1.0
# Below this many residual degrees of freedom the t-based intervals lean on normal errors;
# above it the central limit theorem makes them approximately right anyway.
LARGE_SAMPLE_DF = 200


@dataclass(frozen=True)
class PredictorWording:
    """How a reader talks about one RFM predictor, and the step they think in."""

    noun: str          # in "holding ... constant"
    step: float        # the reader's unit, in the predictor's own units
    step_phrase: str   # the subject of the sentence for one step
    per_step: str      # "per 30 days"
    per_unit: str      # the coefficient table's unit, "per day"


PREDICTOR_WORDING = {
    "Recency": PredictorWording("recency", 30, "every 30 days since the last order",
                                "per 30 days since the last order", "per day"),
    "Frequency": PredictorWording("order frequency", 1, "each additional order in the last 12 months",
                                  "per order", "per order"),
    "MonetaryValue": PredictorWording("basket size", 10, "each additional $10 of average basket",
                                      "per $10 of average basket", "per $1 of average basket"),
}


# --- small shared pieces --------------------------------------------------------------------

def _dollars(value: float) -> str:
    return usd(value, USD_DECIMALS)


def significant(value: float, digits: int = 2) -> str:
    """A small statistic with ``digits`` significant digits, so 4/n stays readable at any n.

    >>> significant(4 / 1_000_000, 1), significant(0.02867)
    ('0.000004', '0.029')
    """
    if value == 0 or not math.isfinite(value):
        return number(value, digits)
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return number(value, decimals)


def _sign(value: float) -> int:
    return 1 if value >= 0 else -1


def _confidence_label(r: ModelResults) -> str:
    return f"{100 * (1 - r.alpha):g}% CI"


def excludes_zero(ci_low: float, ci_high: float) -> bool:
    """The significance rule: the reported interval lies entirely on one side of zero."""
    return ci_low > 0 or ci_high < 0


def _magnitude_interval(ci_low: float, ci_high: float) -> tuple[float, float]:
    """An interval on one side of zero as (smaller, larger) magnitudes, for "$a to $b lower"."""
    return tuple(sorted((abs(ci_low), abs(ci_high))))


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _holding_clause(r: ModelResults, predictor: str | None) -> str:
    others = [PREDICTOR_WORDING[p].noun for p in PREDICTORS if p != predictor]
    if len(r.levels) > 1:
        others.append("segment")
    return f"Holding {_join(others)} constant"


def _rfm_nouns() -> str:
    return _join([PREDICTOR_WORDING[p].noun for p in PREDICTORS])


def _require_term(r: ModelResults, term: str) -> None:
    if term not in r.reported.index:
        known = ", ".join(r.reported.index)
        raise KeyError(f"{term!r} is not a term of this model; the terms are: {known}")


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
    >>> from analysis.cache import load_results
    >>> rfm_effect(load_results(), "Frequency")  # doctest: +ELLIPSIS
    'Holding recency, basket size and segment constant, each additional order ... is associated with roughly $... higher customer value (95% CI $... to $... higher).'
    """
    if predictor not in PREDICTOR_WORDING:
        raise KeyError(f"{predictor!r} is not an RFM predictor; choose one of {', '.join(PREDICTORS)}")
    _require_term(r, predictor)
    row = r.coefficient(predictor)
    wording = PREDICTOR_WORDING[predictor]
    step = wording.step
    estimate, low, high = row.estimate * step, row.ci_low * step, row.ci_high * step
    ci = _confidence_label(r)
    holding = _holding_clause(r, predictor)
    per_unit = "" if step == 1 else (
        f", or {_dollars(row.estimate)} {wording.per_unit} as in the coefficient table")
    if excludes_zero(row.ci_low, row.ci_high):
        direction = COMPARATIVE[_sign(estimate)]
        small, large = _magnitude_interval(low, high)
        return (f"{holding}, {wording.step_phrase} {ASSOCIATED} roughly {_dollars(abs(estimate))} "
                f"{direction} customer value ({ci} {_dollars(small)} to {_dollars(large)} {direction})"
                f"{per_unit}.")
    return (f"{holding}, the association between {wording.noun} and customer value is "
            f"{INDISTINGUISHABLE}: {_dollars(estimate)} {wording.per_step} "
            f"({ci} {_dollars(low)} to {_dollars(high)}){per_unit}.")


def rfm_effects(r: ModelResults) -> str:
    """The three RFM sentences as one paragraph."""
    return " ".join(rfm_effect(r, predictor) for predictor in PREDICTORS)


# --- segment effects ------------------------------------------------------------------------

def _contrast(r: ModelResults, level: str, versus: str) -> tuple[float, float, float]:
    """``level`` minus ``versus`` in dollars beyond RFM, with its reported CI."""
    frame = r.contrasts
    forward = frame[(frame["segment"] == level) & (frame["versus"] == versus)]
    if len(forward):
        row = forward.iloc[0]
        return float(row.difference), float(row.ci_low), float(row.ci_high)
    backward = frame[(frame["segment"] == versus) & (frame["versus"] == level)]
    if len(backward):
        row = backward.iloc[0]
        return -float(row.difference), -float(row.ci_high), -float(row.ci_low)
    raise KeyError(f"no contrast between {level!r} and {versus!r}; the segments are: {', '.join(r.levels)}")


def _difference_sentence(r: ModelResults, level: str, versus: str, difference: float,
                         ci_low: float, ci_high: float, subject: str) -> str:
    ci = _confidence_label(r)
    if excludes_zero(ci_low, ci_high):
        amount = QUANTITY[_sign(difference)]
        small, large = _magnitude_interval(ci_low, ci_high)
        return (f"{subject}, {level} customers have on average {_dollars(abs(difference))} {amount} "
                f"customer value than {versus} customers ({ci} {_dollars(small)} to {_dollars(large)} "
                f"{amount}).")
    return (f"{subject}, the difference in customer value between {level} and {versus} customers is "
            f"{INDISTINGUISHABLE}: {_dollars(difference)} ({ci} {_dollars(ci_low)} to {_dollars(ci_high)}).")


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
                f"{level} customers with the same {_rfm_nouns()}.")
    return _segment_sentence(r, level, r.coefficient(segment_term(level)))


def _segment_sentence(r: ModelResults, level: str, row) -> str:
    ci = _confidence_label(r)
    subject = f"Compared with {r.reference} customers who have the same {_rfm_nouns()}"
    if excludes_zero(row.ci_low, row.ci_high):
        amount = QUANTITY[_sign(row.estimate)]
        small, large = _magnitude_interval(row.ci_low, row.ci_high)
        return (f"{subject}, {level} customers have on average {_dollars(abs(row.estimate))} {amount} "
                f"customer value ({ci} {_dollars(small)} to {_dollars(large)} {amount}).")
    return (f"{subject}, the difference for {level} customers is {INDISTINGUISHABLE}: "
            f"{_dollars(row.estimate)} ({ci} {_dollars(row.ci_low)} to {_dollars(row.ci_high)}).")


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


def high_value_premium(r: ModelResults) -> str:
    """How much extra value the "High Value" label carries beyond what RFM predicts.

    Rules: the comparison is with Low Value customers with the same recency,
    frequency and basket size (the reference when Low Value is absent). A negative
    difference is stated as "less" and said to mean that the label adds nothing
    beyond RFM; a CI containing zero is called indistinguishable from zero.
    """
    baseline = premium_baseline(r)
    if baseline is None:
        return "The data have no High Value customers, so there is no High Value premium to report."
    difference, low, high = _contrast(r, PREMIUM_LEVEL, baseline)
    subject = f"Beyond what {_rfm_nouns()} predict"
    sentence = _difference_sentence(r, PREMIUM_LEVEL, baseline, difference, low, high, subject)
    if not excludes_zero(low, high):
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
    return _dollars(_contrast(r, PREMIUM_LEVEL, baseline)[0])


# --- do the labels add anything? ------------------------------------------------------------

def labels_add_power(r: ModelResults) -> str:
    """The nested F-test of RFM-only against RFM + segment, with ΔR².

    Rules: p < alpha → the labels add explanatory power; otherwise they add none
    that can be told from chance. A significant ΔR² below
    :data:`PRACTICAL_DELTA_R2` is also called small in practical terms.
    """
    nested = r.nested
    test = (f"F({nested.df_num}, {integer(nested.df_den)}) = {number(nested.f, F_DECIMALS)}, "
            f"p {_p_clause(nested.p)}")
    shares = (f"R² is {percent(r.full.r_squared, SHARE_DECIMALS)} with the labels and "
              f"{percent(r.rfm_only.r_squared, SHARE_DECIMALS)} with {_rfm_nouns()} alone "
              f"(ΔR² = {number(100 * nested.delta_r_squared, SHARE_DECIMALS)} percentage points; {test})")
    if nested.p < r.alpha:
        sentence = f"The CRM segment labels add explanatory power beyond RFM: {shares}."
        if nested.delta_r_squared < PRACTICAL_DELTA_R2:
            sentence += (" The gain is statistically clear but small in practical terms: the labels "
                         "carry little information that recency, frequency and basket size do not.")
        return sentence
    return (f"The CRM segment labels add no explanatory power beyond RFM that can be told apart "
            f"from chance: {shares}.")


def _p_clause(p: float) -> str:
    shown = pvalue(p)
    return shown.replace("<", "< ") if shown.startswith("<") else f"= {shown}"


# --- misalignment ---------------------------------------------------------------------------

WIN_BACK_SEGMENT = "At Risk"


def misalignment(r: ModelResults) -> str:
    """How many At Risk customers model as high value, and what that means for win-back.

    "Model as high value" is the results object's rule: RFM-predicted value in the
    top quartile of all customers (see ``r.misalignment_rules``). The other two
    rules (Low Value in the top quartile, High Value in the bottom) follow when
    they flag anyone.
    """
    counts = r.segment_counts
    if WIN_BACK_SEGMENT not in counts:
        first = "The data have no At Risk customers, so there is no win-back misalignment to report."
    else:
        flagged = r.misaligned_count(WIN_BACK_SEGMENT)
        total = counts[WIN_BACK_SEGMENT]
        if flagged == 0:
            first = (f"None of the {integer(total)} At Risk customers has an RFM-predicted value in the "
                     f"top quartile of all customers: for win-back targeting, the At Risk label and "
                     f"the RFM model agree.")
        else:
            first = (f"Of the {integer(total)} At Risk customers, {integer(flagged)} "
                     f"({percent(flagged / total, SHARE_DECIMALS)}) have an RFM-predicted value in the "
                     f"top quartile of all customers: by {_rfm_nouns()} they model as high-value "
                     f"customers who have lapsed. For win-back targeting these are the At Risk "
                     f"customers with the most value at stake; a rule that treats every At Risk "
                     f"customer alike would spend the same on them as on the rest.")
    others = []
    if "Low Value" in counts and r.misaligned_count("Low Value"):
        count = r.misaligned_count("Low Value")
        others.append(f"{integer(count)} Low Value {_customers_model(count)} in the top quartile "
                      f"(candidates for upsell)")
    if "High Value" in counts and r.misaligned_count("High Value"):
        count = r.misaligned_count("High Value")
        others.append(f"{integer(count)} High Value {_customers_model(count)} in the bottom quartile "
                      f"(the label overstates their value)")
    if others:
        return f"{first} Beyond win-back, {_join(others)}."
    return first


def _customers_model(count: int) -> str:
    return "customer models" if count == 1 else "customers model"


def misaligned_at_risk_count(r: ModelResults) -> str:
    """The number of At Risk customers who model as high value, as displayed."""
    return integer(r.misaligned_count(WIN_BACK_SEGMENT) if WIN_BACK_SEGMENT in r.segment_counts else 0)


# --- fit --------------------------------------------------------------------------------------

def mean_customer_value(r: ModelResults) -> float:
    return float(np.mean(r.customers["CustomerValue"].to_numpy()))


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
    error = (f"The typical error for a single customer (the residual standard error) is "
             f"{_dollars(fit.sigma)}, against an average customer value of {_dollars(mean_value)}.")
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
    """The residual standard error in dollars as displayed."""
    return _dollars(r.full.sigma)


def value_of_one_more_order(r: ModelResults) -> str:
    """The Frequency coefficient in dollars per order as displayed (signed)."""
    return _dollars(r.coefficient("Frequency").estimate)


# --- caveats ----------------------------------------------------------------------------------

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
          f"p {_p_clause(d.bp_p)}")
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
        listed = _join([f"{term} ({number(value, STAT_DECIMALS)})" for term, value in collinear.items()])
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
        listed = _join([f"{level} ({integer(count)} customers)" for level, count in small.items()])
        notes.append(f"Small segments: {listed}. With fewer than {integer(SMALL_SEGMENT_SIZE)} customers "
                     f"a segment's dollar effect has a wide confidence interval; treat it as a rough "
                     f"guide, not a budget figure.")
    if d.normality_p < r.alpha:
        tails = (f"skewness {number(d.skewness, STAT_DECIMALS)}, excess kurtosis "
                 f"{number(d.excess_kurtosis, STAT_DECIMALS)}; {d.normality_test} p {_p_clause(d.normality_p)}")
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


# --- executive summary ------------------------------------------------------------------------

def _frequency_headline(r: ModelResults) -> str:
    row = r.coefficient("Frequency")
    if excludes_zero(row.ci_low, row.ci_high):
        return (f"Holding the other signals constant, each additional order {ASSOCIATED} roughly "
                f"{_dollars(abs(row.estimate))} {COMPARATIVE[_sign(row.estimate)]} customer value.")
    return (f"Holding the other signals constant, the association between order frequency and "
            f"customer value is {INDISTINGUISHABLE}.")


def _premium_headline(r: ModelResults) -> str:
    baseline = premium_baseline(r)
    if baseline is None:
        return ""
    difference, low, high = _contrast(r, PREMIUM_LEVEL, baseline)
    if not excludes_zero(low, high):
        return (f"The High Value label carries no value beyond RFM that can be told apart from zero "
                f"(compared with {baseline}).")
    return (f"Beyond RFM, High Value customers have {_dollars(abs(difference))} "
            f"{QUANTITY[_sign(difference)]} customer value than {baseline} customers with the same profile.")


def headline(r: ModelResults) -> str:
    """One paragraph for the executive summary: fit, one order, the premium, win-back."""
    parts = [
        (f"Across {integer(r.n)} customers, recency, order frequency, basket size and the CRM "
         f"segment together explain {percent(r.full.r_squared, SHARE_DECIMALS)} of the variance in "
         f"customer value, with a typical error of {_dollars(r.full.sigma)} per customer."),
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
    "high_value_premium_usd", "labels_add_power", "misalignment", "misaligned_at_risk_count",
    "fit_summary", "r_squared_display", "typical_error_usd", "value_of_one_more_order",
    "caveats", "caveats_markdown", "headline", "excludes_zero", "premium_baseline",
    "mean_customer_value", "PREDICTOR_WORDING", "COMPARATIVE", "QUANTITY",
]
