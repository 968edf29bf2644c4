"""The chapter's customer-level aggregates as Ibis expressions: they run where the table lives.

Each function takes the customer table (the expression of
:func:`~analysis.orders.transform.customer_table_expr`, or that table materialised in the
engine) and returns an expression whose result is small: a 5 x 5 grid, a few dozen bins,
one row. Only that comes back to Python, so the chapter costs the same memory for ten
thousand customers as for ten million.

Every engine must return the *same* numbers (``tests/orders/test_spark.py``), so the
expressions sum integers only (money in cents, counts) and leave every division to
Python: float sums depend on the order an engine adds in, integer sums do not.
"""
from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

# Recency histogram: one bar per 30 days, the length of a month a marketer thinks in.
RECENCY_BIN_DAYS = 30
# Seed 001's lifecycle intervals: inactive for 60, 90 and 120 days or more.
INACTIVITY_DAYS = (60, 90, 120)
# Average order values span three to four decades, so their bins are near-logarithmic
# (1, 1.5, 2, 3, 5, 7 per decade). Edges are whole cents compared as integers, so a basket
# on an edge falls in the same bin on every engine (a float log would not guarantee it).
_STEPS = (100, 150, 200, 300, 500, 700)
MONETARY_EDGES_CENTS = tuple(step * 10 ** decade for decade in range(0, 6) for step in _STEPS)
# The Lorenz curve is drawn through at most this many exact vertices.
CURVE_POINTS = 200
# "The top 20% of customers": the Pareto share, as a fraction kept exact in integer arithmetic.
TOP_NUMERATOR, TOP_DENOMINATOR = 1, 5


def _cents(dollars: ibis.NumericValue) -> ibis.IntegerValue:
    """Dollars to whole cents; exact, since the customer table's money is already to the cent."""
    return (dollars * 100).round().cast("int64")


def rf_grid_expr(customers: ibis.Table) -> ibis.Table:
    """Customers, buyers and summed order values per (R score, F score) cell.

    ``buyers`` are the cell's customers with an order in the window: lapsed customers have
    no average order value, so the heatmap's mean is over buyers only.
    """
    buyer = customers.Frequency > 0
    return customers.group_by(["R_score", "F_score"]).aggregate(
        customers=customers.count(),
        buyers=buyer.cast("int64").sum(),
        monetary_cents=ibis.ifelse(buyer, _cents(customers.MonetaryValue), 0).sum(),
        revenue_cents=_cents(customers.Revenue12m).sum(),
    )


