"""Everything the report reads from the rows of an in-engine fit, as engine aggregates.

:func:`summarise` runs a fixed set of aggregate queries over
:func:`~.scores.customer_scores` and returns an :class:`EngineSummary`: the
diagnostic densities and binned means, the Q-Q order statistics, the labelled
customers, predictor quantiles, per-segment box statistics and profile, and the
few population numbers sentences state (mean value, median absolute errors,
the top-quartile cut of fitted value, the misaligned extremes). Every number is
over all rows and exact (numpy's linear quantiles); only bins and top-N rows
come back. :mod:`analysis.model.derived` reads these when a results object
carries them, so a figure, a table and a sentence still have one source.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
from scipy import stats

from ...data import ID_COLUMN, OUTCOME, PREDICTORS, SEGMENT_COLUMN
from ..derived import DECILES, PARTIAL_COVERAGE, QQ_POINTS, QQ_TAIL_POINTS
from .bins import (Histogram2D, binned_means, histogram_2d, linear_quantiles, order_statistics,
                   quantile_ranks, quantiles, top_rows)
from .fit import EngineFit
from .scores import customer_scores

LABELLED = 3           # customers named per diagnostic panel (plot.lm's id.n; report.figure_alt.N_LABELLED)
TOP_MISALIGNED = 100   # misaligned customers fetched for the "most extreme" table
BOX_PROBABILITIES = (0.05, 0.25, 0.5, 0.75, 0.95)   # whiskers at the 5th/95th percentile, as the figure
BOX_COLUMNS = (OUTCOME, *PREDICTORS)


@dataclass(frozen=True)
class EngineSummary:
    """The row-level views of the fit, aggregated in the engine (see the module docstring)."""

    n: int
    ranges: dict[str, tuple[float, float]]            # fitted, residual, standardized, root, leverage
    residuals_vs_fitted: Histogram2D
    scale_location: Histogram2D
    residuals_vs_leverage: Histogram2D
    fitted_means: pd.DataFrame                       # x, n, residual, root per fitted bin
    qq_theoretical: np.ndarray
    qq_ordered: np.ndarray
    qq_quartiles: tuple[float, float]                 # of the standardized residuals
    labelled_residuals: pd.DataFrame                  # largest |residual|
    labelled_cooks: pd.DataFrame                      # largest Cook's D
    predictor_ranges: dict[str, tuple[float, float]]  # middle PARTIAL_COVERAGE
    predictor_deciles: dict[str, np.ndarray]
    box: dict[tuple[str, str], np.ndarray]            # (level, column) -> BOX_PROBABILITIES quantiles
    profile: pd.DataFrame                             # derived.segment_profile's columns
    mean_value: float
    median_abs_error: dict[str, float]                # "full", "rfm_only"
    fitted_q75: float
    rfm_median: float
    spread_correlation: float
    misaligned_extremes: pd.DataFrame                 # derived.misaligned_by_extremity's first rows
    box_probabilities: tuple[float, ...] = BOX_PROBABILITIES


def _scores(fit: EngineFit) -> ibis.Table:
    scores = customer_scores(fit)
    sigma = fit.results.full.sigma
    standardized = scores["residual"] / (sigma * (1 - ibis.least(scores["leverage"], 1 - 1e-12)).sqrt())
    scores = scores.mutate(standardized=standardized, root=standardized.abs().sqrt(),
                           abs_residual=scores["residual"].abs(),
                           abs_residual0=(scores[OUTCOME] - scores["rfm_prediction"]).abs())
    return opaque(scores)


def opaque(expression: ibis.Table) -> ibis.Table:
    """``expression`` behind a temporary engine view: later queries compile in milliseconds.

    Ibis re-compiles the whole expression tree (the fit's literals, the per-label CASEs)
    for every query built on it: 0.4 s a query, 20 of the 35 s of 40 queries on the
    7,005-customer table; a ``backend.sql`` table re-parses the SQL text each time
    (0.5 s). A temporary view (no data stored, gone with the connection) is a plain name: 18 s -> {T} s.
    """
    backend = expression._find_backend()
    name = "_customer_value_scores_" + hashlib.sha256(ibis.to_sql(expression).encode()).hexdigest()[:16]
    try:  # ibis 12's create_view has no temp= and its DROP fails here; plain SQL, as DuckDB and Spark take it
        backend.raw_sql(f"CREATE TEMPORARY VIEW {name} AS {ibis.to_sql(expression)}")
    except Exception as error:  # noqa: BLE001 - exists already (same SQL), or no right to create views
        if "already exists" not in str(error).lower():
            return expression  # still correct, only slower to compile
    return backend.table(name)


def _extremes(scores: ibis.Table) -> dict[str, tuple[float, float]]:
    names = ("fitted", "residual", "standardized", "root", "leverage", "abs_residual", "abs_residual0",
             "rfm_prediction")
    row = scores.aggregate(**{f"lo_{c}": scores[c].min() for c in names},
                           **{f"hi_{c}": scores[c].max() for c in names},
                           s_f=scores["fitted"].sum(), s_a=scores["abs_residual"].sum(),
                           s_ff=(scores["fitted"] ** 2).sum(), s_aa=(scores["abs_residual"] ** 2).sum(),
                           s_fa=(scores["fitted"] * scores["abs_residual"]).sum()).to_pandas().iloc[0]
    ranges = {c: (float(row[f"lo_{c}"]), float(row[f"hi_{c}"])) for c in names}
    ranges["_sums"] = tuple(float(row[k]) for k in ("s_f", "s_a", "s_ff", "s_aa", "s_fa"))
    return ranges


def _correlation(n: int, s_f, s_a, s_ff, s_aa, s_fa) -> float:
    cov = s_fa - s_f * s_a / n
    return float(cov / np.sqrt((s_ff - s_f**2 / n) * (s_aa - s_a**2 / n)))


def _qq(scores: ibis.Table, n: int, low: float, high: float):
    """R's ppoints and the order statistics derived.qq_points keeps, plus the quartiles for qqline."""
    a = 3 / 8 if n <= 10 else 1 / 2
    ranks = np.arange(1, n + 1)
    if n > QQ_POINTS:
        ranks = np.unique(np.concatenate([np.round(np.linspace(1, n, QQ_POINTS)).astype(int),
                                          np.arange(1, QQ_TAIL_POINTS + 1),
                                          np.arange(n - QQ_TAIL_POINTS + 1, n + 1)]))
    quartile_ranks = quantile_ranks(n, (0.25, 0.75))
    wanted = np.unique(np.concatenate([ranks - 1, quartile_ranks]))
    values = order_statistics(scores, scores["standardized"], n, low, high, wanted)
    lookup = dict(zip(wanted.tolist(), values.tolist()))
    ordered = np.array([lookup[r - 1] for r in ranks])
    quartiles = linear_quantiles(n, (0.25, 0.75), quartile_ranks, [lookup[r] for r in quartile_ranks])
    theoretical = stats.norm.ppf((ranks - a) / (n + 1 - 2 * a))
    return theoretical, ordered, (float(quartiles[0]), float(quartiles[1]))


def _profile(fit: EngineFit, scores: ibis.Table, levels: tuple[str, ...]):
    """Per-segment counts, sums and ranges (one GROUP BY), then box quantiles per segment and column."""
    raw = fit.raw_labels
    level_of = ibis.cases(*((scores[SEGMENT_COLUMN].isin(list(raw[l])), l) for l in levels), else_="")
    groups = (scores.mutate(_level=level_of).group_by("_level")
              .aggregate(n=ibis._.count(), **{f"s_{c}": scores[c].sum() for c in BOX_COLUMNS},
                         **{f"lo_{c}": scores[c].min() for c in BOX_COLUMNS},
                         **{f"hi_{c}": scores[c].max() for c in BOX_COLUMNS})
              .to_pandas().set_index("_level"))
    box = {}
    for level in levels:
        part = scores.filter(scores[SEGMENT_COLUMN].isin(list(raw[level])))
        count = int(groups.loc[level, "n"])
        for c in BOX_COLUMNS:
            box[(level, c)] = quantiles(part, part[c], count, float(groups.loc[level, f"lo_{c}"]),
                                        float(groups.loc[level, f"hi_{c}"]), BOX_PROBABILITIES)
    return groups, box


def _profile_frame(groups: pd.DataFrame, box: dict, levels, overall: dict) -> pd.DataFrame:
    n, total_value = float(groups["n"].sum()), float(groups[f"s_{OUTCOME}"].sum())
    median = BOX_PROBABILITIES.index(0.5)
    rows = []
    for level in levels:
        g = groups.loc[level]
        rows.append({"segment": level, "customers": int(g["n"]), "share": g["n"] / n,
                     "recency_mean": g["s_Recency"] / g["n"], "recency_median": box[(level, "Recency")][median],
                     "frequency_mean": g["s_Frequency"] / g["n"],
                     "frequency_median": box[(level, "Frequency")][median],
                     "monetary_mean": g["s_MonetaryValue"] / g["n"],
                     "monetary_median": box[(level, "MonetaryValue")][median],
                     "value_mean": g[f"s_{OUTCOME}"] / g["n"], "value_share": g[f"s_{OUTCOME}"] / total_value})
    from ..derived import SEGMENT_PROFILE_TOTAL

    rows.append({"segment": SEGMENT_PROFILE_TOTAL, "customers": int(n), "share": 1.0,
                 "recency_mean": groups["s_Recency"].sum() / n, "recency_median": overall["Recency"],
                 "frequency_mean": groups["s_Frequency"].sum() / n, "frequency_median": overall["Frequency"],
                 "monetary_mean": groups["s_MonetaryValue"].sum() / n, "monetary_median": overall["MonetaryValue"],
                 "value_mean": total_value / n, "value_share": 1.0})
    return pd.DataFrame(rows)


def summarise(fit: EngineFit) -> EngineSummary:
    """Run the aggregate queries (about 40, each one scan or a filtered scan) and collect the bins."""
    r = fit.results
    n, levels = r.n, r.levels
    scores = _scores(fit)
    ranges = _extremes(scores)
    theoretical, ordered, qq_quartiles = _qq(scores, n, *ranges["standardized"])
    tail = (1 - PARTIAL_COVERAGE) / 2
    predictor_ranges, deciles, overall_median = {}, {}, {}
    for c in PREDICTORS:
        q = quantiles(scores, scores[c], n, *r.predictor_ranges[c], (tail, 1 - tail, 0.5, *DECILES))
        predictor_ranges[c], overall_median[c], deciles[c] = (float(q[0]), float(q[1])), float(q[2]), q[3:]
    groups, box = _profile(fit, scores, levels)
    errors = {"full": float(quantiles(scores, scores["abs_residual"], n, *ranges["abs_residual"], (0.5,))[0]),
              "rfm_only": float(quantiles(scores, scores["abs_residual0"], n, *ranges["abs_residual0"], (0.5,))[0])}
    fitted_q75 = float(quantiles(scores, scores["fitted"], n, *ranges["fitted"], (0.75,))[0])
    rfm_median = float(quantiles(scores, scores["rfm_prediction"], n, *ranges["rfm_prediction"], (0.5,))[0])
    flagged = scores.filter(scores["misaligned"])
    extremes = top_rows(flagged, (flagged["rfm_prediction"] - rfm_median).abs(),
                        [ID_COLUMN, SEGMENT_COLUMN, OUTCOME, *PREDICTORS, "fitted", "rfm_prediction", "rfm_quartile",
                         "misaligned", "misalignment"], TOP_MISALIGNED)
    extremes["distance"] = (extremes["rfm_prediction"] - rfm_median).abs()
    return EngineSummary(
        n=n, ranges={k: v for k, v in ranges.items() if not k.startswith("_")},
        residuals_vs_fitted=histogram_2d(scores, "fitted", "residual", ranges["fitted"], ranges["residual"]),
        scale_location=histogram_2d(scores, "fitted", "root", ranges["fitted"], ranges["root"]),
        residuals_vs_leverage=histogram_2d(scores, "leverage", "standardized", ranges["leverage"],
                                           ranges["standardized"]),
        fitted_means=binned_means(scores, "fitted", ("residual", "root"), ranges["fitted"]),
        qq_theoretical=theoretical, qq_ordered=ordered, qq_quartiles=qq_quartiles,
        labelled_residuals=top_rows(scores, scores["abs_residual"],
                                    [ID_COLUMN, "fitted", "residual", "root"], LABELLED),
        labelled_cooks=top_rows(scores, scores["cooks_distance"],
                                [ID_COLUMN, "leverage", "standardized", "cooks_distance"], LABELLED),
        predictor_ranges=predictor_ranges, predictor_deciles=deciles, box=box,
        profile=_profile_frame(groups, box, levels, overall_median),
        mean_value=float(groups[f"s_{OUTCOME}"].sum()) / n, median_abs_error=errors, fitted_q75=fitted_q75,
        rfm_median=rfm_median, spread_correlation=_correlation(n, *ranges["_sums"]),
        misaligned_extremes=extremes)
