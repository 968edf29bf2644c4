"""From raw order lines to clean, typed lines: parse, check, clean, count.

Every step is an Ibis expression, so it runs wherever the table lives. Only the
parsing of *text* dates has a DuckDB-specific extra (month/day/year, the Online
Retail layout); typed dates from Parquet or a warehouse need nothing.

Cleaning rules, applied in this order; each line is counted under the first rule
it breaks:

1. **missing customer** – customer id empty or missing (guest checkouts);
2. **cancellation** – order number starting with ``C`` (Online Retail credit notes);
   not simply dropped: netted against the order it cancels
   (:mod:`analysis.orders.cancellations`);
3. **non-positive quantity, price or amount** – returns, adjustments, free samples;
4. **exact duplicate** – a line identical in every column to another line. Removed
   only when the log has an order column (see :func:`resolve_dedupe`): without a line
   identity, identical lines cannot be told from genuine repeat purchases.

Lines with an unparsable date or number are not cleaned away: they are an error,
because silently dropping them would change the answer without saying so.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import ibis
import ibis.expr.datatypes as dt

from ..errors import OrderLogError
from .cancellations import CancellationCounts, line_cents, match_cancellations, netting_lines
from .roles import ColumnRoles

# Text dates: ISO 8601, or month/day/year as written by Online Retail exports (12/1/2010 8:26).
# The format is detected once from a sample, then one parse runs over every line:
# trying several formats per line costs more than reading the file.
ISO_FORMAT = "iso"
TEXT_DATE_FORMATS = (ISO_FORMAT, "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")
DATE_SAMPLE = 1000
EXAMPLES_SHOWN = 5

# Typed columns get a prefix no real log uses, so they never clash with raw names.
_CUSTOMER, _ORDER, _AT, _QUANTITY, _PRICE, _AMOUNT, _PRODUCT, _COPIES = (
    "__customer", "__order", "__at", "__quantity", "__price", "__amount", "__product", "__copies")
DEDUPE_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class _TypedNames:
    """The typed column names, handed to :mod:`analysis.orders.cancellations`."""

    customer: str = _CUSTOMER
    order: str = _ORDER
    at: str = _AT
    quantity: str = _QUANTITY
    price: str = _PRICE
    amount: str = _AMOUNT
    product: str = _PRODUCT
    copies: str = _COPIES


TYPED = _TypedNames()


@ibis.udf.scalar.builtin(name="trim")
def trim_spaces(text: str) -> str:
    """SQL ``trim(text)``: DuckDB and Spark both have it, and on DuckDB it is several times
    faster than the character-set form ``trim(text, chars)`` that ``StringValue.strip`` emits."""


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
        Lines removed by each rule (first rule broken wins). Cancellation lines are
        removed as lines, and their amounts netted against the orders they cancel.
    kept : int
        Lines that become orders (duplicates counted when they are kept).
    dedupe : bool
        Whether identical lines were removed (see :func:`resolve_dedupe`).
    identical_kept : int
        Identical repeats that were kept as repeat purchases (``dedupe`` False).
    netting : CancellationCounts
        Cancellation lines netted by invoice, by customer/product/quantity, unmatched.
    """

    lines_read: int
    missing_customer: int
    cancellations: int
    non_positive: int
    duplicates: int
    kept: int
    dedupe: bool = True
    identical_kept: int = 0
    netting: CancellationCounts = field(default_factory=CancellationCounts)

    def rows(self) -> list[tuple[str, int]]:
        """(rule, lines removed) in the order the rules apply, for logs and tables."""
        return [
            ("missing customer", self.missing_customer),
            ("cancellation invoice (C...)", self.cancellations),
            ("non-positive quantity, price or amount", self.non_positive),
            ("exact duplicate line", self.duplicates),
        ]

    def keeping_identical(self) -> "CleaningReport":
        """The same counts when identical lines are kept: the duplicates become kept lines."""
        return replace(self, dedupe=False, duplicates=0, identical_kept=self.duplicates,
                       kept=self.kept + self.duplicates)

    def netting_rows(self) -> list[tuple[str, int]]:
        """(how, cancellation lines) for the log: netted by each rule, and unmatched."""
        return [
            ("netted against the same invoice", self.netting.by_invoice),
            ("netted by customer, product and quantity", self.netting.by_match),
            ("unmatched (nothing netted)", self.netting.unmatched),
        ]


