"""The cells every report table shows, as tidy frames of displayed strings.

Each ``*_rows`` function reads only the results object and returns exactly the
text a reader sees, formatted with :mod:`analysis.report.formatting`. The great_tables
builders in :mod:`analysis.report.tables` render these frames and nothing else, so a
test (or a sentence in :mod:`analysis.report.prose`) can compare against a cell at the
precision the table displays. Key columns (``term``, ``segment``, ...) carry the
results' own names so rows can be looked up without parsing labels.
"""
from __future__ import annotations

import pandas as pd

from ..data import PREDICTORS
from ..model.derived import misaligned_by_extremity, segment_profile
from ..model.misalignment import rule_for
from ..model.results import PREDICTOR_UNITS, SE_HC3, ModelResults, segment_term
from ..model.targeting import Targeting
from ..evidence.notes import ci_decimals
from ..model.derived import median_abs_error
from .formatting import integer, number, percent, pvalue, usd, usd_interval
from .wording import CONDITION_NUMBER_LIMIT, ci_label, p_phrase, se_label

RFM_GROUP = "RFM signals"
REFERENCE_MARK = "—"          # what a reference row shows instead of an estimate
PREDICTOR_LABELS = {"Recency": "Recency", "Frequency": "Frequency", "MonetaryValue": "Monetary value"}
DEFAULT_TOP_MISALIGNED = 15


def segment_group(results: ModelResults) -> str:
    """Row-group label of the segment coefficients, e.g. ``Segment (vs Low Value)``."""
    return f"Segment (vs {results.reference})"


def fit_note(results: ModelResults) -> str:
    """The source note every table carries: N, R², residual SE and the standard-error type."""
    fit = results.full
    return (f"N = {integer(fit.n)} customers. R² = {number(fit.r_squared, 3)}. "
            f"Residual SE = {usd(fit.sigma)} (a root-mean-square error). Standard errors: {se_label(results, 'full')}.")


def se_note(results: ModelResults) -> str:
    """Why the report uses the standard errors it does, decided by the Breusch–Pagan test."""
    bp = p_phrase(results.diagnostics.bp_p)
    if results.se_type == SE_HC3:
        return (f"Breusch–Pagan rejects constant residual variance ({bp}), so standard errors, "
                "confidence intervals and p-values use HC3 heteroskedasticity-consistent standard errors.")
    return (f"Breusch–Pagan does not reject constant residual variance ({bp}), "
            "so classical OLS standard errors are used.")


def _coefficient_row(results: ModelResults, term: str, group: str, label: str, unit: str) -> dict:
    row = results.coefficient(term)
    return {"term": term, "group": group, "label": label, "unit": unit,
            "estimate": usd(row.estimate, ci_decimals(row.ci_low, row.ci_high)),
            "ci": usd_interval(row.ci_low, row.ci_high, ci_decimals(row.ci_low, row.ci_high)),
            "std_error": usd(row.std_error), "t": number(row.t, 2), "p": pvalue(row.p),
            "is_reference": False}


