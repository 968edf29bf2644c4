"""Sufficient statistics of the customer model as Ibis aggregate expressions.

Why grouped by segment: a treatment dummy is constant within a segment, so every
entry of X'X, X'y and the HC3 meat that involves a dummy is a per-segment sum of
the RFM columns alone. Grouping by the label gives all of them from sums over
``BASE = [1, Recency, Frequency, MonetaryValue]`` and the outcome, with no dummy
column ever built in the engine, and the segment counts for free.
"""
from __future__ import annotations

import itertools

import ibis
import numpy as np
import pandas as pd

from ...data import ID_COLUMN, OUTCOME, PREDICTORS, SEGMENT_COLUMN

BASE_NAMES = ("one", *PREDICTORS)
PAIRS = tuple(itertools.combinations_with_replacement(range(len(BASE_NAMES)), 2))


def base_columns(table: ibis.Table) -> list[ibis.Value]:
    """[1, Recency, Frequency, MonetaryValue] as float64 expressions."""
    return [ibis.literal(1.0), *(table[c].cast("float64") for c in PREDICTORS)]


def pair_sums(table: ibis.Table, base: list[ibis.Value], weight: ibis.Value | None,
              prefix: str) -> dict[str, ibis.Value]:
    """sum(w x_j x_l) for every j <= l of the base columns (w = 1 when ``weight`` is None)."""
    sums = {}
    for j, l in PAIRS:
        if j == l == 0:  # the intercept's own entry: a count, or the sum of the weights
            sums[f"{prefix}00"] = table.count().cast("float64") if weight is None else weight.sum()
            continue
        term = base[j] * base[l]
        sums[f"{prefix}{j}{l}"] = (term if weight is None else term * weight).sum()
    return sums


def symmetric(row: pd.Series, prefix: str) -> np.ndarray:
    """The 4 x 4 matrix of :func:`pair_sums` for one group."""
    k = len(BASE_NAMES)
    matrix = np.empty((k, k))
    for j, l in PAIRS:
        matrix[j, l] = matrix[l, j] = float(row[f"{prefix}{j}{l}"])
    return matrix


def cross_products(table: ibis.Table) -> dict[str, ibis.Value]:
    """n, sum x_j x_l (``g{j}{l}``), sum x_j y (``xy{j}``; xy0 is the sum of y) and y'y."""
    base = base_columns(table)
    y = table[OUTCOME].cast("float64")
    sums = pair_sums(table, base, None, "g")
    sums.update({f"xy{j}": (base[j] * y).sum() for j in range(len(base))})
    sums.update(n=table.count(), yy=(y * y).sum())
    return sums


# The row hash's two halves, summed separately so that no sum overflows 64 bits
# (|low| < 2^32, |high| < 2^31: 2^31 rows fit either way).
_HALF = 1 << 32


def fingerprint_sums(table: ibis.Table) -> dict[str, ibis.Value]:
    """Order-independent sums of a 64-bit hash of every row's contract values.

    Each row is hashed as one struct of the six contract columns in the types the fit
    reads them (ID and label as text, the numbers as float64), so a changed cell changes
    its row's hash; the rows are combined by addition, so their order does not matter.
    The engine's own hash function is used: the sums are comparable within one backend
    (DuckDB with DuckDB), not across backends.
    """
    row = ibis.struct({ID_COLUMN: table[ID_COLUMN].cast("string"),
                       **{c: table[c].cast("float64") for c in (OUTCOME, *PREDICTORS)},
                       SEGMENT_COLUMN: table[SEGMENT_COLUMN].cast("string")})
    hashed = row.hash().cast("int64")
    return {"fingerprint_low": (hashed % _HALF).sum(), "fingerprint_high": (hashed // _HALF).sum()}


def first_pass(table: ibis.Table) -> ibis.Table:
    """Per segment label: count, X'X and X'y of the base columns, y'y, predictor ranges, row-hash sums."""
    sums = cross_products(table)
    sums.update(fingerprint_sums(table))
    sums.update({f"min_{c}": table[c].cast("float64").min() for c in PREDICTORS})
    sums.update({f"max_{c}": table[c].cast("float64").max() for c in PREDICTORS})
    sums.update(missing=(
        ibis.or_(*(table[c].isnull() for c in (OUTCOME, *PREDICTORS)))).cast("int64").sum())
    return table.group_by(SEGMENT_COLUMN).aggregate(**sums)


def fold_of(table: ibis.Table, folds: int) -> ibis.Value:
    """Fold id 0..folds-1 from the engine's hash of CustomerID: deterministic on one backend.

    Backends hash differently (DuckDB's ``hash`` is not Spark's ``hash``), so the same
    customer may sit in different folds on two engines; within one engine it is stable
    across runs, which is what reproducible CV needs.
    """
    return (table["CustomerID"].cast("string").hash() % folds + folds) % folds


def fold_statistics(table: ibis.Table, folds: int) -> pd.DataFrame:
    """X'X and X'y of the base columns by fold and segment label, computed in the engine.

    Parameters
    ----------
    table : ibis.Table
        The customer table (contract columns).
    folds : int
        K of K-fold cross-validation.

    Returns
    -------
    DataFrame
        One row per (fold, Segment): ``fold``, ``Segment``, ``n``, ``g{j}{l}`` (sum of
        x_j x_l over BASE = [1, R, F, M], j <= l), ``xy{j}`` (sum of x_j y) and ``yy``.
        The full-design X'X of a fold follows as in
        :func:`analysis.model.engine.fit.assemble_gram`; a fold's training statistics
        are the totals minus the fold's own.
    """
    folded = table.mutate(fold=fold_of(table, folds))
    return folded.group_by(["fold", SEGMENT_COLUMN]).aggregate(**cross_products(folded)).to_pandas()
