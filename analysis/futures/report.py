"""Tables, figures and sentences of the "Customer futures" chapter; they only read a FuturesRun.

Nothing here fits or recomputes: every number comes from a field of
:class:`~analysis.futures.pipeline.FuturesRun`, so a value quoted in a sentence
is the value in the table. Every function accepts ``None`` (no order log) and a
run whose section was skipped; it then returns ``None`` or the stated reason.
Sentences are decided by explicit rules (thresholds below) that tests cover.
"""
from __future__ import annotations

import pandas as pd
from great_tables import GT
from matplotlib.figure import Figure

from ..io.escape_markdown import markdown_text
from ..report._figure_style import house_style, new_figure, style_axes
from ..report._table_style import build_table
from ..report.formatting import integer, number, percent, usd
from .anomalies import ORDERS_PER_DAY_LIMIT, REVIEW_NOTE, Z_LIMIT
from .churn import DEFINITION, PREDICTORS, overlap
from .clusters import cross_tab
from .pipeline import FuturesRun
# The holdout section lives in report_holdout; re-exported so the chapter reads one module.
from .report_holdout import (ACCURATE_SHARE, ACTUAL, BUSY_END_RATIO, PREDICTED,  # noqa: F401
                             default_data_note, model_sentence, money, season_forecast_sentence, season_index_sentence,
                             validation_figure, validation_sentence)

INDEPENDENCE_LIMIT = 0.30    # |r| above this: Gamma-Gamma's assumption is doubtful
AUC_TIE = 0.01               # AUCs closer than this: "about as well"
STABLE_ARI = 0.90            # every re-seeded ARI above this: "stable"


def introduction(run: FuturesRun | None) -> str:
    """Scope, the headline and every caveat, or how to configure an order log."""
    if run is None:
        return ("::: {.callout-note}\n## No order log configured\n\nThis chapter predicts each customer's "
                "purchases, churn and lifetime value from an order log. Set `ORDER_LOG` (and "
                "`ORDER_LOG_AS_OF`, the end of calibration) and render again.\n:::\n")
    text = (f"{integer(len(run.customers))} customers from {markdown_text(run.source)}, calibrated on every "
            f"purchase up to {run.as_of}; {integer(run.repeat_customers)} of them bought more than once. "
            f"Time unit: weeks. Value is profit: {percent(run.margin, 0)} margin, "
            f"{percent(run.options.monthly_discount, 1)} monthly discount, over the next "
            f"{run.options.horizon_months} months.\n")
    notes = notes_list(run)
    return text + ("\n" + "\n".join(f"- {note}" for note in notes) + "\n" if notes else "")


def notes_list(run: FuturesRun) -> list[str]:
    """Caveats by rule: holdout coverage, the anomaly choice, every skipped section."""
    notes = []
    if run.holdout_status == "partial":
        notes.append(f"The log ends inside the holdout: validation covers {number(run.holdout_weeks, 1)} weeks, "
                     f"not the full {run.holdout_months} months.")
    notes.append("Customers flagged as anomalies were **left out** of the model fits (they are still scored)."
                 if run.options.exclude_anomalies else
                 "Customers flagged as anomalies were **kept** in the model fits.")
    if run.recent_activity_ratio >= BUSY_END_RATIO:
        notes.append(f"The two months before as-of had {number(run.recent_activity_ratio, 2)} times as many active "
                     "customers per month as the ten before them (season or growth). BG/NBD assumes each "
                     "customer's purchase rate is steady, so an ordinary holdout after a busy end of "
                     "calibration tends to be over-predicted"
                     + ("; the per-customer numbers here come from a BG/NBD whose purchase rates follow a "
                        "calendar season (holdout section)."
                        if run.season_adjusted is not None else "."))
    notes += [f"Skipped — {section.replace('_', ' ')}: {markdown_text(reason)}." for section, reason in
              run.skipped.items()]
    return notes


def section(run: FuturesRun | None, title: str, anchor: str, text: str = "", needs: str | None = None) -> str:
    """A heading and its lead, or the reason the section cannot be shown."""
    if run is None:
        return ""
    heading = f"\n## {title} {{#{anchor}}}\n\n"  # blank line first: Pandoc needs one before a heading
    if needs is not None and needs in run.skipped:
        return heading + f"*Not shown:* {markdown_text(run.skipped[needs])}.\n"
    return heading + text + "\n"


def _shown(run: FuturesRun | None, attribute: str):
    return None if run is None else getattr(run, attribute)


# ---- purchase and spend models -------------------------------------------------------------

