"""The report's tables as great_tables objects, built only from the results object.

Every function returns a ``GT`` with a fixed ``id`` (see ``TABLE_IDS``), a title
and source notes naming N, R², residual SE and the standard-error type. The
cells come from the ``*_rows`` functions of :mod:`analysis.report.table_rows`
(re-exported here), so a test or a sentence can compare against exactly what a
table shows. Data values (IDs, labels) are passed to great_tables as plain text,
which escapes them; nothing here builds HTML by hand.

The HTML is deliberately plain (one ``<table>``, a ``<thead>`` title, row-group
rows, a ``<tfoot>`` of notes) so that Pandoc's HTML reader turns it into a real
Typst table for the PDF.
"""
from __future__ import annotations

from great_tables import GT

from ..model.results import SE_HC3, ModelResults
from ..model.targeting import Targeting
from ._table_style import bold_rows, build_table, mute_rows
from .formatting import integer
from .table_rows import (DEFAULT_TOP_MISALIGNED, coefficient_rows, fit_note, intercept_note,
                         misaligned_count_rows, misaligned_customer_rows, model_fit_rows, se_note,
                         segment_effect_rows, segment_profile_rows, target_list_rows, diagnostic_rows)
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

HEADINGS = {  # table: (title, subtitle)
    "coefficients": ("What customer value is associated with",
                     "OLS coefficients in US dollars, each holding the other terms constant"),
    "model_fit": ("How much of customer value the model explains",
                  "RFM signals alone, and with the CRM segment label added"),
    "segment_effects": ("Value differences between segments at equal RFM",
                        "Expected CustomerValue of the first segment minus the second, same recency, "
                        "frequency and basket"),
    "misaligned_customers": ("Customers whose CRM label disagrees with their RFM value", None),
    "misaligned_counts": ("Misaligned customers by segment",
                          "Customers whose RFM-predicted value contradicts their CRM label"),
    "segment_profile": ("Segment profile", "Size, recency, frequency, basket and value of each CRM segment"),
    "target_lists": ("Campaign lists", "Each customer is on at most one list, assigned in the order shown"),
    "diagnostic_checks": ("Regression diagnostics",
                          "Checks of the assumptions behind the estimates and their intervals"),
}

# One vocabulary of column headers: a column key reads the same in every table that has
# it; a table overrides a header only where its column means something narrower. The
# confidence-interval header comes from alpha (:func:`~analysis.report.wording.ci_label`).
COLUMN_LABELS = {
    "unit": "Unit", "estimate": "Estimate", "std_error": "SE", "t": "t", "p": "p",
    "difference": "Difference", "p_holm": "Holm p", "rfm_only": "RFM only", "full": "RFM + segment",
    "CustomerID": "Customer", "segment": "CRM label", "reason": "Why flagged",
    "rfm_prediction": "RFM-predicted value", "actual": "Actual value", "customers": "Customers",
    "misaligned": "Misaligned", "share": "Share", "rule": "Rule",
    "recency_mean": "Mean", "recency_median": "Median", "frequency_mean": "Mean", "frequency_median": "Median",
    "monetary_mean": "Mean", "monetary_median": "Median", "value_mean": "Mean value",
    "value_share": "Share of total", "value_total": "Total", "value": "Value", "reading": "Reading",
}
PROFILE_SPANNERS = (("Customers", ["customers", "share"]),
                    ("Recency (days)", ["recency_mean", "recency_median"]),
                    ("Frequency (orders)", ["frequency_mean", "frequency_median"]),
                    ("Basket (USD)", ["monetary_mean", "monetary_median"]),
                    ("Customer value (USD)", ["value_mean", "value_share"]))


def _table(name: str, rows, results: ModelResults, *, numeric: list[str], notes: list[str] = (),
           labels: dict[str, str] | None = None, subtitle: str | None = None, hidden: list[str] = (),
           model_note: bool = True, **layout) -> GT:
    """``build_table`` with the table's fixed id, its heading, the shared column headers and the fit note first."""
    title, default_subtitle = HEADINGS[name]
    stub = {layout.get("rowname_col"), layout.get("groupname_col")}
    vocabulary = {**COLUMN_LABELS, "ci": ci_label(results.alpha), **(labels or {})}
    visible = [column for column in rows.columns if column not in hidden and column not in stub]
    return build_table(rows, table_id=TABLE_IDS[name], title=title, subtitle=subtitle or default_subtitle,
                       labels={column: vocabulary[column] for column in visible}, numeric=numeric,
                       notes=[fit_note(results), *notes] if model_note else list(notes), hidden=hidden, **layout)