def recency_bins_expr(customers: ibis.Table) -> ibis.Table:
    """Customers per :data:`RECENCY_BIN_DAYS`-day recency bin (``bin`` 0 is 0-29 days)."""
    binned = customers.select(bin=(customers.Recency // RECENCY_BIN_DAYS).cast("int64"))
    return binned.group_by("bin").aggregate(customers=binned.count())


def frequency_counts_expr(customers: ibis.Table) -> ibis.Table:
    """Customers per exact Frequency (orders in the 12-month window), lapsed (0) included."""
    return customers.group_by("Frequency").aggregate(customers=customers.count())


def monetary_bins_expr(customers: ibis.Table) -> ibis.Table:
    """Buyers per average-order-value bin; ``bin`` i is [edge i-1, edge i), 0 below the first edge."""
    buyers = customers.filter(customers.Frequency > 0)
    cents = _cents(buyers.MonetaryValue)
    index = sum((cents >= edge).cast("int64") for edge in MONETARY_EDGES_CENTS)
    binned = buyers.select(bin=index)
    return binned.group_by("bin").aggregate(customers=binned.count())


def inactivity_expr(customers: ibis.Table) -> ibis.Table:
    """One row: customers and 12-month revenue in total and of those inactive ``t``+ days."""
    cents = _cents(customers.Revenue12m)
    metrics = {"customers": customers.count(), "revenue_cents": cents.sum()}
    for days in INACTIVITY_DAYS:
        inactive = customers.Recency >= days
        metrics[f"inactive_{days}"] = inactive.cast("int64").sum()
        metrics[f"revenue_cents_{days}"] = ibis.ifelse(inactive, cents, 0).sum()
    return customers.aggregate(**metrics)


def _ranked_buyers(customers: ibis.Table) -> ibis.Table:
    """Buyers (12-month revenue > 0) ranked by revenue, largest first, with tie-safe running totals.

    ``k`` counts the buyers with at least this revenue and ``cum`` sums their revenue (a RANGE
    frame, so tied customers share one value), ``tied`` counts the buyers with exactly this
    revenue; all three are the same on every engine, whatever order it breaks ties in. ``position`` (a ROWS rank) is used only in a sum where the order
    of tied customers cancels out.
    """
    buyers = customers.filter(customers.Revenue12m > 0).select(cents=_cents(customers.Revenue12m))
    order = ibis.desc(buyers.cents)
    at_least = ibis.window(order_by=order, range=(None, 0))
    everyone = ibis.window()
    return buyers.mutate(
        k=buyers.cents.count().over(at_least),
        cum=buyers.cents.sum().over(at_least),
        position=ibis.row_number().over(order_by=order) + 1,
        tied=buyers.cents.count().over(ibis.window(group_by=buyers.cents)),
        n=buyers.cents.count().over(everyone),
        total=buyers.cents.sum().over(everyone),
    )


def lorenz_points_expr(customers: ibis.Table) -> ibis.Table:
    """At most :data:`CURVE_POINTS` exact vertices ``(k, cum)`` of the Pareto curve.

    The top ``k`` buyers bring ``cum`` cents; dividing by ``n`` and ``total`` gives the
    curve. Vertices are kept at the end of each 1/CURVE_POINTS slice of buyers.
    """
    ranked = _ranked_buyers(customers)
    slice_ = ((ranked.k * CURVE_POINTS + ranked.n - 1) // ranked.n).name("slice")
    return ranked.group_by(slice_).aggregate(k=ranked.k.max(), cum=ranked.cum.max())


def concentration_expr(customers: ibis.Table) -> ibis.Table:
    """One row: buyers, revenue, the top-20% revenue, the rank that reaches half, and Gini's sum.

    * ``top_cents``: revenue of the top ``ceil(n / 5)`` buyers, read in the tie group that
      holds that rank (``k - tied < rank <= k``): the running total at the rank itself is
      ``cum - (k - rank) * cents``.
    * ``half_rank``: the fewest buyers whose revenue reaches half the total, read in the
      first tie group whose running total reaches it: inside it the total at position
      ``j`` is ``cum - (k - j) * cents``, so ``j = k - floor((2 cum - total) / (2 cents))``.
    * ``weighted``: the sum of ``position x cents`` (largest first, 1-based), exact as a
      38-digit decimal, from which Python computes the Gini coefficient. Tied customers have
      equal cents, so their order does not change the sum.
    """
    r = _ranked_buyers(customers)
    before = r.k - r.tied  # buyers with strictly more revenue than this row
    top_rank = (r.n * TOP_NUMERATOR + TOP_DENOMINATOR - 1) // TOP_DENOMINATOR
    holds_top = (before < top_rank) & (top_rank <= r.k)
    top_cum = r.cum - (r.k - top_rank) * r.cents
    first_half = (r.cum * 2 >= r.total) & ((r.cum - r.tied * r.cents) * 2 < r.total)
    half_rank = r.k - (r.cum * 2 - r.total) // (r.cents * 2)
    decimal = dt.Decimal(38, 0)
    return r.aggregate(
        n=r.cents.count(),
        total=r.cents.sum(),
        top_rank=top_rank.max(),
        top_cents=ibis.ifelse(holds_top, top_cum, ibis.null("int64")).max(),
        half_rank=ibis.ifelse(first_half, half_rank, ibis.null("int64")).max(),
        weighted=(r.position * r.cents).cast(decimal).sum(),
    )