def parameters_table(run: FuturesRun | None) -> GT | None:
    """Fitted BG/NBD and Gamma-Gamma parameters, with what each one means."""
    if _shown(run, "gamma_gamma") is None:
        return None
    g = run.gamma_gamma
    fits = [("BG/NBD", run.bgnbd, "weeks")]
    if run.season_adjusted is not None:  # the model used first, the plain one beside it
        fits = [("BG/NBD, season-adjusted (used)", run.season_adjusted.bgnbd, "season-weighted weeks"),
                ("BG/NBD, plain", run.bgnbd, "weeks")]
    rows = [row for name, b, unit in fits for row in (
            (name, "r", b.r, "shape of purchase-rate heterogeneity"),
            (name, "α", b.alpha, f"scale of purchase-rate heterogeneity ({unit})"),
            (name, "a", b.a, "drop-out after a purchase: Beta a"),
            (name, "b", b.b, "drop-out after a purchase: Beta b"))]
    rows += [
            ("Gamma-Gamma", "p", g.p, "shape of spend per purchase"),
            ("Gamma-Gamma", "q", g.q, "shape of customers' mean-spend heterogeneity"),
            ("Gamma-Gamma", "γ", g.gamma, "scale of customers' mean-spend heterogeneity"),
            ("Gamma-Gamma", "corr(x, m)", g.frequency_spend_correlation, "frequency–spend correlation (assumed 0)")]
    shown = pd.DataFrame(rows, columns=["model", "parameter", "value", "meaning"])
    shown["value"] = shown["value"].map(lambda v: f"{v:.4g}")
    return build_table(shown, table_id="futures-parameters", title="Purchase and spend models",
                       subtitle=f"Maximum likelihood (MAP, flat priors) on {integer(run.fitted_customers)} "
                                f"customers; spend on {integer(g.customers)} repeat customers",
                       labels={"model": "Model", "parameter": "Parameter", "value": "Estimate",
                               "meaning": "Meaning"}, numeric=["value"], notes=[])


def spend_sentence(run: FuturesRun | None) -> str:
    """The independence check of Gamma-Gamma, in words decided by |r| against the limit."""
    if _shown(run, "gamma_gamma") is None:
        return ""
    r = run.gamma_gamma.frequency_spend_correlation
    verdict = ("weak enough for the model's independence assumption"
               if abs(r) <= INDEPENDENCE_LIMIT else
               "too strong for comfort: the model assumes spend does not depend on frequency, "
               "so CLV may be biased for the most and least frequent buyers")
    return (f"Among repeat customers, the correlation between the number of repeat purchases and mean "
            f"spend is {r:+.2f}, {verdict} (limit used: |r| ≤ {INDEPENDENCE_LIMIT:.2f}).")


# ---- churn ------------------------------------------------------------------------------------

def churn_table(run: FuturesRun | None) -> GT | None:
    """AUC and Brier score of each churn predictor on the holdout."""
    if _shown(run, "churn") is None:
        return None
    m = run.churn.metrics
    shown = pd.DataFrame({"label": m["label"], "auc": m["auc"].map(lambda v: f"{v:.3f}"),
                          "brier": m["brier"].map(lambda v: f"{v:.3f}")})
    return build_table(shown, table_id="futures-churn", title="Churn predictors on the holdout",
                       subtitle=f"Churn = {DEFINITION}; {percent(run.churn.churn_rate)} of customers churned",
                       labels={"label": "Predictor", "auc": "AUC", "brier": "Brier score"},
                       numeric=["auc", "brier"],
                       notes=["AUC: 0.5 is chance, 1 is perfect ranking. Brier: mean squared error of the "
                              "probability (lower is better).",
                              "The logistic regression is scored out of fold (5 folds): it learns from holdout "
                              "labels of other customers; BG/NBD sees no holdout data at all."])


def churn_sentence(run: FuturesRun | None) -> str:
    """Which predictor ranks churners better, by the AUC rule."""
    if _shown(run, "churn") is None:
        return ""
    m = run.churn.metrics.set_index("predictor")
    bg, lr = m.loc["bgnbd_p_no_purchase"], m.loc["logistic_rfm"]
    gap = bg["auc"] - lr["auc"]
    if abs(gap) < AUC_TIE:
        verdict = "ranks churners about as well as"
    else:
        verdict = "ranks churners better than" if gap > 0 else "ranks churners less well than"
    not_alive = m.loc["bgnbd_not_alive"]
    return (f"BG/NBD's probability of no purchase in the holdout (AUC {bg['auc']:.3f}, Brier {bg['brier']:.3f}) "
            f"{verdict} the logistic regression on RFM and tenure (AUC {lr['auc']:.3f}, Brier {lr['brier']:.3f}). "
            f"The plain 1 − P(alive) scores AUC {not_alive['auc']:.3f}: it gives every one-time buyer "
            "P(alive) = 1, although many of them never return, so it is not a churn probability.")


