"""Frozen results of the chapter's aggregates, built from the engine's small integer tables.

:mod:`analysis.orders.chapter_pass` runs the expressions of
:mod:`~analysis.orders.aggregates` and :mod:`~analysis.orders.cohorts`; the functions
here turn what came back (counts and cents) into shares, means and the Gini coefficient.
Every division happens here, in Python, on exact integers, so DuckDB and Spark give
the same results to the last bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd

from .aggregates import INACTIVITY_DAYS, MONETARY_EDGES_CENTS, RECENCY_BIN_DAYS
from .cohorts import month_index

# Retention is quoted at these ages (months after the acquisition month) ...
RETENTION_AGES = (1, 3)
# ... pooled over this many latest cohorts that have been followed that long.
LATEST_COHORTS = 3
# Count bars stop here; the last bar holds this many or more.
FREQUENCY_CAP = 12
ORDERS_CAP = 10


@dataclass(frozen=True)
class Concentration:
    """How revenue is spread over the buyers.

    Attributes
    ----------
    buyers : int
        Customers with 12-month revenue above 0.
    revenue : float
        Their 12-month revenue, dollars.
    top_buyers : int
        ``ceil(buyers / 5)``: the top 20%.
    top_buyer_share, top_revenue_share : float
        Share of buyers that ``top_buyers`` is, and the share of revenue they bring.
    half_buyers : int
        The fewest buyers whose revenue reaches half of it; ``half_buyer_share`` of buyers.
    gini : float
        Gini coefficient of 12-month revenue over buyers (0 = all equal, towards 1 = one buyer).
    curve : pandas.DataFrame
        ``buyer_share, revenue_share`` from (0, 0) to (1, 1), largest buyers first.
    """

    buyers: int
    revenue: float
    top_buyers: int
    top_buyer_share: float
    top_revenue_share: float
    half_buyers: int
    half_buyer_share: float
    gini: float
    curve: pd.DataFrame


@dataclass(frozen=True)
class Inactivity:
    """Customers who have not ordered for a while, and their 12-month revenue.

    ``rows`` has one row per threshold of :data:`~analysis.orders.aggregates.INACTIVITY_DAYS`:
    ``days, customers, customer_share, revenue, revenue_share`` (cumulative: 90+ includes 120+).
    """

    customers: int
    revenue: float
    rows: pd.DataFrame

    def at(self, days: int) -> pd.Series:
        """The row of one threshold."""
        return self.rows.set_index("days").loc[days]


@dataclass(frozen=True)
class Cohorts:
    """Monthly acquisition cohorts and the share of each still ordering, month by month.

    Attributes
    ----------
    table : pandas.DataFrame
        ``cohort`` (YYYY-MM), ``age`` (months since acquisition), ``size``, ``active``,
        ``retention`` (active / size) and ``complete`` (the month ``cohort + age`` had ended
        by the as-of date). Every cohort has a row for every age up to the as-of month.
    latest : dict
        For each age in :data:`RETENTION_AGES`: the :data:`LATEST_COHORTS` latest cohorts whose
        month at that age is complete, as ``(first cohort, last cohort, customers, retention)``,
        or ``None`` when no cohort has been followed that long.
    """

    table: pd.DataFrame
    latest: dict


@dataclass(frozen=True)
class ChapterAggregates:
    """Everything the chapter shows beyond segment sizes and monthly activity.

    ``rf_grid``: all 25 cells ``R_score, F_score, customers, buyers, monetary_mean``
    (mean order value of the cell's buyers, NaN when it has none), ``monetary_cents``
    (their summed order values), ``revenue``.
    ``recency_bins``: ``low, high`` (days, ``high`` exclusive), ``customers``.
    ``frequency_counts``: ``Frequency, customers``. ``monetary_bins``: ``low, high``
    (dollars; NaN ``high`` for the open last bin), ``customers``.
    ``lifetime_orders``: ``orders, customers`` (orders over the whole history to as-of).
    """

    rf_grid: pd.DataFrame
    recency_bins: pd.DataFrame
    frequency_counts: pd.DataFrame
    monetary_bins: pd.DataFrame
    lifetime_orders: pd.DataFrame
    concentration: Concentration
    inactivity: Inactivity
    cohorts: Cohorts

    @property
    def frequency_bars(self) -> pd.DataFrame:
        """Customers by orders in the window, 0 to :data:`FREQUENCY_CAP` or more."""
        return capped_counts(self.frequency_counts, "Frequency", 0, FREQUENCY_CAP)

    @property
    def order_bars(self) -> pd.DataFrame:
        """Customers by orders over their whole history, 1 to :data:`ORDERS_CAP` or more."""
        return capped_counts(self.lifetime_orders, "orders", 1, ORDERS_CAP)

    @property
    def mean_order_value(self) -> float:
        """Mean average order value over all buyers, from the grid's exact sums (NaN without buyers)."""
        buyers = int(self.rf_grid["buyers"].sum())
        return _share(self.rf_grid["monetary_cents"].sum(), buyers) / 100 if buyers else np.nan

    @property
    def one_order_share(self) -> float:
        """Share of customers who have ordered exactly once."""
        orders = self.lifetime_orders
        return _share(orders.loc[orders["orders"] == 1, "customers"].sum(), orders["customers"].sum())


def _share(part, whole) -> float:
    return float(Fraction(int(part), int(whole))) if whole else 0.0


def rf_grid(raw: pd.DataFrame) -> pd.DataFrame:
    cells = pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["R_score", "F_score"])
    grid = raw.astype("int64").set_index(["R_score", "F_score"]).reindex(cells, fill_value=0).reset_index()
    mean = [_share(m, b) / 100 if b else np.nan for m, b in zip(grid["monetary_cents"], grid["buyers"])]
    return pd.DataFrame({"R_score": grid["R_score"], "F_score": grid["F_score"],
                         "customers": grid["customers"], "buyers": grid["buyers"],
                         "monetary_mean": mean, "monetary_cents": grid["monetary_cents"],
                         "revenue": grid["revenue_cents"] / 100})


