"""Each customer's purchase history as BG/NBD and Gamma-Gamma need it, from the order log.

The log is read and cleaned by the same engine as ``python -m analysis rfm``
(:mod:`analysis.orders`): same column roles, same cleaning rules, same order
definition, same as-of and holdout dates. On top of the RFM customer table this
module adds the *calibration summaries* of the buy-till-you-die models.

Definitions (time unit: **weeks**, days / 7):

* a **purchase** is a calendar day with at least one order. BG/NBD is a model of
  purchase events in continuous time; two invoices on one day are one event
  (Fader, Hardie & Lee 2005 count CDNOW purchases the same way);
* **frequency** ``x`` – repeat purchases on or before ``as_of`` (purchases − 1);
* **recency** ``t_x`` – weeks from the first to the last purchase;
* **T** – weeks from the first purchase to ``as_of``;
* **monetary_value** – mean value of the *repeat* purchases (the first is left out,
  as in Fader & Hardie 2013); 0 for customers without a repeat purchase;
* **holdout_purchases / holdout_revenue** – purchases and revenue in the holdout
  (the ``holdout_months`` after ``as_of``), never seen by any fit.

The whole history up to ``as_of`` is used, not only the 12-month RFM window: the
models need the first purchase date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import ibis
import pandas as pd

# One read of the log: the rfm run and the very clean lines it was built from (same
# de-duplication, same cancellation netting), so both tables agree on what an order is.
from ..orders.pipeline import RFMRun, derive_customers_and_lines
from ..orders.roles import ColumnRoles
from ..orders.transform import net_orders
from .conventions import DAYS_PER_WEEK

HISTORY_COLUMNS = ("CustomerID", "frequency", "recency", "T", "monetary_value", "orders",
                   "calibration_revenue", "largest_order", "most_orders_in_a_day",
                   "holdout_purchases", "holdout_revenue", "tenure_days")


@dataclass(frozen=True)
class CustomerHistory:
    """The RFM run and, per customer, the calibration and holdout summaries.

    Attributes
    ----------
    rfm : RFMRun
        What ``python -m analysis rfm`` would have produced (customer table, holdout status).
    customers : pandas.DataFrame
        The RFM customer table joined with :data:`HISTORY_COLUMNS`, sorted by CustomerID.
    holdout_weeks : float
        Length of the holdout that the log actually covers, in weeks (0 without holdout).
    monthly_repeat_purchases : pandas.DataFrame
        ``year, month, purchases``: repeat purchases (purchase days other than a customer's
        first) per calendar month **up to as-of**, for the seasonal index; never the holdout.
    """

    rfm: RFMRun
    customers: pd.DataFrame
    holdout_weeks: float
    monthly_repeat_purchases: pd.DataFrame

    @property
    def holdout_end(self) -> date:
        """Last day of the holdout that the log covers (as-of itself without holdout)."""
        return self.rfm.params.as_of + timedelta(days=round(self.holdout_weeks * DAYS_PER_WEEK))

    @property
    def holdout_status(self) -> str:
        """``full``, ``partial``, ``none`` or ``off``, as the RFM run decided."""
        return self.rfm.holdout

    @property
    def recent_activity_ratio(self) -> float:
        """Active customers per month in the last 2 months before as-of over the 10 before them.

        BG/NBD assumes every customer's purchase rate is steady. A busy end of calibration
        (a seasonal peak, or growth) followed by an ordinary holdout is over-predicted, so
        the chapter states this ratio when it is large. NaN with under 12 months of history.
        """
        active = self.rfm.monthly["active_customers"].to_numpy(dtype=float)
        if len(active) < 12:
            return float("nan")
        return float(active[-2:].mean() / active[-12:-2].mean())

    @property
    def repeat_customers(self) -> int:
        """Customers with at least one repeat purchase before as-of: what BG/NBD learns from."""
        return int((self.customers["frequency"] > 0).sum())


def read_history(location: str | Path, as_of: date | str | None = None, *,
                 roles: ColumnRoles = ColumnRoles(), margin: float = 0.30,
                 holdout_months: int = 6, labels: str | Path | None = None) -> CustomerHistory:
    """Read an order log once: the RFM customer table and the purchase summaries.

    ``labels`` is ``rfm --labels`` (CRM labels as Segment), so on the default data the
    customers are those of ``data/customers.csv``.

    Raises
    ------
    analysis.errors.OrderLogError
        Whatever :func:`analysis.orders.derive_customers` refuses (missing columns,
        unparsable dates, as-of outside the log, ...), with the same messages.
    """
    rfm, lines = derive_customers_and_lines(location, as_of, roles=roles, margin=margin,
                                            holdout_months=holdout_months, with_activity=True, labels=labels)
    summaries = purchase_summaries_expr(lines, rfm.params.as_of, rfm.params.holdout_end).to_pyarrow().to_pandas()
    customers = rfm.customers.merge(summaries, on="CustomerID", how="left", validate="one_to_one")
    covered_end = min(rfm.last_day, rfm.params.holdout_end) if rfm.params.holdout_months else rfm.params.as_of
    holdout_weeks = max((covered_end - rfm.params.as_of).days, 0) / DAYS_PER_WEEK
    monthly = repeat_purchases_by_month_expr(lines, rfm.params.as_of).to_pyarrow().to_pandas()
    return CustomerHistory(rfm=rfm, customers=customers, holdout_weeks=holdout_weeks,
                           monthly_repeat_purchases=monthly)


def _calibration_days(lines: ibis.Table, as_of_literal) -> tuple[ibis.Table, ibis.Table]:
    """Every purchase day (``customer, day, cents, orders, largest``), and those up to as-of marked ``is_first``."""
    orders = net_orders(lines)  # rfm's order rule: a fully cancelled order is no order, no purchase day
    days = orders.group_by(["customer", "day"]).aggregate(cents=orders.cents.sum(),
                                                         orders=orders.order_key.count(),
                                                         largest=orders.cents.max())
    past = days.filter(days.day <= as_of_literal)
    return days, past.mutate(is_first=past.day == past.day.min().over(group_by=past.customer))


def repeat_purchases_by_month_expr(lines: ibis.Table, as_of: date) -> ibis.Table:
    """``year, month, purchases``: repeat purchase days per calendar month on or before ``as_of`` only."""
    _, past = _calibration_days(lines, ibis.literal(as_of))
    repeat = past.filter(~past.is_first)
    return (repeat.group_by([repeat.day.year().name("year"), repeat.day.month().name("month")])
            .aggregate(purchases=repeat.day.count()).order_by(["year", "month"]))


def purchase_summaries_expr(lines: ibis.Table, as_of: date, holdout_end: date) -> ibis.Table:
    """One row per customer with an order on or before ``as_of``: :data:`HISTORY_COLUMNS`.

    Parameters
    ----------
    lines : ibis.Table
        Clean lines (``customer, order_key, day, cents``) from :func:`analysis.orders.clean.clean_lines`.
    as_of, holdout_end : date
        End of calibration (inclusive) and of the holdout (inclusive).
    """
    as_of_literal, end_literal = ibis.literal(as_of), ibis.literal(holdout_end)
    days, past = _calibration_days(lines, as_of_literal)
    calibration = past.group_by("customer").aggregate(
        first_day=past.day.min(), last_day=past.day.max(), purchases=past.day.count(),
        orders=past.orders.sum(), cents=past.cents.sum(),
        repeat_cents=ibis.ifelse(past.is_first, 0, past.cents).sum(),
        largest=past.largest.max(), most_orders_in_a_day=past.orders.max())
    later = days.filter((days.day > as_of_literal) & (days.day <= end_literal))
    holdout = later.group_by("customer").aggregate(holdout_purchases=later.day.count(),
                                                   holdout_cents=later.cents.sum())
    joined = calibration.left_join(holdout, calibration.customer == holdout.customer)
    frequency = (joined.purchases - 1).cast("int64")
    return joined.select(
        CustomerID=calibration.customer,
        frequency=frequency,
        recency=joined.last_day.delta(joined.first_day, unit="day").cast("float64") / DAYS_PER_WEEK,
        T=as_of_literal.delta(joined.first_day, unit="day").cast("float64") / DAYS_PER_WEEK,
        monetary_value=ibis.ifelse(frequency > 0, joined.repeat_cents.cast("float64") / frequency, 0.0) / 100,
        orders=joined.orders.cast("int64"),
        calibration_revenue=joined.cents.cast("float64") / 100,
        largest_order=joined.largest.cast("float64") / 100,
        most_orders_in_a_day=joined.most_orders_in_a_day.cast("int64"),
        holdout_purchases=holdout.holdout_purchases.fill_null(0).cast("int64"),
        holdout_revenue=holdout.holdout_cents.fill_null(0).cast("float64") / 100,
        tenure_days=as_of_literal.delta(joined.first_day, unit="day").cast("int64"),
    )
