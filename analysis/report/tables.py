"""The report's tables as great_tables objects, built only from the results object.

Every function returns a ``GT`` with a fixed ``id`` (see ``TABLE_IDS``), a title
and source notes naming N, R², residual SE and the standard-error type. The
cells come from the ``*_rows`` functions of :mod:`analysis.table_rows`
(re-exported here), so a test or a sentence can compare against exactly what a
table shows. Data values (IDs, labels) are passed to great_tables as plain text,
which escapes them; nothing here builds HTML by hand.

The HTML is deliberately plain (one ``<table>``, a ``<thead>`` title, row-group
rows, a ``<tfoot>`` of notes) so that Pandoc's HTML reader turns it into a real
Typst table for the PDF.
"""
from __future__ import annotations

from great_tables import GT

from ._table_style import bold_rows, build_table, mute_rows
from .formatting import integer
from ..model.results import SE_HC3, ModelResults
from .table_rows import (DEFAULT_TOP_MISALIGNED, coefficient_rows, fit_note, intercept_note,
                         misaligned_count_rows, misaligned_customer_rows, model_fit_rows, se_note,
                         segment_effect_rows, segment_profile_rows, target_list_rows, diagnostic_rows)
from ..model.targeting import Targeting
from .wording import ci_label

__all__ = [
    "TABLE_IDS", "coefficients", "model_fit", "segment_effects", "misaligned_customers",
    "misaligned_counts", "segment_profile", "target_lists", "diagnostic_checks", "diagnostic_rows",
    "coefficient_rows", "model_fit_rows", "segment_effect_rows", "misaligned_customer_rows",
    "misaligned_count_rows", "segment_profile_rows", "target_list_rows", "fit_note", "se_note",
]

TABLE_IDS = {
    "coefficients": "table-coefficients",
    "model_fit": "table-model-fit",
    "segment_effects": "table-segment-effects",
    "misaligned_customers": "table-misaligned-customers",
    "misaligned_counts": "table-misaligned-counts",
    "segment_profile": "table-segment-profile",
    "target_lists": "table-target-lists",
    "diagnostic_checks": "table-diagnostic-checks",
}
ASSOCIATION_NOTE = "Associations in observational data, not causal effects."


def coefficients(results: ModelResults) -> GT:
    """Dollar coefficients of the full model, grouped into RFM signals and segment.

    Examples
    --------
    >>> from analysis.cache import load_results
    >>> 'id="table-coefficients"' in coefficients(load_results()).as_raw_html()
    True
    """
    rows = coefficient_rows(results)
    table = build_table(
        rows, table_id=TABLE_IDS["coefficients"],
        title="What customer value is associated with",
        subtitle="OLS coefficients in US dollars, each holding the other terms constant",
        labels={"unit": "Unit", "estimate": "Estimate", "ci": ci_label(results.alpha), "std_error": "SE",
                "t": "t", "p": "p"},
        numeric=["estimate", "ci", "std_error", "t", "p"],
        notes=[fit_note(results), se_note(results), intercept_note(results), ASSOCIATION_NOTE],
        rowname_col="label", groupname_col="group", hidden=["term", "is_reference"], stubhead="Term")
    table = table.tab_spanner(label=f"Inference ({results.se_type})", columns=["ci", "std_error", "t", "p"])
    return mute_rows(table, rows.index[rows["is_reference"]].to_list())


def model_fit(results: ModelResults) -> GT:
    """RFM-only and full model side by side, with the nested F-test for the segment labels."""
    f_tests = ("The F-tests are classical (they assume constant residual variance)."
               if results.se_type == SE_HC3 else "The F-tests use classical OLS standard errors.")
    return build_table(
        model_fit_rows(results), table_id=TABLE_IDS["model_fit"],
        title="How much of customer value the model explains",
        subtitle="RFM signals alone, and with the CRM segment label added",
        labels={"rfm_only": "RFM only", "full": "RFM + segment"},
        numeric=["rfm_only", "full"],
        notes=[fit_note(results), se_note(results),
               f"AIC and BIC as R reports them (lower is better). {f_tests}"],
        rowname_col="label", groupname_col="group", hidden=["statistic"], stubhead="Statistic")


def segment_effects(results: ModelResults) -> GT:
    """Each segment against the reference, then every other pair, with Holm-adjusted p."""
    return build_table(
        segment_effect_rows(results), table_id=TABLE_IDS["segment_effects"],
        title="Value differences between segments at equal RFM",
        subtitle="Expected CustomerValue of the first segment minus the second, same recency, frequency and basket",
        labels={"difference": "Difference", "ci": ci_label(results.alpha), "std_error": "SE", "p": "p",
                "p_holm": "Holm p"},
        numeric=["difference", "ci", "std_error", "p", "p_holm"],
        notes=[fit_note(results), se_note(results),
               f"Holm p adjusts for all {len(results.contrasts)} pairs together; "
               "confidence intervals are not adjusted.", ASSOCIATION_NOTE],
        rowname_col="label", groupname_col="group", hidden=["segment", "versus"], stubhead="Segments")


