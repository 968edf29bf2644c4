"""Fit the customer model inside the engine: three dependent rounds of aggregate queries.

1. :func:`~.sufficient.first_pass`: X'X, X'y by segment label (one ``GROUP BY``).
2. With the coefficients and (X'X)^-1 as literals: residual power sums, the centred
   outcome sum of squares, the leverage-weighted HC3 meat (h_i = x_i'(X'X)^-1 x_i as a
   quadratic form in the literals), X'e^2 for Breusch-Pagan, leverage extremes; plus
   the quartiles of the RFM-only prediction.
3. With sigma^2 and the BP auxiliary coefficients as literals: the auxiliary regression's
   residual sum of squares, Cook's distance extremes and the misaligned counts.

Only these sums leave the engine; :mod:`analysis.model.least_squares` does the p x p
algebra exactly as for the in-memory fit, so the numbers agree to rounding.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from ...data import CANONICAL_SEGMENTS, OUTCOME, PREDICTORS, SEGMENT_COLUMN, canonical_segment
from ...errors import ModelSpecificationError
from ...io.provenance import code_version
from ..diagnostics import (central_moments_from_power_sums, condition_number_from_gram, generalised_vif,
                           jarque_bera_moments)
from ..fit import choose_reference, choose_se_type, fit_statistics, nested_test
from ..inference import coefficient_table, segment_contrasts
from ..least_squares import LeastSquaresFit, fit_summary, solve_gram
from ..misalignment import MISALIGNMENT_RULES
from ..results import (ALPHA, SE_HC3, DataSnapshot, Diagnostics, ModelResults, segment_term)
from .quantiles import exact_quantiles
from .sufficient import BASE_NAMES, base_columns, first_pass, pair_sums, symmetric

K0 = len(BASE_NAMES)


def open_customer_table(location: str | Path) -> ibis.Table:
    """An Ibis URL with ``#table`` (``duckdb:///shop.db#customers``), opened as the rfm command does."""
    from ...orders.read import open_order_log, restore_url

    return open_order_log(restore_url(location)).table


@dataclass(frozen=True)
class EngineFit:
    """An in-engine fit: the results the report reads, and what stayed in the engine.

    ``results.customers`` is empty (the rows never left the engine); the per-customer
    columns are :func:`customer_scores`, an expression to write back or export top-N.
    """

    results: ModelResults
    misaligned_by_segment: dict[str, int]
    quartile_cuts: tuple[float, float, float]
    table: ibis.Table
    raw_labels: dict[str, tuple[str, ...]]  # canonical level -> labels as stored
    data_fingerprint: str = ""  # :func:`data_fingerprint`


def data_fingerprint(backend: str, n: int, low: int, high: int) -> str:
    """SHA-256 (hex) of the row count and the row-hash sums of :func:`.sufficient.fingerprint_sums`.

    The same rows in any order give the same fingerprint on the same backend; one changed
    cell gives another (barring a 64-bit hash collision). It identifies the table's
    content, not a file: it is not comparable with the in-memory fit's ``data_sha256``
    (the SHA-256 of the CSV's bytes), nor across backends, whose hash functions differ.
    """
    text = f"customer-rows-v1|{backend}|{n}|{low}|{high}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _segment_value(table: ibis.Table, raw: dict[str, tuple[str, ...]], values: dict[str, float]) -> ibis.Value:
    """A per-row literal chosen by segment label (CASE WHEN Segment IN (...) THEN v ...)."""
    branches = [(table[SEGMENT_COLUMN].isin(list(raw[level])), ibis.literal(float(v)))
                for level, v in values.items()]
    return ibis.cases(*branches, else_=ibis.literal(0.0)) if branches else ibis.literal(0.0)


def _linear(base: list[ibis.Value], coefficients: np.ndarray) -> ibis.Value:
    value = ibis.literal(float(coefficients[0]))
    for column, c in zip(base[1:], coefficients[1:]):
        value = value + column * float(c)
    return value