@dataclass(frozen=True)
class LogAudit:
    """One pass over the raw lines: problems to refuse, rules to count, the log's date range."""

    lines_read: int
    unparsable: dict[str, int]
    cleaning: CleaningReport
    first_day: date | None
    last_day: date | None


def resolve_dedupe(mode: str, roles: ColumnRoles) -> bool:
    """Whether identical lines are removed: ``always``, ``never``, or (``auto``) only with an order column.

    An invoice number gives a line an identity: two identical lines of one invoice are a
    double scan. Without it (customer, date, quantity, amount), two identical lines are as
    likely two genuine purchases, so ``auto`` keeps them and the log says so.
    """
    if mode not in DEDUPE_MODES:
        raise OrderLogError(f"--dedupe {mode!r}: choose one of {', '.join(DEDUPE_MODES)}")
    if mode == "auto":
        return roles.order is not None
    return mode == "always"


def line_weight(typed: ibis.Table, dedupe: bool) -> ibis.IntegerValue:
    """How many times a distinct line counts: once when de-duplicating, else as often as it occurs."""
    return ibis.literal(1, "int64") if dedupe else typed[_COPIES]


def distinct_lines(typed: ibis.Table) -> ibis.Table:
    """One row per distinct line, with ``__copies`` = how many times it occurs.

    ``typed`` comes from :func:`typed_lines` with ``keep_other_columns=True``. A
    duplicate is identical in every column, the role columns compared as parsed
    values (so ``17850`` and ``17850.0``, or ``6`` and ``6.0``, are the same). Grouping
    once, up front, lets every later count weigh lines by their copies, so the file
    is scanned and de-duplicated a single time; grouping parsed numbers and dates is
    also much cheaper than grouping their text.
    """
    keys = [c for c in typed.columns if c != _COPIES]
    grouped = typed.group_by(keys).aggregate(**{_COPIES: typed[_COPIES].sum()})
    return grouped.select(*[c for c in grouped.columns if c.startswith("__")])


def detect_date_format(table: ibis.Table, column: str, sample: list[str] | None = None) -> str:
    """The text date format of ``column``: the one that parses most of the first non-empty values.

    Returns :data:`ISO_FORMAT` or a ``strptime`` format from :data:`TEXT_DATE_FORMATS`.
    Lines in any other format then fail to parse and are reported, never guessed at.
    ``sample`` (the column's first values, read from a CSV directly) spares a query: on
    DuckDB a ``LIMIT`` over a CSV still parses whole blocks of the file in parallel.
    """
    values = table[column]
    if not values.type().is_string():
        return ISO_FORMAT
    if sample is None:
        query = table.select(text=trim_spaces(values)).filter(ibis._.text != "").limit(DATE_SAMPLE)
        sample = query.to_pyarrow().column("text").to_pylist()
    texts = [v.strip() for v in sample if v and v.strip()][:DATE_SAMPLE]

    def parses(fmt: str, value: str) -> bool:
        try:
            datetime.fromisoformat(value) if fmt == ISO_FORMAT else datetime.strptime(value, fmt)
        except ValueError:
            return False
        return True

    scores = [(sum(parses(fmt, v) for v in texts), -i, fmt) for i, fmt in enumerate(TEXT_DATE_FORMATS)]
    return max(scores)[2]