def calibration_figure(run: FuturesRun | None, ax=None) -> Figure | None:
    """Observed churn rate against predicted probability, per predictor (quantile bins)."""
    if _shown(run, "churn") is None:
        return None
    colours = dict(zip(PREDICTORS, (PREDICTED, "#9A9A9A", ACTUAL)))
    with house_style():
        figure, (axis,) = new_figure(1, (1, 1), 3.4, ax)
        axis.plot([0, 1], [0, 1], color="#BBBBBB", linewidth=0.8, linestyle="--", label="Perfect calibration")
        for key, curve in run.churn.calibration.groupby("predictor", sort=False):
            axis.plot(curve["predicted"], curve["observed"], marker="o", markersize=3, color=colours[key],
                      label=PREDICTORS[key])
        axis.set_xlabel("Predicted churn probability")
        axis.set_ylabel("Observed churn rate")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.legend(loc="upper left")
        style_axes(axis)
    return figure


def win_back_table(run: FuturesRun | None, rows: int = 15) -> GT | None:
    """The high-value customers most likely to make no purchase over the horizon."""
    if run is None or run.win_back is None or run.win_back.empty:
        return None
    w = run.win_back.head(rows)
    shown = pd.DataFrame({"CustomerID": w["CustomerID"], "Segment": w["Segment"],
                          "revenue": w["Revenue12m"].map(lambda v: usd(v, 0)),
                          "churn": w["churn_probability"].map(percent),
                          "clv": w["clv"].map(lambda v: usd(v, 0))})
    return build_table(shown, table_id="futures-win-back", title="Win-back list",
                       subtitle=f"{integer(len(run.win_back))} of the top 20% by 12-month revenue have a churn "
                                f"probability of 50% or more over {run.options.horizon_months} months; "
                                f"the first {len(w)} are shown",
                       labels={"CustomerID": "Customer", "Segment": "CRM label", "revenue": "Revenue, 12 months",
                               "churn": "P(no purchase)", "clv": "Expected profit"},
                       numeric=["revenue", "churn", "clv"],
                       notes=["The full list is in downloads/customer_futures.csv (churn_probability column)."])


# ---- clusters ---------------------------------------------------------------------------------

def cluster_selection_figure(run: FuturesRun | None, ax=None) -> Figure | None:
    """Elbow (within-cluster sum of squares) and mean silhouette for every k tried."""
    if _shown(run, "clusters") is None:
        return None
    s = run.clusters.selection
    with house_style():
        figure, (elbow, silhouette) = new_figure(2, (1, 2), 3.0, ax)
        elbow.plot(s["k"], s["inertia"], marker="o", color=PREDICTED)
        elbow.set_ylabel("Within-cluster sum of squares")
        silhouette.plot(s["k"], s["silhouette"], marker="o", color=PREDICTED)
        silhouette.axvline(run.clusters.k, color=ACTUAL, linewidth=1, linestyle="--")
        silhouette.set_ylabel("Mean silhouette")
        for axis in (elbow, silhouette):
            axis.set_xlabel("k (number of clusters)")
            axis.set_xticks(list(s["k"]))
            style_axes(axis, grid_axis="y")
    return figure


def cluster_sentence(run: FuturesRun | None) -> str:
    """The chosen k, why, and whether the partition is stable across seeds."""
    if _shown(run, "clusters") is None:
        return ""
    c = run.clusters
    lowest = min(c.stability_ari)
    stability = ("stable: re-fitted with other seeds it gives the same partition"
                 if lowest >= STABLE_ARI else "not stable: other seeds give a noticeably different partition")
    return (f"The silhouette is highest at k = {c.k} ({c.silhouette:.2f}), so {c.k} clusters are kept. "
            f"The assignment is {stability} (lowest adjusted Rand index {lowest:.2f} over "
            f"{len(c.stability_ari)} seeds).")


def cluster_profile_table(run: FuturesRun | None) -> GT | None:
    """Size, typical R, F, M and revenue share of each cluster, named by rule."""
    if _shown(run, "clusters") is None:
        return None
    p = run.clusters.profiles
    shown = pd.DataFrame({"name": p["name"], "customers": p["customers"].map(integer),
                          "share": p["share"].map(percent), "recency": p["recency_median"].map(lambda v: number(v, 0)),
                          "frequency": p["frequency_median"].map(lambda v: number(v, 0)),
                          "monetary": p["monetary_median"].map(usd), "revenue_share": p["revenue_share"].map(percent)})
    return build_table(shown, table_id="futures-cluster-profiles", title="Cluster profiles",
                       subtitle="Customers with an order in the last 12 months; medians; names compare each "
                                "median with the median of all clustered customers (±10% = average)",
                       labels={"name": "Cluster", "customers": "Customers", "share": "% of customers",
                               "recency": "Recency (days)", "frequency": "Orders (12 months)",
                               "monetary": "Mean order value", "revenue_share": "% of revenue"},
                       numeric=["customers", "share", "recency", "frequency", "monetary", "revenue_share"],
                       notes=["k-means on standardised log(1 + Recency, Frequency, MonetaryValue). "
                              f"{integer((run.customers['Frequency'] == 0).sum())} lapsed customers (no order in "
                              "12 months) are not clustered; they form their own group in the cross-tabs."])