def _quadratic(base: list[ibis.Value], A: np.ndarray) -> ibis.Value:
    value = ibis.literal(0.0)
    for j in range(K0):
        for l in range(j, K0):
            factor = A[j, l] if j == l else 2 * A[j, l]
            value = value + base[j] * base[l] * float(factor)
    return value


def leverage_expression(table: ibis.Table, base: list[ibis.Value], raw: dict, others: list[str],
                        A: np.ndarray) -> ibis.Value:
    """h_i = x_i' A x_i with A = (X'X)^-1 as literals, the dummies folded into per-label CASEs."""
    leverage = (_quadratic(base, A[:K0, :K0])
                + _segment_value(table, raw, {l: A[K0 + i, K0 + i] for i, l in enumerate(others)}))
    for j in range(K0):  # cross terms between the base columns and the row's own dummy
        leverage = leverage + base[j] * _segment_value(table, raw, {l: 2 * A[j, K0 + i] for i, l in enumerate(others)})
    return leverage


def assemble_gram(groups: pd.DataFrame, others: list[str], raw: dict, prefix: str = "g") -> np.ndarray:
    """The full design's X'X (or any weighted cross-product) from per-label base sums."""
    k = K0 + len(others)
    gram = np.zeros((k, k))
    for _, row in groups.iterrows():
        gram[:K0, :K0] += symmetric(row, prefix)
    for i, level in enumerate(others, start=K0):
        rows = groups[groups[SEGMENT_COLUMN].isin(raw[level])]
        block = sum(symmetric(row, prefix) for _, row in rows.iterrows())
        gram[:K0, i] = gram[i, :K0] = block[0]
        gram[i, i] = block[0, 0]
    return gram


def _by_level(groups: pd.DataFrame, column: str, others: list[str], raw: dict) -> np.ndarray:
    total = float(groups[column].sum())
    return np.array([total, *(float(groups.loc[groups[SEGMENT_COLUMN].isin(raw[l]), column].sum()) for l in others)])


