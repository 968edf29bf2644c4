"""great_tables for issues 10 and 11, read from a computed ModelEvidence (fixed ids, house style).

Numbers are formatted here only; every value comes from :mod:`analysis.evidence` via
:class:`analysis.model.evidence.ModelEvidence`. Intervals print with
:func:`analysis.evidence.notes.ci_decimals` digits, so a printed interval always shows
whether it excludes zero.
"""
from __future__ import annotations

import pandas as pd
from great_tables import GT

from ..evidence.notes import ci_decimals
from ..evidence.side_by_side import effects_frame, fit_frame
from ..model.evidence import ModelEvidence
from ._table_style import build_table
from .formatting import integer, number, percent, pvalue, usd

PM = "\u00a0±\u00a0"  # non-breaking: "0.509 ± 0.001" never wraps inside a narrow column
TERM_LABELS = {"Recency": "Recency (per day)", "Frequency": "Frequency (per order)",
               "MonetaryValue": "MonetaryValue (per $1)"}
TEST_LABELS = {"reset": "RESET (powers 2-3)", "segment_interactions": "Segment x RFM interactions (HC3 Wald)",
               "frequency_x_monetary": "Frequency x MonetaryValue (HC3 Wald)",
               "recency_spline": "Natural spline on Recency, df 3 (HC3 Wald)"}


def _interval(estimate: float, low: float, high: float) -> str:
    d = ci_decimals(low, high)
    return f"{usd(estimate, d)} [{usd(low, d)}, {usd(high, d)}]"


def _term(term: str) -> str:
    if term.startswith("Segment["):
        return term[len("Segment["):-1] + " (vs reference)"
    return TERM_LABELS.get(term, term)


def models_side_by_side(ev: ModelEvidence) -> GT:
    """modelsummary-style: one column per model, AMEs in dollars [95% CI], fit rows at the foot."""
    effects, fit = effects_frame(ev.evidence), fit_frame(ev.evidence)
    names = list(fit["model"])
    labels = dict(zip(fit["model"], fit["label"]))
    rows = {}
    for rec in effects.itertuples():
        rows.setdefault(_term(rec.term), {})[rec.model] = _interval(rec.estimate, rec.ci_low, rec.ci_high)
    table = [{"row": k, **{n: v.get(n, "") for n in names}} for k, v in rows.items()]
    for rec, key in (("n", "Customers"), ("r_squared", "R² (in-sample, dollars)"),
                     ("rms_error", "Root-mean-square error"), ("median_abs_error", "Median absolute error"),
                     ("aic", "AIC")):
        row = {"row": key}
        for f in fit.itertuples():
            value = getattr(f, rec)
            row[f.model] = ("" if value is None or pd.isna(value) else integer(value) if rec == "n" else
                            number(value, 3) if rec == "r_squared" else number(value, 0) if rec == "aic" else usd(value))
        table.append(row)
    vcov = "; ".join(f"{labels[n]}: {ev.evidence.models[n].cov_kind}" for n in names)
    return build_table(pd.DataFrame(table), table_id="tbl-models-side-by-side", title="Competing models side by side",
                       subtitle="Average marginal effects in dollars [95% CI]", labels={"row": "", **labels},
                       numeric=names, rowname_col="row",
                       notes=[f"Interval covariance per model: {vcov}.",
                              "R² is in-sample on dollars; cross-validated fit is in the prediction chapter."])


