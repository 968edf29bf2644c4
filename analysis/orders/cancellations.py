"""Net cancellation lines against the purchase lines they cancel.

A cancellation (an Online Retail credit note, invoice number ``C...``) takes revenue
back. Dropping it and keeping the original purchase would count a cancelled purchase
as revenue, so each cancellation line is matched to an original order and its amount
is subtracted from that order. Rules, tried in this order:

1. **by invoice**: an original line of the same customer whose invoice number is the
   cancellation's without the leading ``C`` and with the same product (stock code);
   the product is not compared when the log has no product column;
2. **by customer, product and quantity**: the latest original line of the same
   customer, same product and the same quantity (the cancelled quantity without its
   sign; for logs with an amount column, the same amount) on or before the
   cancellation's day; ties go to the highest invoice number. Needs a product column.

A cancellation that matches neither is **unmatched**: it is counted in the log and
removes nothing (the original purchase is not in the log, e.g. before it starts).
Several cancellations may net against one order; an order whose net revenue falls to
zero or below is no longer an order (see :mod:`analysis.orders.transform`).

Everything is Ibis, so it runs on every engine; cancellation lines are a small share
of a log, so the joins are small.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

from .roles import ColumnRoles

BY_INVOICE, BY_MATCH = "invoice", "customer, product and quantity"
_KEY = ("customer", "order", "product", "size", "day")


@dataclass(frozen=True)
class CancellationCounts:
    """Cancellation lines (as read, duplicates included) by how they were netted."""

    by_invoice: int = 0
    by_match: int = 0
    unmatched: int = 0


def line_cents(typed: ibis.Table, roles: ColumnRoles, names) -> ibis.IntegerValue:
    """Line revenue in integer cents, without its sign (a cancellation's quantity is negative)."""
    if roles.uses_amount:
        revenue = typed[names.amount] * 100
    else:
        revenue = typed[names.quantity] * typed[names.price] * 100
    return revenue.abs().round().cast("int64")


def _size(typed: ibis.Table, roles: ColumnRoles, names) -> ibis.FloatingValue:
    """What rule 2 compares: the quantity, or the line amount when the log has no quantity."""
    column = typed[names.amount] if roles.uses_amount else typed[names.quantity]
    return column.abs()


def match_cancellations(typed: ibis.Table, cancelled: ibis.BooleanValue, kept: ibis.BooleanValue,
                        weight: ibis.IntegerValue, roles: ColumnRoles, names,
                        keep: Callable[[ibis.Table], ibis.Table] = lambda table: table) -> ibis.Table:
    """One row per distinct cancellation line, with the order it nets against.

    Parameters
    ----------
    typed : ibis.Table
        Distinct typed lines (see :mod:`analysis.orders.clean`).
    cancelled, kept : boolean expressions on ``typed``
        Which lines are cancellations, and which are purchases that become orders.
    weight : integer expression on ``typed``
        How many times a distinct line counts (1 when duplicates are removed).
    names
        The typed column names (:mod:`analysis.orders.clean` constants).
    keep : callable
        Stores a small intermediate table (the cancellations, and the purchase lines of
        their customers) so the full table of lines is scanned once, not once per rule;
        the identity for engines that plan it themselves.

    Returns
    -------
    ibis.Table
        ``customer, order, product, size, day`` (the cancellation), ``cents`` (its amount,
        positive), ``lines`` (lines as read), ``target`` (the original order key or NULL),
        ``target_day`` and ``rule`` (:data:`BY_INVOICE`, :data:`BY_MATCH` or NULL).
    """
    product = typed[names.product].fill_null("") if roles.product else ibis.literal("")

    def common(table_filter):
        return typed.filter(table_filter).select(
            customer=typed[names.customer], order=typed[names.order], product=product,
            size=_size(typed, roles, names), day=typed[names.at].date(),
            cents=line_cents(typed, roles, names) * weight, lines=typed[names.copies])

    raw = common(cancelled)
    cancels = keep(raw.group_by(list(_KEY)).aggregate(cents=raw.cents.sum(), lines=raw.lines.sum()))
    # Only customers with a cancellation can match: a semi-join keeps the joins below small
    # (measured: the matching took as long as the customer table before it, 1M lines).
    originals = common(kept).select(*_KEY)
    originals = keep(originals.filter(originals.customer.isin(cancels.customer)))

    # Rule 1: the same invoice number without the C.
    keys = ["customer", "order", "product"] if roles.product else ["customer", "order"]
    invoices = originals.group_by(keys).aggregate(first_day=originals.day.min())
    on_invoice = [cancels.customer == invoices.customer, cancels.order.substr(1) == invoices.order]
    if roles.product:
        on_invoice.append(cancels.product == invoices.product)
    first = cancels.left_join(invoices, on_invoice).select(
        *[cancels[c] for c in (*_KEY, "cents", "lines")],
        target=invoices.order, target_day=invoices.first_day)
    first = first.mutate(rule=ibis.ifelse(first.target.notnull(), BY_INVOICE, ibis.null(dt.string)))
    if not roles.product:
        return first

    # Rule 2: the latest earlier line of the same customer, product and quantity.
    left = first.filter(first.target.isnull()).select(*_KEY)
    candidates = originals.distinct()
    joined = left.inner_join(candidates, [left.customer == candidates.customer, left.product == candidates.product,
                                          left.size == candidates.size, candidates.day <= left.day])
    joined = joined.select(*[left[c] for c in _KEY], target=candidates.order, target_day=candidates.day)
    ranked = joined.mutate(pick=ibis.row_number().over(
        group_by=[joined[c] for c in _KEY], order_by=[ibis.desc(joined.target_day), ibis.desc(joined.target)]))
    second = ranked.filter(ranked.pick == 0).drop("pick")

    merged = first.left_join(second, [first[c] == second[c] for c in _KEY]).select(
        *[first[c] for c in (*_KEY, "cents", "lines")],
        target=ibis.coalesce(first.target, second.target),
        target_day=ibis.coalesce(first.target_day, second.target_day),
        rule=ibis.coalesce(first.rule, ibis.ifelse(second.target.notnull(), BY_MATCH, ibis.null(dt.string))),
    )
    return merged


def netting_lines(matches: ibis.Table) -> ibis.Table:
    """Negative lines that take each matched cancellation off its original order.

    Same columns as :func:`analysis.orders.clean.clean_lines`: dated on the original
    order's day, so windows, holdouts and monthly revenue move with the purchase.
    """
    matched = matches.filter(matches.target.notnull())
    return matched.select(customer=matched.customer, order_key=matched.target, day=matched.target_day,
                          cents=-matched.cents)


def count_cancellations(matches: ibis.Table) -> CancellationCounts:
    """Cancellation lines netted by each rule and left unmatched, in one small query."""
    counts = matches.aggregate(
        by_invoice=ibis.ifelse(matches.rule == BY_INVOICE, matches.lines, 0).sum(),
        by_match=ibis.ifelse(matches.rule == BY_MATCH, matches.lines, 0).sum(),
        unmatched=ibis.ifelse(matches.rule.isnull(), matches.lines, 0).sum(),
    ).to_pyarrow().to_pylist()[0]
    return CancellationCounts(**{name: int(value or 0) for name, value in counts.items()})