def fit_in_engine(table: ibis.Table, reference: str | None = None, alpha: float = ALPHA,
                  source: str = "engine table") -> EngineFit:
    """Fit full and RFM-only models, HC3, diagnostics and misalignment counts in the engine.

    Raises
    ------
    ModelSpecificationError
        Unknown labels, missing values, too few rows, or a collinear design (the same
        refusal and message as the in-memory fit).
    """
    groups = first_pass(table).to_pandas()
    if int(groups["missing"].sum()):
        raise ModelSpecificationError(f"{source}: {int(groups['missing'].sum())} rows have a missing "
                                      f"{OUTCOME} or predictor; the in-engine fit needs complete rows")
    raw: dict[str, list[str]] = {}
    for label in groups[SEGMENT_COLUMN]:
        level = None if label is None else canonical_segment(str(label))
        if level is None:
            raise ModelSpecificationError(f"{source}: column {SEGMENT_COLUMN} has label {label!r}, not one of "
                                          f"{', '.join(CANONICAL_SEGMENTS)}")
        raw.setdefault(level, []).append(label)
    raw = {level: tuple(labels) for level, labels in raw.items()}
    counts = {level: int(groups.loc[groups[SEGMENT_COLUMN].isin(raw[level]), "n"].sum())
              for level in CANONICAL_SEGMENTS if level in raw}
    levels = tuple(counts)
    reference = choose_reference(list(levels), counts, reference)
    others = [level for level in levels if level != reference]
    names = ["Intercept", *PREDICTORS, *(segment_term(level) for level in others)]
    n, k = int(groups["n"].sum()), K0 + len(others)
    if n <= k:
        raise ModelSpecificationError(f"{source}: {n} rows cannot identify {k} coefficients")

    gram = assemble_gram(groups, others, raw)
    xty = np.concatenate([[float(groups[f"xy{j}"].sum()) for j in range(K0)],
                          [float(groups.loc[groups[SEGMENT_COLUMN].isin(raw[l]), "xy0"].sum()) for l in others]])
    full_solution = solve_gram(gram)
    rfm_solution = solve_gram(gram[:K0, :K0])
    params = full_solution.inverse @ xty
    params_rfm = rfm_solution.inverse @ xty[:K0]
    y_mean = float(groups["xy0"].sum()) / n

    # Round 2: residuals, leverage and HC3 meat with the coefficients as literals.
    base = base_columns(table)
    y = table[OUTCOME].cast("float64")
    A, A0 = full_solution.inverse, rfm_solution.inverse
    segment_shift = _segment_value(table, raw, dict(zip(others, params[K0:])))
    resid = y - _linear(base, params[:K0]) - segment_shift
    resid0 = y - _linear(base, params_rfm)
    leverage = leverage_expression(table, base, raw, others, A)
    leverage0 = _quadratic(base, A0)
    weight = (resid / (1 - leverage)) ** 2
    weight0 = (resid0 / (1 - leverage0)) ** 2
    squared = resid * resid
    sums = {f"e{p}": (resid ** p).sum() for p in (1, 2, 3, 4)}
    sums.update(rss0=(resid0 * resid0).sum(), tss=((y - y_mean) ** 2).sum(),
                max_h=leverage.max(), n_high_h=(leverage > 2 * k / n).cast("int64").sum())
    sums.update(pair_sums(table, base, weight, "w"))
    sums.update(pair_sums(table, base, weight0, "v"))
    sums.update({f"xe{j}": (base[j] * squared).sum() for j in range(K0)})  # xe0 = sum of e^2
    second = table.group_by(SEGMENT_COLUMN).aggregate(**sums).to_pandas()
    prediction0 = _linear(base, params_rfm)
    # Exact, in bounded memory (.quantiles); the bounds follow from the predictor ranges.
    low, high = params_rfm[0], params_rfm[0]
    for j, column in enumerate(PREDICTORS, start=1):
        ends = (params_rfm[j] * float(groups[f"min_{column}"].min()), params_rfm[j] * float(groups[f"max_{column}"].max()))
        low, high = low + min(ends), high + max(ends)
    cuts = exact_quantiles(table, prediction0, n, float(low), float(high), (0.25, 0.5, 0.75))

    e = {p: float(second[f"e{p}"].sum()) for p in (1, 2, 3, 4)}
    ssr, ssr0, tss = e[2], float(second["rss0"].sum()), float(second["tss"].sum())
    meat = assemble_gram(second, others, raw, "w")
    meat0 = sum(symmetric(row, "v") for _, row in second.iterrows())
    full = fit_summary(params, A, A @ meat @ A, ssr, tss, n)
    rfm_only = fit_summary(params_rfm, A0, A0 @ meat0 @ A0, ssr0, tss, n)

    # Round 3: Breusch-Pagan's auxiliary residuals, Cook's distance, misalignment counts.
    xe = np.concatenate([[float(second[f"xe{j}"].sum()) for j in range(K0)],
                         _by_level(second, "xe0", others, raw)[1:]])  # X'e^2, dummies from the groups
    aux = A @ xe
    aux_fit = _linear(base, aux[:K0]) + _segment_value(table, raw, dict(zip(others, aux[K0:])))
    cooks = squared * leverage / (k * full.scale * (1 - leverage) ** 2)
    quartile = ibis.cases((prediction0 <= cuts[0], 1), (prediction0 <= cuts[1], 2),
                          (prediction0 <= cuts[2], 3), else_=4)
    flagged = ibis.or_(*(table[SEGMENT_COLUMN].isin(list(raw.get(rule.segment, ("\0",))))
                         & (quartile == rule.quartile) for rule in MISALIGNMENT_RULES))
    third = table.group_by(SEGMENT_COLUMN).aggregate(
        bp_unexplained=((squared - aux_fit) ** 2).sum(), max_cooks=cooks.max(),
        n_cooks=(cooks > 4 / n).cast("int64").sum(), misaligned=flagged.cast("int64").sum()).to_pandas()

    centred_e2 = e[4] - e[2] ** 2 / n
    bp_stat = n * (1 - float(third["bp_unexplained"].sum()) / centred_e2)
    from scipy import special

    jb_stat, jb_p, skewness, kurtosis = jarque_bera_moments(
        *central_moments_from_power_sums(n, e[1], e[2], e[3], e[4]))
    gvif, gvif_df, gvif_adjusted = generalised_vif(A, names)
    diagnostics = Diagnostics(
        vif=gvif, vif_df=gvif_df, vif_adjusted=gvif_adjusted, bp_stat=float(bp_stat), bp_df=k - 1,
        bp_p=float(special.chdtrc(k - 1, bp_stat)), normality_test="Jarque-Bera", normality_stat=jb_stat,
        normality_p=jb_p, skewness=skewness, excess_kurtosis=kurtosis - 3, cooks_threshold=4 / n,
        n_influential=int(third["n_cooks"].sum()), max_cooks_distance=float(third["max_cooks"].max()),
        leverage_threshold=2 * k / n, n_high_leverage=int(second["n_high_h"].sum()),
        condition_number=condition_number_from_gram(gram))
    misaligned = {level: int(third.loc[third[SEGMENT_COLUMN].isin(raw[level]), "misaligned"].sum()) for level in levels}
    results = _results(full, rfm_only, names, levels, reference, counts, diagnostics, groups, n, alpha, source)
    fingerprint = data_fingerprint(table._find_backend().name, n, int(groups["fingerprint_low"].sum()),
                                   int(groups["fingerprint_high"].sum()))
    return EngineFit(results=results, misaligned_by_segment=misaligned, quartile_cuts=cuts, table=table,
                     raw_labels=raw, data_fingerprint=fingerprint)