def specification_checks(ev: ModelEvidence) -> GT:
    """Each specification check: statistic, p, R² gain, whether it fires."""
    checks = ev.evidence.specification
    rows = [{"check": TEST_LABELS.get(t.name, t.name), "stat": number(t.stat, 2), "p": pvalue(t.p),
             "gain": number(100 * t.r2_gain, 2), "fires": "yes" if t.alarm else "no"} for t in checks.tests]
    rows.append({"check": "Share of negative fitted values", "stat": percent(checks.negative_fitted_share),
                 "p": "", "gain": "", "fires": "yes" if checks.negative_fitted_alarm else "no"})
    return build_table(pd.DataFrame(rows), table_id="tbl-specification-checks", title="Specification checks",
                       subtitle="Does the straight-line model miss structure?",
                       labels={"check": "Check", "stat": "Statistic", "p": "p", "gain": "R² gain (points)",
                               "fires": "Alarm"},
                       numeric=["stat", "p", "gain"],
                       notes=["An alarm needs p < 0.01 and an in-sample R² gain of at least 0.5 points; "
                              "negative fits alarm above 1% when no outcome is negative."])


def claims_robustness(ev: ModelEvidence) -> GT:
    """Each headline claim against each admissible model, and whether it is robust."""
    labels = {n: m.spec.label for n, m in ev.evidence.models.items()}
    models = sorted({m for c in ev.evidence.claims for m in c.models}, key=list(labels).index)
    rows = []
    for c in ev.evidence.claims:
        row = {"claim": c.claim, "robust": "yes" if c.robust else "no (depends on the model)"}
        for m in models:
            v = c.models.get(m)
            if v is None:
                row[m] = ""
            elif c.key == "misaligned":
                row[m] = integer(v.estimate)
            elif c.key == "labels_add_power":
                row[m] = f"F {number(v.estimate, 1)}, p {pvalue(v.p)}"
            else:
                row[m] = _interval(v.estimate, v.ci_low, v.ci_high) + ("" if c.holds.get(m, True) else " ✗")
        rows.append(row)
    return build_table(pd.DataFrame(rows), table_id="tbl-claims-robustness", title="Do the claims survive other models?",
                       subtitle="Each claim in each model that passes the checks", numeric=models,
                       labels={"claim": "Claim", "robust": "Robust", **{m: labels[m] for m in models}},
                       notes=["✗: the model disagrees with the linear model's claim. Admitted models: the linear one and "
                              "competitors with negative fitted values for no more customers than it has (or 1%). "
                              "A claim is robust only when at least one competitor is admitted and all agree."])


def segment_value(ev: ModelEvidence) -> GT:
    """Mean residual, marginal mean and contrast per segment: three different quantities, named."""
    rows = []
    for v in ev.evidence.segment_values:
        rows.append({"segment": v.segment, "n": integer(v.n),
                     "resid": _interval(v.mean_residual.estimate, v.mean_residual.ci_low, v.mean_residual.ci_high),
                     "emm": _interval(v.marginal_mean.estimate, v.marginal_mean.ci_low, v.marginal_mean.ci_high),
                     "contrast": ("reference" if v.contrast is None else
                                  _interval(v.contrast.estimate, v.contrast.ci_low, v.contrast.ci_high)),
                     "overlap": percent(ev.evidence.specification.segment_overlap.get(v.segment, 1.0), 0)})
    return build_table(pd.DataFrame(rows), table_id="tbl-segment-value", title="Segment value beyond RFM",
                       subtitle="Three different quantities [95% CI]",
                       labels={"segment": "Segment", "n": "Customers", "resid": "Mean residual vs RFM-only",
                               "emm": "Marginal mean at common RFM", "contrast": "Contrast vs reference",
                               "overlap": "RFM overlap with reference"},
                       numeric=["n", "resid", "emm", "contrast", "overlap"],
                       notes=["Mean residual: actual minus the RFM-only prediction, averaged over the segment's customers. "
                              "Marginal mean: the linear model's prediction for every customer relabelled to the "
                              "segment (emmeans). Contrast: marginal mean minus the reference's."])