def misaligned_customers(results: ModelResults, top: int = DEFAULT_TOP_MISALIGNED) -> GT:
    """The ``top`` customers whose CRM label most disagrees with their RFM-predicted value."""
    rows = misaligned_customer_rows(results, top)
    flagged = results.misaligned_count()
    return build_table(
        rows, table_id=TABLE_IDS["misaligned_customers"],
        title="Customers whose CRM label disagrees with their RFM value",
        subtitle=(f"The {integer(len(rows))} most extreme of {integer(flagged)} flagged customers, "
                  "furthest from the median RFM-predicted value first"),
        labels={"CustomerID": "Customer", "segment": "CRM label", "reason": "Why flagged",
                "rfm_prediction": "RFM-predicted value", "actual": "Actual value"},
        numeric=["rfm_prediction", "actual"],
        notes=[fit_note(results),
               "RFM-predicted value comes from the RFM-only model; quartiles are of that prediction "
               "across all customers."])


def misaligned_counts(results: ModelResults) -> GT:
    """How many customers in each segment break their label's misalignment rule."""
    rows = misaligned_count_rows(results)
    table = build_table(
        rows, table_id=TABLE_IDS["misaligned_counts"],
        title="Misaligned customers by segment",
        subtitle="Customers whose RFM-predicted value contradicts their CRM label",
        labels={"segment": "CRM label", "customers": "Customers", "misaligned": "Misaligned",
                "share": "Share of segment", "rule": "Rule"},
        numeric=["customers", "misaligned", "share"],
        notes=[fit_note(results), "Segments without a rule are not checked (—)."])
    return bold_rows(table, [len(rows) - 1])


def segment_profile(results: ModelResults) -> GT:
    """Size, RFM signals and value of each CRM segment: the table RFM reports lead with."""
    rows = segment_profile_rows(results)
    table = build_table(
        rows, table_id=TABLE_IDS["segment_profile"],
        title="Segment profile",
        subtitle="Size, recency, frequency, basket and value of each CRM segment",
        labels={"segment": "CRM label", "customers": "Count", "share": "Share",
                "recency_mean": "Mean", "recency_median": "Median",
                "frequency_mean": "Mean", "frequency_median": "Median",
                "monetary_mean": "Mean", "monetary_median": "Median",
                "value_mean": "Mean value", "value_share": "Share of total"},
        numeric=[c for c in rows.columns if c != "segment"],
        notes=[fit_note(results),
               "Recency in days since the last order; frequency in orders over 12 months; "
               "basket is the average order value."],
        rowname_col="segment", stubhead="CRM label")
    for label, columns in (("Customers", ["customers", "share"]),
                           ("Recency (days)", ["recency_mean", "recency_median"]),
                           ("Frequency (orders)", ["frequency_mean", "frequency_median"]),
                           ("Basket (USD)", ["monetary_mean", "monetary_median"]),
                           ("Customer value (USD)", ["value_mean", "value_share"])):
        table = table.tab_spanner(label=label, columns=columns)
    return bold_rows(table, [len(rows) - 1])



def target_lists(results: ModelResults, targeting: Targeting) -> GT:
    """The campaign lists of :func:`analysis.targeting.build_targeting`: rule, size and modelled value."""
    return build_table(
        target_list_rows(results, targeting), table_id=TABLE_IDS["target_lists"],
        title="Campaign lists",
        subtitle="Each customer is on at most one list, assigned in the order shown",
        labels={"rule": "Rule", "customers": "Customers", "share": "Share",
                "value_total": "Total", "value_mean": "Per customer"},
        numeric=["customers", "share", "value_total", "value_mean"],
        notes=[fit_note(results),
               "Modelled value is the full model's fitted value. For one customer it is uncertain by "
               "about the residual SE; a list total is far more precise."],
        rowname_col="name", hidden=["key"], stubhead="List",
    ).tab_spanner(label="Modelled value (USD)", columns=["value_total", "value_mean"])


def diagnostic_checks(results: ModelResults) -> GT:
    """Collinearity, error distribution and influence checks, each with its reading."""
    return build_table(
        diagnostic_rows(results), table_id=TABLE_IDS["diagnostic_checks"],
        title="Regression diagnostics",
        subtitle="Checks of the assumptions behind the estimates and their intervals",
        labels={"value": "Value", "reading": "Reading"},
        numeric=["value"],
        notes=[fit_note(results), se_note(results)],
        rowname_col="label", groupname_col="group", hidden=["check"], stubhead="Check")
