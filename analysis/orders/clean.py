"""From raw order lines to clean, typed lines: parse, check, clean, count.

Every step is an Ibis expression, so it runs wherever the table lives. Only the
parsing of *text* dates has a DuckDB-specific extra (month/day/year, the Online
Retail layout); typed dates from Parquet or a warehouse need nothing.

Cleaning rules, applied in this order; each line is counted under the first rule
it breaks:

1. **missing customer** – customer id empty or missing (guest checkouts);
2. **cancellation** – order number starting with ``C`` (Online Retail credit notes);
3. **non-positive quantity, price or amount** – returns, adjustments, free samples;
4. **exact duplicate** – a line identical in every column to an earlier kept line.

Lines with an unparsable date or number are not cleaned away: they are an error,
because silently dropping them would change the answer without saying so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import ibis
import ibis.expr.datatypes as dt

from ..errors import OrderLogError
from .roles import ColumnRoles

# Month/day/year as written by Online Retail exports (12/1/2010 8:26); ISO 8601 is tried first.
TEXT_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")
EXAMPLES_SHOWN = 5

# Typed columns get a prefix no real log uses, so they never clash with raw names.
_CUSTOMER, _ORDER, _AT, _QUANTITY, _PRICE, _AMOUNT = (
    "__customer", "__order", "__at", "__quantity", "__price", "__amount")


@ibis.udf.scalar.builtin
def try_strptime(text: str, format: str) -> datetime:  # noqa: A002 – DuckDB's argument name
    """DuckDB's ``try_strptime``: NULL instead of an error when the text does not match."""


@dataclass(frozen=True)
class CleaningReport:
    """How many lines each rule removed; ``kept`` lines become orders.

    Attributes
    ----------
    lines_read : int
    missing_customer, cancellations, non_positive, duplicates : int
        Lines removed by each rule (first rule broken wins).
    kept : int
    """

    lines_read: int
    missing_customer: int
    cancellations: int
    non_positive: int
    duplicates: int
    kept: int

    def rows(self) -> list[tuple[str, int]]:
        """(rule, lines removed) in the order the rules apply, for logs and tables."""
        return [
            ("missing customer", self.missing_customer),
            ("cancellation invoice (C...)", self.cancellations),
            ("non-positive quantity, price or amount", self.non_positive),
            ("exact duplicate line", self.duplicates),
        ]


@dataclass(frozen=True)
class LogAudit:
    """One pass over the raw lines: problems to refuse, rules to count, the log's date range."""

    lines_read: int
    unparsable: dict[str, int]
    missing_customer: int
    cancellations: int
    non_positive: int
    first_day: date | None
    last_day: date | None


def typed_lines(table: ibis.Table, roles: ColumnRoles, dialect: str) -> ibis.Table:
    """Add parsed, typed role columns next to the raw ones (raw ones stay for de-duplication)."""
    columns = {
        _CUSTOMER: _normalise_id(table[roles.customer]),
        _ORDER: _normalise_text(table[roles.order]) if roles.order else ibis.null(dt.string),
        _AT: _parse_timestamp(table[roles.date], roles.date, dialect),
    }
    if roles.uses_amount:
        columns[_AMOUNT] = _parse_number(table[roles.amount], roles.amount)
    else:
        columns[_QUANTITY] = _parse_number(table[roles.quantity], roles.quantity)
        columns[_PRICE] = _parse_number(table[roles.price], roles.price)
    return table.mutate(**columns)


def _rule_flags(typed: ibis.Table, roles: ColumnRoles) -> dict[str, ibis.BooleanValue]:
    missing_customer = typed[_CUSTOMER].isnull()
    if roles.order:
        cancelled = typed[_ORDER].startswith("C").fill_null(False) & ~missing_customer
    else:
        cancelled = ibis.literal(False)
    if roles.uses_amount:
        bad_value = typed[_AMOUNT] <= 0
    else:
        bad_value = (typed[_QUANTITY] <= 0) | (typed[_PRICE] <= 0)
    non_positive = bad_value.fill_null(False) & ~missing_customer & ~cancelled
    return {"missing_customer": missing_customer, "cancellations": cancelled, "non_positive": non_positive}


def _parsed_columns(roles: ColumnRoles) -> dict[str, str]:
    """Typed column -> the raw column it came from, for every column that must parse."""
    parsed = {_AT: roles.date}
    if roles.uses_amount:
        parsed[_AMOUNT] = roles.amount
    else:
        parsed[_QUANTITY] = roles.quantity
        parsed[_PRICE] = roles.price
    return parsed