def _results(full: LeastSquaresFit, rfm_only: LeastSquaresFit, names, levels, reference, counts,
             diagnostics, groups, n, alpha, source) -> ModelResults:
    se_type = choose_se_type(diagnostics, alpha)
    full_stats, rfm_stats = fit_statistics(full, n), fit_statistics(rfm_only, n)
    covariance = pd.DataFrame(full.cov_params(), index=names, columns=names)
    covariance_hc3 = pd.DataFrame(full.cov_HC3, index=names, columns=names)
    params = pd.Series(full.params, index=names)
    contrasts = segment_contrasts(params, covariance_hc3 if se_type == SE_HC3 else covariance,
                                  levels, reference, full_stats.df_resid, alpha)
    means = {c: float(groups[f"g0{j}"].sum()) / n
             for j, c in enumerate(PREDICTORS, start=1)}
    ranges = {c: (float(groups[f"min_{c}"].min()), float(groups[f"max_{c}"].max())) for c in PREDICTORS}
    return ModelResults(
        data=DataSnapshot(path=Path(source), sha256="", n_rows=n, encoding="", modified_utc=""),
        code_version=code_version(), reference=reference, levels=levels, segment_counts=counts,
        coefficients=coefficient_table(full, names, full.cov_HC3, alpha), covariance=covariance,
        covariance_hc3=covariance_hc3, full=full_stats, rfm_only=rfm_stats,
        rfm_only_coefficients=coefficient_table(rfm_only, names[:K0], rfm_only.cov_HC3, alpha),
        nested=nested_test(full_stats, rfm_stats), contrasts=contrasts,
        customers=pd.DataFrame({"Segment": pd.Series([], dtype=str), "misaligned": pd.Series([], dtype=bool)}),
        diagnostics=diagnostics, predictor_means=means, predictor_ranges=ranges, se_type=se_type,
        alpha=alpha, misalignment_rules=MISALIGNMENT_RULES)