def influence_refits(ev: ModelEvidence) -> GT:
    """Each refit without influential customers: coefficient before and after."""
    rows = []
    for refit in ev.evidence.influence.refits:
        for t in refit.terms:
            rows.append({"rule": f"{refit.rule} ({integer(refit.n_dropped)} dropped)", "term": _term(t.term),
                         "before": number(t.before.estimate, 3), "after": number(t.after.estimate, 3),
                         "flip": "yes" if t.flips_sign else "no"})
    frame = pd.DataFrame(rows, columns=["rule", "term", "before", "after", "flip"])
    return build_table(frame, table_id="tbl-influence-refits", title="Refits without influential customers",
                       subtitle=f"Cook's distance above {ev.evidence.influence.cooks_cutoff:g}; top "
                                f"{100 * ev.evidence.influence.top_share:.1f}%",
                       labels={"term": "Term", "before": "All customers", "after": "Refit", "flip": "Sign flips"},
                       numeric=["before", "after"], groupname_col="rule", notes=[])


def cross_validation(ev: ModelEvidence) -> GT:
    """Repeated K-fold scores of every model, with their spread over repeats."""
    v = ev.prediction.validation
    t = v.table()
    best = ev.best_name
    rows = [{"model": r.label + (" (best)" if r.model == best else ""),
             "r2": f"{number(r.cv_r_squared, 3)}{PM}{number(r.cv_r_squared_sd, 3)}",
             "rmse": f"{usd(r.cv_rmse)}{PM}{usd(r.cv_rmse_sd)}", "mae": f"{usd(r.cv_mae)}{PM}{usd(r.cv_mae_sd)}",
             "k": integer(r.n_parameters)} for r in t.itertuples()]
    return build_table(pd.DataFrame(rows), table_id="tbl-cross-validation", title="Out-of-sample fit",
                       subtitle=f"{v.folds}-fold cross-validation x {v.repeats} repeats, seed {v.seed}",
                       labels={"model": "Model", "r2": "CV R²", "rmse": "CV RMSE", "mae": "CV MAE", "k": "Parameters"},
                       numeric=["r2", "rmse", "mae", "k"],
                       notes=["± is the standard deviation over repeats. Best: the simplest model within one "
                              "standard error of the lowest CV RMSE."])


def list_totals(ev: ModelEvidence) -> GT:
    """Actual against modelled totals, in-sample and out of fold, with their bands."""
    rows = [{"list": t.name, "n": integer(t.size), "actual": usd(t.actual, 0), "modelled": usd(t.modelled, 0),
             "band": f"{usd(t.low, 0)} to {usd(t.high, 0)}", "oof": usd(t.modelled_oof, 0),
             "band_oof": f"{usd(t.low_oof, 0)} to {usd(t.high_oof, 0)}"} for t in ev.list_totals]
    level = f"{100 * ev.list_totals[0].level:.0f}%" if ev.list_totals else ""
    return build_table(pd.DataFrame(rows, columns=["list", "n", "actual", "modelled", "band", "oof", "band_oof"]),
                       table_id="tbl-list-totals", title="List totals: actual against modelled",
                       subtitle=f"{level} bands with parameter uncertainty and each list's own residual spread",
                       labels={"list": "List", "n": "Customers", "actual": "Actual", "modelled": "Modelled (in-sample)",
                               "band": "Band", "oof": "Modelled (out of fold)", "band_oof": "Band (out of fold)"},
                       numeric=["n", "actual", "modelled", "band", "oof", "band_oof"],
                       notes=[f"Modelled by the {ev.prediction.best.label.lower()} model (best by cross-validation)."])


def misalignment_counts(ev: ModelEvidence) -> GT:
    rows = [{"segment": r.segment, "n": integer(r.n), "rule": r.rule, "point": integer(r.point_count),
             "interval": integer(r.interval_count)} for r in ev.prediction.misaligned.itertuples()]
    return build_table(pd.DataFrame(rows), table_id="tbl-misalignment-intervals", title="Misaligned customers",
                       subtitle="Point predictions against 80% prediction intervals",
                       labels={"segment": "CRM label", "n": "Customers", "rule": "Rule", "point": "Point count",
                               "interval": "Clearly (P > 0.8 / < 0.2)"},
                       numeric=["n", "point", "interval"],
                       notes=[f"Model: {ev.prediction.best.label.lower()} (best by cross-validation)."])