def recency_bins(raw: pd.DataFrame) -> pd.DataFrame:
    raw = raw.astype("int64").sort_values("bin")
    full = raw.set_index("bin").reindex(range(int(raw["bin"].max()) + 1), fill_value=0)
    low = full.index.to_numpy() * RECENCY_BIN_DAYS
    return pd.DataFrame({"low": low, "high": low + RECENCY_BIN_DAYS, "customers": full["customers"].to_numpy()})


def frequency_counts(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.astype("int64").sort_values("Frequency").reset_index(drop=True)


def monetary_bins(raw: pd.DataFrame) -> pd.DataFrame:
    """Bins between the first and last occupied one, so the histogram has no empty tails."""
    raw = raw.astype("int64").sort_values("bin")
    bins = range(int(raw["bin"].min()), int(raw["bin"].max()) + 1)
    counts = raw.set_index("bin").reindex(bins, fill_value=0)["customers"]
    edges = [0, *MONETARY_EDGES_CENTS]
    low = [edges[i] / 100 for i in bins]
    high = [edges[i + 1] / 100 if i + 1 < len(edges) else np.nan for i in bins]
    return pd.DataFrame({"low": low, "high": high, "customers": counts.to_numpy()})


def lifetime_orders(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.astype("int64").sort_values("orders").reset_index(drop=True)


def capped_counts(counts: pd.DataFrame, value: str, first: int, cap: int) -> pd.DataFrame:
    """``label, customers, share`` for each value from ``first`` to ``cap - 1``, then ``cap+``."""
    values = counts[value].to_numpy()
    customers = counts["customers"].to_numpy()
    total = int(customers.sum())
    rows = [(str(v), int(customers[values == v].sum())) for v in range(first, cap)]
    rows.append((f"{cap}+", int(customers[values >= cap].sum())))
    return pd.DataFrame({"label": [label for label, _ in rows], "customers": [n for _, n in rows],
                         "share": [_share(n, total) for _, n in rows]})


def concentration(summary_row: dict, points: pd.DataFrame) -> Concentration:
    n, total = int(summary_row["n"] or 0), int(summary_row["total"] or 0)
    if n == 0:
        empty = pd.DataFrame({"buyer_share": [0.0, 1.0], "revenue_share": [0.0, 1.0]})
        return Concentration(0, 0.0, 0, 0.0, 0.0, 0, 0.0, 0.0, empty)
    top_rank, half_rank = int(summary_row["top_rank"]), int(summary_row["half_rank"])
    weighted = int(summary_row["weighted"])
    # Gini with buyers sorted largest first (position 1 = largest): (n + 1) / n - 2 W / (n T).
    gini = Fraction(n + 1, n) - Fraction(2 * weighted, n * total)
    points = points.astype("int64").sort_values("k")
    curve = pd.DataFrame({
        "buyer_share": [0.0, *[_share(k, n) for k in points["k"]]],
        "revenue_share": [0.0, *[_share(c, total) for c in points["cum"]]],
    })
    return Concentration(
        buyers=n, revenue=total / 100, top_buyers=top_rank, top_buyer_share=_share(top_rank, n),
        top_revenue_share=_share(summary_row["top_cents"], total), half_buyers=half_rank,
        half_buyer_share=_share(half_rank, n), gini=float(gini), curve=curve,
    )


def inactivity(row: dict) -> Inactivity:
    customers, revenue = int(row["customers"]), int(row["revenue_cents"] or 0)
    rows = pd.DataFrame({
        "days": list(INACTIVITY_DAYS),
        "customers": [int(row[f"inactive_{d}"]) for d in INACTIVITY_DAYS],
        "customer_share": [_share(row[f"inactive_{d}"], customers) for d in INACTIVITY_DAYS],
        "revenue": [int(row[f"revenue_cents_{d}"] or 0) / 100 for d in INACTIVITY_DAYS],
        "revenue_share": [_share(row[f"revenue_cents_{d}"] or 0, revenue) for d in INACTIVITY_DAYS],
    })
    return Inactivity(customers=customers, revenue=revenue / 100, rows=rows)


def last_complete_month(as_of: date) -> int:
    """:func:`month_index` of the last calendar month that had ended by ``as_of`` (inclusive)."""
    month_end = (as_of.replace(day=28) + pd.Timedelta(days=4)).replace(day=1) - pd.Timedelta(days=1)
    current = month_index(as_of.year, as_of.month)
    return current if as_of == month_end else current - 1


def _month_label(index: int) -> str:
    year, month = divmod(int(index), 12)
    return f"{year:04d}-{month + 1:02d}"


def cohorts(raw: pd.DataFrame, as_of: date) -> Cohorts:
    raw = raw.astype("int64")
    now, complete_until = month_index(as_of.year, as_of.month), last_complete_month(as_of)
    sizes = raw[raw["age"] == 0].set_index("cohort")["customers"]
    rows = [(c, age) for c in sorted(sizes.index) for age in range(now - c + 1)]
    table = pd.DataFrame(rows, columns=["cohort", "age"])
    active = raw.set_index(["cohort", "age"])["customers"]
    table["size"] = table["cohort"].map(sizes).astype("int64")
    table["active"] = [int(active.get((c, a), 0)) for c, a in rows]
    table["retention"] = [_share(a, s) for a, s in zip(table["active"], table["size"])]
    table["complete"] = (table["cohort"] + table["age"]) <= complete_until
    latest = {}
    for age in RETENTION_AGES:
        followed = table[(table["age"] == age) & table["complete"]].sort_values("cohort").tail(LATEST_COHORTS)
        if followed.empty:
            latest[age] = None
            continue
        latest[age] = (_month_label(followed["cohort"].iloc[0]), _month_label(followed["cohort"].iloc[-1]),
                       int(followed["size"].sum()), _share(followed["active"].sum(), followed["size"].sum()))
    table["cohort"] = table["cohort"].map(_month_label)
    return Cohorts(table=table, latest=latest)