def cluster_crosstab_table(run: FuturesRun | None, column: str = "RFMSegment") -> GT | None:
    """Customers per cluster and named segment (``RFMSegment``) or CRM label (``Segment``)."""
    if _shown(run, "clusters") is None or column not in run.customers:
        return None
    table = cross_tab(run.clusters, run.customers, column)
    shown = table.map(integer).reset_index()
    shown.columns = [str(c) for c in shown.columns]
    label = "R × F segment" if column == "RFMSegment" else "CRM label"
    return build_table(shown, table_id=f"futures-crosstab-{column.lower()}", title=f"Clusters against the {label}",
                       subtitle="Customers in each cell", labels={c: c for c in shown.columns},
                       numeric=list(shown.columns[1:]), notes=[])


# ---- anomalies --------------------------------------------------------------------------------

def anomaly_sentence(run: FuturesRun | None) -> str:
    """The share flagged, the rule, and the review note."""
    if run is None:
        return ""
    a = run.anomalies
    return (f"{percent(a.share_flagged)} of customers ({integer(a.flagged.sum())}) are flagged: a robust z-score "
            f"above {Z_LIMIT} on the log of their mean or largest order, or {ORDERS_PER_DAY_LIMIT} or more orders "
            f"on one day. {REVIEW_NOTE}")


def anomaly_table(run: FuturesRun | None) -> GT | None:
    """The most extreme flagged customers and why they were flagged."""
    if run is None or run.anomalies.top.empty:
        return None
    t = run.anomalies.top
    shown = pd.DataFrame({"CustomerID": t["CustomerID"], "reasons": t["reasons"], "orders": t["orders"].map(integer),
                          "revenue": t["calibration_revenue"].map(usd), "largest": t["largest_order"].map(usd),
                          "mean": t["mean_order"].map(usd), "score": t["score"].map(lambda v: number(v, 1))})
    return build_table(shown, table_id="futures-anomalies", title="Customers flagged for review",
                       subtitle="The most extreme cases first (largest robust z-score)",
                       labels={"CustomerID": "Customer", "reasons": "Reason", "orders": "Orders",
                               "revenue": "Revenue to as-of", "largest": "Largest order", "mean": "Mean order",
                               "score": "Robust z"},
                       numeric=["orders", "revenue", "largest", "mean", "score"], notes=[REVIEW_NOTE])


def misalignment_overlap_sentence(run: FuturesRun | None, model_customers: pd.DataFrame | None) -> str:
    """How the win-back list meets the model chapter's misaligned customers, computed from both tables.

    ``model_customers`` is the model's per-customer frame (``CustomerID``, ``misaligned``).
    The lists are comparable only when both tables describe the same customers (the
    default data: ``data/customers.csv`` is derived from the same log, as of the same
    day); without shared ids the sentence says so instead of reporting a zero.
    """
    if run is None or run.win_back is None or model_customers is None:
        return ""
    model_ids = set(model_customers["CustomerID"].astype(str))
    if not model_ids & set(run.customers["CustomerID"].astype(str)):
        return ("The model chapter's customers and this log's customers share no CustomerID, so the win-back "
                "list cannot be set against the model's misaligned customers.")
    flagged = model_customers.loc[model_customers["misaligned"].astype(bool), "CustomerID"]
    meet = overlap(run.win_back, flagged)
    if meet.win_back == 0:
        return "The win-back list is empty, so there is nothing to set against the model's misaligned customers."
    if meet.both == 0:
        return (f"None of the {integer(meet.win_back)} win-back customers is among the {integer(meet.other)} "
                "customers the model chapter flags as misaligned: the two lists look at different customers "
                "(past value about to be lost here; a CRM label out of line with modelled value there).")
    return (f"{integer(meet.both)} of the {integer(meet.win_back)} win-back customers "
            f"({percent(meet.share_of_win_back, 0)}) are also among the {integer(meet.other)} customers the "
            "model chapter flags as misaligned (CRM label out of line with modelled value); the other "
            f"{integer(meet.win_back - meet.both)} are at risk without being mislabelled.")


def is_default_request() -> bool:
    """Whether the chapter reads the default log the way ``data/customers.csv`` was derived."""
    from .. import config
    from .environment import futures_request

    request = futures_request()
    return (request is not None and request.location == str(config.DEFAULT_ORDER_LOG)
            and request.as_of == config.DEFAULT_ORDER_LOG_AS_OF and request.labels is not None)
