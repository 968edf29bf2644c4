"""Line-level aggregates of the chapter: acquisition cohorts and lifetime order counts.

These need the clean order lines (``customer, order_key, day, cents`` from
:func:`~analysis.orders.clean.clean_lines`), not the customer table: a cohort follows
customers month by month. Both return a few hundred rows at most, whatever the log's size.

A customer's **cohort** is the calendar month of their first order on or before the
as-of date; they are **active** in a month when they ordered in it; **age** is the
number of calendar months between the cohort month and that month (0 = the month of
acquisition, where every customer is active by definition).
"""
from __future__ import annotations

from datetime import date

import ibis


def month_index(year: int, month: int) -> int:
    """Months since year 0: consecutive calendar months are consecutive integers."""
    return year * 12 + month - 1


def cohort_activity_expr(lines: ibis.Table, as_of: date) -> ibis.Table:
    """Active customers per (cohort month, age in months), for orders up to ``as_of``.

    Returns ``cohort`` and ``age`` as integers (:func:`month_index` of the cohort month;
    months since it) and ``customers``. The row with age 0 is the cohort's size.
    """
    upto = lines.filter(lines.day <= ibis.literal(as_of))
    active = upto.select(customer=upto.customer,
                         month=upto.day.year() * 12 + upto.day.month() - 1).distinct()
    first = active.group_by("customer").aggregate(cohort=active.month.min())
    joined = active.inner_join(first, "customer")
    return joined.group_by([joined.cohort, (joined.month - joined.cohort).name("age")]).aggregate(
        customers=joined.customer.count())


def lifetime_orders_expr(lines: ibis.Table, as_of: date) -> ibis.Table:
    """Customers per number of orders placed on or before ``as_of`` (their whole history)."""
    upto = lines.filter(lines.day <= ibis.literal(as_of))
    orders = upto.select("customer", "order_key").distinct()
    per_customer = orders.group_by("customer").aggregate(orders=orders.count())
    return per_customer.group_by("orders").aggregate(customers=per_customer.count())