def coefficient_rows(results: ModelResults) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.coefficients`, one row per term.

    The intercept is left out (it is an extrapolation to R = F = M = 0) and the
    reference segment appears as a row of its own with ``—`` for its estimate.

    Examples
    --------
    >>> from analysis.model import load_results
    >>> coefficient_rows(load_results()).set_index("term").loc["Frequency", "unit"]
    'per order'
    """
    rows = [_coefficient_row(results, term, RFM_GROUP, PREDICTOR_LABELS[term], PREDICTOR_UNITS[term])
            for term in PREDICTORS]
    group = segment_group(results)
    same_rfm = f"vs {results.reference}, same R, F and M"
    # The reference level leads its group, as gtsummary and modelsummary print it.
    for level in sorted(results.levels, key=lambda level: level != results.reference):
        if level == results.reference:
            rows.append({"term": segment_term(level), "group": group, "label": f"{level} (reference)",
                         "unit": "reference level", "estimate": REFERENCE_MARK, "ci": "", "std_error": "",
                         "t": "", "p": "", "is_reference": True})
        else:
            rows.append(_coefficient_row(results, segment_term(level), group, level, same_rfm))
    return pd.DataFrame(rows)


def intercept_note(results: ModelResults) -> str:
    row = results.coefficient("Intercept")
    return (f"Intercept {usd(row.estimate)} ({ci_label(results.alpha)} {usd_interval(row.ci_low, row.ci_high)}): the expected "
            f"value of a {results.reference} customer with R = F = M = 0, outside the data.")


FIT_ROWS = (  # key, label, how to display the FitStatistics field
    ("r_squared", "R²", lambda v: number(v, 3)),
    ("adj_r_squared", "Adjusted R²", lambda v: number(v, 3)),
    ("sigma", "Residual SE (root-mean-square error)", usd),
    ("f", "F statistic", lambda v: number(v, 1)),
    ("f_p", "p (F)", pvalue),
    ("n", "N", integer),
    ("aic", "AIC", lambda v: number(v, 1)),
    ("bic", "BIC", lambda v: number(v, 1)),
)
FIT_GROUP = "Fit"
NESTED_GROUP = "Segment labels beyond RFM (nested F-test)"


def model_fit_rows(results: ModelResults) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.model_fit`: ``statistic`` key, ``rfm_only``, ``full``."""
    rows = [{"statistic": key, "group": FIT_GROUP, "label": label,
             "rfm_only": show(getattr(results.rfm_only, key)), "full": show(getattr(results.full, key))}
            for key, label, show in FIT_ROWS]
    rows.insert(3, {"statistic": "median_abs_error", "group": FIT_GROUP, "label": "Median absolute error (typical error)",
                    "rfm_only": usd(median_abs_error(results, "rfm_only")), "full": usd(median_abs_error(results))})
    rows.insert(5, {"statistic": "df", "group": FIT_GROUP, "label": "F degrees of freedom",
                    "rfm_only": f"{results.rfm_only.df_model}, {integer(results.rfm_only.df_resid)}",
                    "full": f"{results.full.df_model}, {integer(results.full.df_resid)}"})
    nested = results.nested
    for key, label, shown in (
            ("delta_r_squared", "ΔR²", number(nested.delta_r_squared, 3)),
            ("nested_f", f"F ({nested.df_num}, {integer(nested.df_den)} df)", number(nested.f, 1)),
            ("nested_p", "p (nested F)", pvalue(nested.p))):
        rows.append({"statistic": key, "group": NESTED_GROUP, "label": label, "rfm_only": "", "full": shown})
    return pd.DataFrame(rows)


def segment_effect_rows(results: ModelResults) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.segment_effects`: every pair of segments.

    Pairs that involve the reference come first and read "segment vs reference";
    ``p_holm`` is adjusted over all pairs together.
    """
    against, others = [], []
    for pair in results.contrasts.to_dict("records"):
        # Orient reference pairs as "segment minus reference", as the coefficients read.
        flip = pair["segment"] == results.reference
        sign = -1.0 if flip else 1.0
        first, second = (pair["versus"], pair["segment"]) if flip else (pair["segment"], pair["versus"])
        low, high = sorted((sign * pair["ci_low"], sign * pair["ci_high"]))
        row = {"segment": first, "versus": second, "label": f"{first} vs {second}",
               "difference": usd(sign * pair["difference"]), "ci": usd_interval(low, high, ci_decimals(low, high)),
               "std_error": usd(pair["std_error"]), "p": pvalue(pair["p"]), "p_holm": pvalue(pair["p_holm"])}
        (against if results.reference in (first, second) else others).append(row)
    for row in against:
        row["group"] = f"Against the reference ({results.reference})"
    for row in others:
        row["group"] = "Other pairs"
    return pd.DataFrame(against + others)


def _flag_shown(results: ModelResults, label: str) -> str:
    """What the RFM side says about a flagged customer, beside their label: "Top-quartile RFM value"."""
    flag = rule_for(results.misalignment_rules, label).flag
    return flag[:1].upper() + flag[1:]