def typed_lines(table: ibis.Table, roles: ColumnRoles, dialect: str, date_format: str = ISO_FORMAT,
                keep: tuple[str, ...] = (), keep_other_columns: bool = False) -> ibis.Table:
    """Parse the role columns into typed ones; keeps ``__copies`` (1 when absent) and ``keep``.

    ``date_format`` applies to text dates only (see :func:`detect_date_format`).
    ``keep_other_columns`` also keeps every column that plays no role, for
    :func:`distinct_lines`.
    """
    role_columns = set(roles.mapped().values())
    if keep_other_columns:
        keep = (*keep, *[c for c in table.columns if c not in role_columns and c not in keep])
    columns = {name: table[name] for name in keep}
    columns |= {
        _CUSTOMER: _normalise_id(table[roles.customer]),
        _ORDER: _normalise_text(table[roles.order]) if roles.order else ibis.null(dt.string),
        _AT: _parse_timestamp(table[roles.date], roles.date, dialect, date_format),
    }
    if roles.product:
        columns[_PRODUCT] = _normalise_text(table[roles.product])
    if roles.uses_amount:
        columns[_AMOUNT] = _parse_number(table[roles.amount], roles.amount)
    else:
        columns[_QUANTITY] = _parse_number(table[roles.quantity], roles.quantity)
        columns[_PRICE] = _parse_number(table[roles.price], roles.price)
    columns[_COPIES] = table[_COPIES] if _COPIES in table.columns else ibis.literal(1, "int64")
    return table.select(**columns)


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


def _kept(typed: ibis.Table, roles: ColumnRoles) -> ibis.BooleanValue:
    flags = _rule_flags(typed, roles)
    return ~(flags["missing_customer"] | flags["cancellations"] | flags["non_positive"])


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
    """Count unparsable values, rule breaks and duplicates, and find the log's date range, in one query.

    Every count weighs a distinct line by its ``__copies``, so the counts are of lines as read.
    Counted as if duplicates are removed; :meth:`CleaningReport.keeping_identical` turns
    the counts round when they are not. The netting is counted by :func:`cancellation_matches`.
    """
    copies = typed[_COPIES]
    flags = _rule_flags(typed, roles)
    kept = _kept(typed, roles)
    day = typed[_AT].date()
    metrics = {"lines_read": copies.sum()}
    for typed_name, raw_name in _parsed_columns(roles).items():
        metrics[f"unparsable:{raw_name}"] = ibis.ifelse(typed[typed_name].isnull(), copies, 0).sum()
    for name, flag in flags.items():
        metrics[name] = ibis.ifelse(flag, copies, 0).sum()
    metrics["duplicates"] = ibis.ifelse(kept, copies - 1, 0).sum()
    metrics["kept"] = kept.cast("int64").sum()
    metrics["first_day"] = ibis.ifelse(kept, day, ibis.null(dt.date)).min()
    metrics["last_day"] = ibis.ifelse(kept, day, ibis.null(dt.date)).max()
    row = typed.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    count = lambda name: int(row[name] or 0)  # noqa: E731 – SUM over no rows is NULL
    return LogAudit(
        lines_read=count("lines_read"),
        unparsable={name.split(":", 1)[1]: count(name) for name in row if name.startswith("unparsable:")},
        cleaning=CleaningReport(
            lines_read=count("lines_read"),
            missing_customer=count("missing_customer"),
            cancellations=count("cancellations"),
            non_positive=count("non_positive"),
            duplicates=count("duplicates"),
            kept=count("kept"),
        ),
        first_day=_as_date(row["first_day"]),
        last_day=_as_date(row["last_day"]),
    )


def unparsable_examples(raw: ibis.Table, raw_name: str, roles: ColumnRoles, dialect: str,
                        date_format: str, first_row_number: int) -> list[tuple[int, str]]:
    """(row number, raw text) of the first few lines whose ``raw_name`` does not parse.

    Only called on the error path: it scans the raw lines again, numbering them.
    """
    typed_name = {raw_col: name for name, raw_col in _parsed_columns(roles).items()}[raw_name]
    numbered = raw.mutate(__row=ibis.row_number() + first_row_number,
                          __value=raw[raw_name].cast("string"))
    typed = typed_lines(numbered, roles, dialect, date_format, keep=("__row", "__value"))
    bad = typed.filter(typed[typed_name].isnull()).order_by("__row").limit(EXAMPLES_SHOWN)
    rows = bad.select("__row", "__value").to_pyarrow().to_pylist()
    return [(int(r["__row"]), "" if r["__value"] is None else r["__value"]) for r in rows]