def audit_lines(typed: ibis.Table, roles: ColumnRoles) -> LogAudit:
    """Count unparsable values and rule breaks, and find the first and last order day, in one query."""
    flags = _rule_flags(typed, roles)
    kept = ~(flags["missing_customer"] | flags["cancellations"] | flags["non_positive"])
    day = typed[_AT].date()
    metrics = {"lines_read": typed.count()}
    for typed_name, raw_name in _parsed_columns(roles).items():
        metrics[f"unparsable:{raw_name}"] = typed[typed_name].isnull().cast("int64").sum()
    for name, flag in flags.items():
        metrics[name] = flag.cast("int64").sum()
    metrics["first_day"] = ibis.ifelse(kept, day, ibis.null(dt.date)).min()
    metrics["last_day"] = ibis.ifelse(kept, day, ibis.null(dt.date)).max()
    row = typed.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    count = lambda name: int(row[name] or 0)  # noqa: E731 – SUM over no rows is NULL
    return LogAudit(
        lines_read=count("lines_read"),
        unparsable={name.split(":", 1)[1]: count(name) for name in row if name.startswith("unparsable:")},
        missing_customer=count("missing_customer"),
        cancellations=count("cancellations"),
        non_positive=count("non_positive"),
        first_day=_as_date(row["first_day"]),
        last_day=_as_date(row["last_day"]),
    )


def unparsable_examples(typed: ibis.Table, raw_name: str, roles: ColumnRoles,
                        first_row_number: int) -> list[tuple[int, str]]:
    """(row number, raw text) of the first few lines whose ``raw_name`` does not parse.

    Only called on the error path: numbering rows needs a window over the whole scan.
    """
    typed_name = {raw: typed_name for typed_name, raw in _parsed_columns(roles).items()}[raw_name]
    numbered = typed.mutate(__row=ibis.row_number() + first_row_number)
    bad = numbered.filter(numbered[typed_name].isnull()).order_by("__row").limit(EXAMPLES_SHOWN)
    frame = bad.select("__row", value=bad[raw_name].cast("string")).to_pyarrow().to_pylist()
    return [(int(r["__row"]), "" if r["value"] is None else r["value"]) for r in frame]


def clean_lines(typed: ibis.Table, roles: ColumnRoles, raw_columns: list[str]) -> ibis.Table:
    """Apply the cleaning rules and return one row per kept line.

    Returns
    -------
    ibis.Table
        ``customer`` (string), ``order_key`` (string: the order number, or the
        calendar day when the log has none), ``day`` (date), ``cents`` (int64 line
        revenue). Integer cents make sums exact, so every engine agrees to the cent.
    """
    flags = _rule_flags(typed, roles)
    kept = typed.filter(~(flags["missing_customer"] | flags["cancellations"] | flags["non_positive"]))
    # Duplicates are judged on the raw line as written, every column included.
    unique = typed_lines(kept.select(*raw_columns).distinct(), roles, _dialect_of(typed))
    day = unique[_AT].date()
    if roles.uses_amount:
        revenue = unique[_AMOUNT] * 100
    else:
        revenue = unique[_QUANTITY] * unique[_PRICE] * 100
    order_key = unique[_ORDER] if roles.order else ibis.null(dt.string)
    return unique.select(
        customer=unique[_CUSTOMER],
        # An order is an invoice; without one, a customer's purchases on one calendar day.
        order_key=ibis.coalesce(order_key, "day:" + day.cast("string")),
        day=day,
        cents=revenue.round().cast("int64"),
    )


def _dialect_of(table: ibis.Table) -> str:
    try:
        return table._find_backend().name
    except Exception:  # unbound tables (tests of the expression alone) parse like DuckDB
        return "duckdb"


def _normalise_text(column: ibis.Value) -> ibis.StringValue:
    text = column.cast("string").strip()
    return ibis.ifelse(text == "", ibis.null(dt.string), text)


def _normalise_id(column: ibis.Value) -> ibis.StringValue:
    """Ids as text; ``17850.0`` (a float-typed export) and ``17850`` are the same customer."""
    text = _normalise_text(column)
    return ibis.ifelse(text.re_search(r"^[0-9]+\.0+$"), text.re_extract(r"^([0-9]+)\.0+$", 1), text)


def _parse_number(column: ibis.Value, name: str) -> ibis.FloatingValue:
    kind = column.type()
    if kind.is_numeric():
        return column.cast("float64")
    if kind.is_string():
        return column.strip().try_cast("float64")
    raise OrderLogError(f"column {name!r} holds {kind}, expected numbers")


def _parse_timestamp(column: ibis.Value, name: str, dialect: str) -> ibis.TimestampValue:
    kind = column.type()
    if kind.is_timestamp() or kind.is_date():
        return column.cast("timestamp")
    if not kind.is_string():
        raise OrderLogError(f"column {name!r} holds {kind}, expected dates")
    text = column.strip()
    candidates = [text.try_cast("timestamp")]
    if dialect == "duckdb":
        candidates += [try_strptime(text, fmt) for fmt in TEXT_DATE_FORMATS]
    return ibis.coalesce(*candidates)


def _as_date(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value