def misaligned_customer_rows(results: ModelResults, top: int = DEFAULT_TOP_MISALIGNED) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.misaligned_customers`: the ``top`` most extreme."""
    if top < 1:
        raise ValueError(f"top must be at least 1 customer, got {top}")
    chosen = misaligned_by_extremity(results).head(top)
    return pd.DataFrame({
        "CustomerID": chosen["CustomerID"].astype(str).to_list(),
        "segment": chosen["Segment"].astype(str).to_list(),
        # The label has its own column; the reason keeps only what the RFM side says.
        "reason": [_flag_shown(results, label) for label in chosen["Segment"]],
        "rfm_prediction": [usd(v) for v in chosen["rfm_prediction"]],
        "actual": [usd(v) for v in chosen["CustomerValue"]],
    })


def misaligned_count_rows(results: ModelResults) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.misaligned_counts`: flagged customers per segment."""
    counts = results.segment_counts  # the fit's own counts (a warehouse build's customers are a sample)
    rows = []
    for level in results.levels:
        size, flagged = int(counts.get(level, 0)), results.misaligned_count(level)
        rule = rule_for(results.misalignment_rules, level)
        checked = size > 0 and rule is not None
        rows.append({"segment": level, "customers": integer(size), "misaligned": integer(flagged),
                     "share": percent(flagged / size) if checked else REFERENCE_MARK,
                     "rule": rule.short if rule is not None else REFERENCE_MARK})
    total = results.misaligned_count()
    rows.append({"segment": "All customers", "customers": integer(results.n), "misaligned": integer(total),
                 "share": percent(total / results.n), "rule": ""})
    return pd.DataFrame(rows)


def segment_profile_rows(results: ModelResults) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.segment_profile`, one row per segment plus a total.

    Shares of customers and of total CustomerValue are of the whole cohort, so the
    segment rows sum to 100% (up to rounding of the displayed digit).
    """
    rows = [{
        "segment": row.segment, "customers": integer(row.customers), "share": percent(row.share),
        "recency_mean": number(row.recency_mean, 1), "recency_median": number(row.recency_median, 1),
        "frequency_mean": number(row.frequency_mean, 1), "frequency_median": number(row.frequency_median, 1),
        "monetary_mean": usd(row.monetary_mean), "monetary_median": usd(row.monetary_median),
        "value_mean": usd(row.value_mean), "value_share": percent(row.value_share),
    } for row in segment_profile(results).itertuples()]
    return pd.DataFrame(rows)


def target_list_rows(results: ModelResults, targeting: Targeting) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.target_lists`: one row per campaign list."""
    rows = []
    for target in targeting.lists:
        rows.append({"key": target.key, "name": target.name, "rule": target.rule,
                     "customers": integer(target.size), "share": percent(target.size / results.n),
                     "value_total": usd(target.expected_value_total, 0),
                     "value_mean": usd(target.expected_value_mean, 0) if target.size else REFERENCE_MARK})
    return pd.DataFrame(rows)


DIAGNOSTIC_GROUPS = ("Collinearity", "Error distribution", "Influence")


def diagnostic_rows(results: ModelResults) -> pd.DataFrame:
    """Displayed cells of :func:`analysis.report.tables.diagnostic_checks`: ``check`` key, ``value``, ``reading``."""
    d = results.diagnostics
    collinearity, errors, influence = DIAGNOSTIC_GROUPS
    rows = []
    for term, gvif in d.vif.items():
        label = PREDICTOR_LABELS.get(term, term)
        rows.append({"check": f"vif_{term}", "group": collinearity, "label": f"GVIF: {label} (Df {d.vif_df[term]})",
                     "value": number(gvif, 2),
                     "reading": f"GVIF^(1/(2 Df)) = {number(d.vif_adjusted[term], 2)}"})
    rows.append({"check": "condition_number", "group": collinearity, "label": "Scaled condition number",
                 "value": number(d.condition_number, 1),
                 "reading": f"above {CONDITION_NUMBER_LIMIT:g} signals harmful collinearity"})
    rows.append({"check": "breusch_pagan", "group": errors, "label": f"Breusch–Pagan (studentized, df {d.bp_df})",
                 "value": number(d.bp_stat, 2), "reading": p_phrase(d.bp_p)})
    rows.append({"check": "normality", "group": errors, "label": d.normality_test,
                 "value": number(d.normality_stat, 1),
                 "reading": f"{p_phrase(d.normality_p)}; skewness {number(d.skewness, 2)}, "
                            f"excess kurtosis {number(d.excess_kurtosis, 2)}"})
    n = results.n
    rows.append({"check": "influential", "group": influence, "label": "Cook's distance above 4/n",
                 "value": integer(d.n_influential),
                 "reading": f"{percent(d.n_influential / n)} of customers; largest {number(d.max_cooks_distance, 3)}"})
    rows.append({"check": "high_leverage", "group": influence, "label": "Leverage above 2k/n",
                 "value": integer(d.n_high_leverage),
                 "reading": f"{percent(d.n_high_leverage / n)} of customers"})
    return pd.DataFrame(rows)