def cancellation_matches(typed: ibis.Table, roles: ColumnRoles, dedupe: bool,
                         keep=lambda table: table) -> ibis.Table | None:
    """Each distinct cancellation line with the order it nets against; None without an order column.

    ``keep`` stores small intermediate tables (see :func:`~analysis.orders.cancellations.match_cancellations`).
    """
    if not roles.order:
        return None
    flags = _rule_flags(typed, roles)
    return match_cancellations(typed, flags["cancellations"], _kept(typed, roles), line_weight(typed, dedupe),
                               roles, TYPED, keep)


def clean_lines(typed: ibis.Table, roles: ColumnRoles, dedupe: bool = True,
                matches: ibis.Table | None = None) -> ibis.Table:
    """Apply the cleaning rules to distinct typed lines, and net the cancellations.

    Parameters
    ----------
    dedupe : bool
        False: a line that occurs k times counts k times.
    matches : ibis.Table, optional
        From :func:`cancellation_matches`; their amounts are appended as negative lines.

    Returns
    -------
    ibis.Table
        ``customer`` (string), ``order_key`` (string: the order number, or the
        calendar day when the log has none), ``day`` (date), ``cents`` (int64 line
        revenue, negative for netted cancellations). Integer cents make sums exact,
        so every engine agrees to the cent.
    """
    kept = typed.filter(_kept(typed, roles))
    day = kept[_AT].date()
    order_key = kept[_ORDER] if roles.order else ibis.null(dt.string)
    lines = kept.select(
        customer=kept[_CUSTOMER],
        # An order is an invoice; without one, a customer's purchases on one calendar day.
        order_key=ibis.coalesce(order_key, "day:" + day.cast("string")),
        day=day,
        cents=line_cents(kept, roles, TYPED) * line_weight(kept, dedupe),
    )
    if matches is None:
        return lines
    return lines.union(netting_lines(matches), distinct=False)


def _normalise_text(column: ibis.Value) -> ibis.StringValue:
    text = column if column.type().is_string() else column.cast("string")
    return trim_spaces(text).nullif("")


def _normalise_id(column: ibis.Value) -> ibis.StringValue:
    """Ids as text; ``17850.0`` (a float-typed export) and ``17850`` are the same customer."""
    text = _normalise_text(column)
    # The cheap suffix test spares the regular expression on almost every line.
    looks_float = text.endswith("0") & text.re_search(r"^[0-9]+\.0+$")
    return ibis.ifelse(looks_float, text.re_extract(r"^([0-9]+)\.0+$", 1), text)


def _parse_number(column: ibis.Value, name: str) -> ibis.FloatingValue:
    kind = column.type()
    if kind.is_numeric():
        return column.cast("float64")
    if kind.is_string():
        return column.try_cast("float64")  # casts ignore surrounding spaces on DuckDB and Spark
    raise OrderLogError(f"column {name!r} holds {kind}, expected numbers")


def _parse_timestamp(column: ibis.Value, name: str, dialect: str, date_format: str) -> ibis.TimestampValue:
    kind = column.type()
    if kind.is_timestamp() or kind.is_date():
        return column.cast("timestamp")
    if not kind.is_string():
        raise OrderLogError(f"column {name!r} holds {kind}, expected dates")
    text = trim_spaces(column)
    if date_format == ISO_FORMAT:
        return text.try_cast("timestamp")
    if dialect != "duckdb":
        raise OrderLogError(f"column {name!r}: text dates like {date_format!r} can only be parsed "
                            f"on DuckDB; store them as timestamps or ISO 8601 text on {dialect}")
    return try_strptime(text, date_format)


def _as_date(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value
