"""The one transformation: clean order lines -> the customer table, as an Ibis expression.

It is built once and runs unchanged on DuckDB, PySpark or a warehouse. Dates of
the window and holdout are computed here in Python and enter the query as
literals, and money is summed in integer cents, so every engine returns the same
numbers to the cent.

Definitions (``as_of`` is the reference day, inclusive):

* **Recency** – days from the customer's last order on or before ``as_of`` to ``as_of``.
* **Frequency** – distinct orders in the window: the 12 months up to and including
  ``as_of`` (days after ``as_of`` minus 12 calendar months).
* **MonetaryValue** – average order value in the window (window revenue / Frequency),
  rounded to the cent; 0 when the customer has no order in the window.
* **Revenue12m** – revenue in the window.
* **HoldoutRevenue** – revenue in the ``holdout_months`` calendar months after ``as_of``.
* **CustomerValue** – ``margin * Revenue12m + HoldoutRevenue``: past profit plus
  realised near-term value. When the log ends on or before ``as_of`` the second
  term is 0 for everyone (past profit only) and the command says so.

Customers are everyone with an order on or before ``as_of``; lapsed customers
(no order in the window) stay in, with Frequency 0 and MonetaryValue 0, because
they are exactly the ones win-back campaigns are about. Customers whose first
order falls after ``as_of`` are not customers yet and are left out.

Scores are rank-based quintiles over all customers: ``score = floor(5 * rank / n) + 1``
where ``rank`` is the 0-based minimum rank (ties share a rank, so equal behaviour
gets an equal score). Recency is ranked descending (most recent -> 5), Frequency and
MonetaryValue ascending (largest -> 5).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import ibis

from ..errors import OrderLogError
from .segments import crm_label_expr, segment_expr

WINDOW_MONTHS = 12
OUTPUT_COLUMNS = (
    "CustomerID", "CustomerValue", "Recency", "Frequency", "MonetaryValue", "Segment",
    "R_score", "F_score", "M_score", "RFMSegment", "Revenue12m", "HoldoutRevenue",
)
MONEY_COLUMNS = ("CustomerValue", "MonetaryValue", "Revenue12m", "HoldoutRevenue")


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic; the day is clamped (31 March - 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RFMParameters:
    """Inputs of the transformation besides the lines.

    Attributes
    ----------
    as_of : date
        Reference day, inclusive.
    margin : float
        Share of revenue that is profit, in [0, 1].
    holdout_months : int
        Months after ``as_of`` whose revenue is added to CustomerValue.
    """

    as_of: date
    margin: float = 0.30
    holdout_months: int = 6

    def __post_init__(self):
        if not 0 <= self.margin <= 1:
            raise OrderLogError(f"--margin {self.margin}: must be between 0 and 1 (e.g. 0.30 for 30%)")
        if self.holdout_months < 0:
            raise OrderLogError(f"--holdout-months {self.holdout_months}: must be 0 or more")

    @property
    def window_start(self) -> date:
        """Exclusive lower bound of the 12-month window."""
        return add_months(self.as_of, -WINDOW_MONTHS)

    @property
    def holdout_end(self) -> date:
        """Inclusive upper bound of the holdout."""
        return add_months(self.as_of, self.holdout_months)


def customer_table_expr(lines: ibis.Table, params: RFMParameters) -> ibis.Table:
    """Build the customer-table expression from clean lines.

    Parameters
    ----------
    lines : ibis.Table
        ``customer, order_key, day, cents`` as returned by :func:`analysis.orders.clean.clean_lines`.
    params : RFMParameters

    Returns
    -------
    ibis.Table
        One row per customer with :data:`OUTPUT_COLUMNS`, unordered.
    """
    as_of = ibis.literal(params.as_of)
    window_start = ibis.literal(params.window_start)
    holdout_end = ibis.literal(params.holdout_end)

    orders = net_orders(lines)

    past = orders.filter(orders.day <= as_of)
    in_window = past.day > window_start
    history = past.group_by("customer").aggregate(
        last_day=past.day.max(),
        Frequency=in_window.cast("int64").sum(),
        window_cents=ibis.ifelse(in_window, past.cents, 0).sum(),
    )

    later = orders.filter((orders.day > as_of) & (orders.day <= holdout_end))
    holdout = later.group_by("customer").aggregate(holdout_cents=later.cents.sum())

    joined = history.left_join(holdout, history.customer == holdout.customer)
    base = joined.select(
        CustomerID=history.customer,
        Recency=as_of.delta(history.last_day, unit="day").cast("int64"),
        Frequency=history.Frequency,
        window_cents=history.window_cents,
        holdout_cents=holdout.holdout_cents.fill_null(0),
    )
    average_cents = ibis.ifelse(base.Frequency > 0, (base.window_cents / base.Frequency).round(), 0)
    valued = base.mutate(
        MonetaryValue=average_cents.cast("float64") / 100,
        Revenue12m=base.window_cents.cast("float64") / 100,
        HoldoutRevenue=base.holdout_cents.cast("float64") / 100,
        CustomerValue=(base.window_cents * params.margin + base.holdout_cents).round().cast("float64") / 100,
    )

    n = valued.CustomerID.count().over(ibis.window())
    scored = valued.mutate(
        R_score=_quintile(ibis.desc(valued.Recency), n),
        F_score=_quintile(valued.Frequency, n),
        M_score=_quintile(valued.MonetaryValue, n),
    )
    segmented = scored.mutate(RFMSegment=segment_expr(scored.R_score, scored.F_score))
    labelled = segmented.mutate(Segment=crm_label_expr(segmented.RFMSegment))
    return labelled.select(*OUTPUT_COLUMNS)


def net_orders(lines: ibis.Table) -> ibis.Table:
    """One row per order (``customer, order_key, day, cents``), cancellations netted.

    An order's day is its earliest line's. An order whose net revenue is zero or below
    (every line cancelled) is not an order: it adds no Frequency and no Recency.
    """
    orders = lines.group_by(["customer", "order_key"]).aggregate(day=lines.day.min(), cents=lines.cents.sum())
    return orders.filter(orders.cents > 0)


def _quintile(order_key, n) -> ibis.IntegerValue:
    rank = ibis.rank().over(order_by=order_key)
    return ((rank * 5) / n).floor().cast("int64") + 1


def monthly_activity_expr(lines: ibis.Table, through: date) -> ibis.Table:
    """Revenue, active customers and new customers per calendar month up to ``through``.

    A customer is *new* in the month of their first order in the whole log; the
    new-customer ratio is new / active customers of that month. Orders are netted
    (:func:`net_orders`), so a fully cancelled order makes no one active.
    """
    orders = net_orders(lines)
    first = orders.group_by("customer").aggregate(first_day=orders.day.min())
    upto = orders.filter(orders.day <= ibis.literal(through))
    per_customer_month = upto.group_by(
        ["customer", upto.day.year().name("year"), upto.day.month().name("month")]
    ).aggregate(cents=upto.cents.sum())
    joined = per_customer_month.inner_join(first, "customer")
    flagged = joined.mutate(
        is_new=((joined.first_day.year() == joined.year) & (joined.first_day.month() == joined.month))
        .cast("int64"))
    return flagged.group_by(["year", "month"]).aggregate(
        revenue=(flagged.cents.sum().cast("float64") / 100),
        active_customers=flagged.customer.count(),
        new_customers=flagged.is_new.sum(),
    ).order_by(["year", "month"])