def coefficients(results: ModelResults) -> GT:
    """Dollar coefficients of the full model, grouped into RFM signals and segment.

    Examples
    --------
    >>> from analysis.model import load_results
    >>> 'id="table-coefficients"' in coefficients(load_results()).as_raw_html()
    True
    """
    rows = coefficient_rows(results)
    table = _table("coefficients", rows, results, numeric=["estimate", "ci", "std_error", "t", "p"],
                   notes=[se_note(results), intercept_note(results), ASSOCIATION_NOTE],
                   rowname_col="label", groupname_col="group", hidden=["term", "is_reference"], stubhead="Term")
    table = table.tab_spanner(label=f"Inference ({results.se_type})", columns=["ci", "std_error", "t", "p"])
    return mute_rows(table, rows.index[rows["is_reference"]].to_list())


def model_fit(results: ModelResults, labels_wald: tuple[float, float] | None = None) -> GT:
    """RFM-only and full model side by side, with the nested F-test for the segment labels.

    ``labels_wald`` (robust F, p) is the HC3 Wald test of the labels, computed by the evidence
    layer; the footer states it beside the classical F-tests, which never use HC3.
    """
    f_tests = "The F-tests are classical (they assume constant residual variance)."
    if labels_wald is not None:
        f_tests += (f" HC3 Wald test that the labels add nothing: F = {labels_wald[0]:,.2f}, "
                    f"p {'< 0.001' if labels_wald[1] < 0.001 else f'= {labels_wald[1]:.3f}'}.")
    return _table("model_fit", model_fit_rows(results), results, numeric=["rfm_only", "full"],
                  notes=[se_note(results), f"AIC and BIC as R reports them (lower is better). {f_tests}"],
                  rowname_col="label", groupname_col="group", hidden=["statistic"], stubhead="Statistic")


def segment_effects(results: ModelResults) -> GT:
    """Each segment against the reference, then every other pair, with Holm-adjusted p."""
    holm = (f"Holm p adjusts for all {len(results.contrasts)} pairs together; "
            "confidence intervals are not adjusted.")
    return _table("segment_effects", segment_effect_rows(results), results,
                  numeric=["difference", "ci", "std_error", "p", "p_holm"],
                  notes=[se_note(results), holm, ASSOCIATION_NOTE],
                  rowname_col="label", groupname_col="group", hidden=["segment", "versus"], stubhead="Segments")


def misaligned_customers(results: ModelResults, top: int = DEFAULT_TOP_MISALIGNED) -> GT:
    """The ``top`` customers whose CRM label most disagrees with their RFM-predicted value."""
    rows = misaligned_customer_rows(results, top)
    shown = (f"The {integer(len(rows))} most extreme of {integer(results.misaligned_count())} flagged customers, "
             "furthest from the median RFM-predicted value first")
    return _table("misaligned_customers", rows, results, subtitle=shown, numeric=["rfm_prediction", "actual"],
                  notes=["RFM-predicted value comes from the RFM-only model; quartiles are of that prediction "
                         "across all customers."])


def misaligned_counts(results: ModelResults) -> GT:
    """How many customers in each segment break their label's misalignment rule; the last row is the total."""
    rows = misaligned_count_rows(results)
    return bold_rows(_table("misaligned_counts", rows, results, numeric=["customers", "misaligned", "share"],
                            labels={"share": "Share of segment"},
                            notes=["Segments without a rule are not checked (—)."]),
                     [len(rows) - 1])


def segment_profile(results: ModelResults) -> GT:
    """Size, RFM signals and value of each CRM segment: the table RFM reports lead with."""
    rows = segment_profile_rows(results)
    table = _table("segment_profile", rows, results, numeric=[c for c in rows.columns if c != "segment"],
                   labels={"customers": "Count"}, rowname_col="segment", stubhead="CRM label",
                   model_note=False,  # descriptive: the model's R² and SE type say nothing about it
                   notes=["Recency in days since the last order; frequency in orders over 12 months; "
                          "basket is the average order value."])
    for label, columns in PROFILE_SPANNERS:
        table = table.tab_spanner(label=label, columns=columns)
    return bold_rows(table, [len(rows) - 1])


def target_lists(results: ModelResults, targeting: Targeting) -> GT:
    """The campaign lists of :func:`analysis.model.targeting.build_targeting`: rule, size and modelled value."""
    return _table("target_lists", target_list_rows(results, targeting), results,
                  numeric=["customers", "share", "value_total", "value_mean"], labels={"value_mean": "Per customer"},
                  notes=[("Modelled value is the brief's linear model's fitted value." if targeting.model == "linear" else
                          f"Modelled value is the prediction of the best cross-validated model ({targeting.model}).")
                         + " Each list total's interval and its actual total are in the list-totals table."],
                  rowname_col="name", hidden=["key"], stubhead="List",
                  ).tab_spanner(label="Modelled value (USD)", columns=["value_total", "value_mean"])


def diagnostic_checks(results: ModelResults) -> GT:
    """Collinearity, error distribution and influence checks, each with its reading."""
    return _table("diagnostic_checks", diagnostic_rows(results), results, numeric=["value"],
                  notes=[se_note(results)], rowname_col="label", groupname_col="group", hidden=["check"],
                  stubhead="Check")
