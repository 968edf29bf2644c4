"""Run the whole derivation: open, check, clean, transform; return plain results.

Nothing here prints or writes files; :mod:`analysis.orders.command` and the
Segmentation chapter render what :func:`derive_customers` returns.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import ibis
import pandas as pd

from ..errors import OrderLogError
from .cancellations import count_cancellations
from .clean import (DATE_SAMPLE, DEDUPE_MODES, ISO_FORMAT, CleaningReport, LogAudit, audit_lines, cancellation_matches, clean_lines,
                    detect_date_format, distinct_lines, resolve_dedupe, typed_lines, unparsable_examples)
from .labels import LabelJoin, join_crm_labels, read_crm_labels
from .read import OrderSource, describe_unreadable_csv, open_order_log, sample_csv_column, with_native_types
from .roles import ColumnRoles, resolve_roles
from .transform import RFMParameters, customer_table_expr, monthly_activity_expr

HOLDOUT_FULL, HOLDOUT_PARTIAL, HOLDOUT_NONE, HOLDOUT_OFF = "full", "partial", "none", "off"


@dataclass(frozen=True)
class RFMRun:
    """Everything one derivation produced.

    Attributes
    ----------
    source : str
        What was read (file name, format, encoding).
    roles : ColumnRoles
        The column mapping actually used (after the order-column fallback).
    params : RFMParameters
    cleaning : CleaningReport
    first_day, last_day : date
        Date range of the kept lines.
    holdout : str
        ``full``, ``partial`` (log ends inside the holdout), ``none`` (log ends on or
        before as-of: CustomerValue is past profit only) or ``off`` (0 months asked).
    customers : pandas.DataFrame
        The customer table, sorted by CustomerID.
    monthly : pandas.DataFrame or None
        Monthly revenue, active and new customers (only when asked for).
    labels : LabelJoin or None
        How the CRM labels were joined (``--labels``); None: Segment is the R x F rule.
    lines : ibis.Table or None
        The clean lines (cancellations netted, de-duplicated by the run's rule) the
        customer table was built from, in the run's engine (kept there as a table with
        ``with_activity``): the chapters aggregate exactly these lines. None only for a
        run made without them (``dataclasses.replace(run, lines=None)``).
    """

    source: str
    roles: ColumnRoles
    params: RFMParameters
    cleaning: CleaningReport
    first_day: date
    last_day: date
    holdout: str
    customers: pd.DataFrame
    monthly: pd.DataFrame | None = None
    labels: LabelJoin | None = None
    lines: ibis.Table | None = field(default=None, repr=False, compare=False)

    @property
    def orders_per_day(self) -> bool:
        """True when the log has no order column and orders are customer-days."""
        return self.roles.order is None

    def notes(self) -> list[str]:
        """Plain-language caveats for the log and the chapter, decided by rule."""
        notes = []
        if self.orders_per_day:
            notes.append("no order column: an order is one customer's purchases on one calendar day")
        c = self.cleaning
        if not c.dedupe and c.identical_kept:
            why = "no order column to tell a double scan from a repeat purchase" if self.orders_per_day \
                else "--dedupe never"
            notes.append(f"{c.identical_kept:,} identical lines kept as repeat purchases ({why}; "
                         "--dedupe always removes them)")
        if c.netting.unmatched:
            notes.append(f"{c.netting.unmatched:,} cancellation lines match no purchase in the log "
                         "and net nothing")
        if self.holdout == HOLDOUT_NONE:
            notes.append(f"the log ends on {self.last_day}, not after the as-of date: "
                         "CustomerValue is past profit only (margin x 12-month revenue)")
        elif self.holdout == HOLDOUT_PARTIAL:
            notes.append(f"the log ends on {self.last_day}, inside the holdout "
                         f"(to {self.params.holdout_end}): holdout revenue covers only part of it")
        lapsed = int((self.customers["Frequency"] == 0).sum())
        if lapsed:
            notes.append(f"{lapsed:,} customers have no order in the 12-month window "
                         "(Frequency 0, MonetaryValue 0); they are kept as lapsed customers")
        return notes


def derive_customers(location: str | Path, as_of: date | str | None = None, *,
                     roles: ColumnRoles = ColumnRoles(), margin: float = 0.30,
                     holdout_months: int = 6, backend: ibis.BaseBackend | None = None,
                     with_activity: bool = False, dedupe: str = "auto",
                     labels: str | Path | None = None) -> RFMRun:
    """Turn an order log into the customer table, keeping the clean lines it was built from.

    This is the one place clean lines are made. They (``customer, order_key, day,
    cents``: de-duplicated, cancellations netted, by exactly the rules of this run)
    stay in the run's engine as :attr:`RFMRun.lines`, so a caller that needs more than
    the customer table (the Segmentation and Customer futures chapters) reads the log
    once and can never disagree with ``rfm`` about what an order is.

    Parameters
    ----------
    location : str or Path
        CSV or Parquet file, or ``URL#table`` for a warehouse.
    as_of : date or ``YYYY-MM-DD``, optional
        Reference day; default the last day of the log.
    roles : ColumnRoles
        Column mapping (default: Online Retail names).
    margin, holdout_months
        See :class:`~analysis.orders.transform.RFMParameters`.
    backend : ibis backend, optional
        Engine for files (default: in-memory DuckDB).
    with_activity : bool
        Also compute monthly revenue / active / new customers for the chapter, and keep
        the clean lines as a table in the engine (DuckDB), since the chapters read them again.
    dedupe : {"auto", "always", "never"}
        Remove identical lines: ``auto`` only when the log has an order column.
    labels : path, optional
        CRM label file (:mod:`analysis.orders.labels`); its labels become ``Segment``.

    Raises
    ------
    OrderLogError
        Missing columns, unparsable dates or numbers, an empty log, nothing left
        after cleaning, or an as-of date outside the log.
    """
    # Option mistakes fail before a large log is read, not after.
    requested_as_of = _parse_as_of(as_of)
    RFMParameters(as_of=requested_as_of or date.today(), margin=margin, holdout_months=holdout_months)
    if dedupe not in DEDUPE_MODES:
        raise OrderLogError(f"--dedupe {dedupe!r}: choose one of {', '.join(DEDUPE_MODES)}")
    crm_labels = read_crm_labels(labels) if labels is not None else None

    source = open_order_log(location, backend)
    roles = resolve_roles(roles, source.table.columns, source.description)
    try:
        date_format = detect_date_format(source.table, roles.date,
                                         sample_csv_column(source, roles.date, DATE_SAMPLE))
    except Exception as error:  # the first read of lines is where a malformed CSV shows itself
        _raise_if_unreadable(error, source)
        raise
    typed, audit = _typed_and_audited(source, roles, date_format)
    _refuse_unparsable(audit, roles, source, date_format, location)
    removes_identical = resolve_dedupe(dedupe, roles)
    cleaning = audit.cleaning if removes_identical else audit.cleaning.keeping_identical()
    if cleaning.kept == 0:
        raise OrderLogError(
            f"{source.description}: none of the {cleaning.lines_read:,} lines is left after cleaning "
            f"(missing customer {cleaning.missing_customer:,}, cancellations {cleaning.cancellations:,}, "
            f"non-positive quantity/price/amount {cleaning.non_positive:,}); check the column mapping")

    params = RFMParameters(as_of=requested_as_of or audit.last_day, margin=margin, holdout_months=holdout_months)
    if not audit.first_day <= params.as_of <= audit.last_day:
        raise OrderLogError(
            f"--as-of {params.as_of} is outside the order log, which runs from {audit.first_day} "
            f"to {audit.last_day} (kept lines); choose a date in that range")

    matches = cancellation_matches(typed, roles, removes_identical, keep=lambda table: _materialise(table, source))
    if matches is not None:
        # Small (cancellation lines only), and read twice: counted, then netted.
        matches = _materialise(matches, source)
        cleaning = replace(cleaning, netting=count_cancellations(matches))
    lines = clean_lines(typed, roles, removes_identical, matches)
    customers = (customer_table_expr(lines, params).to_pyarrow().to_pandas()
                 .sort_values("CustomerID", kind="stable").reset_index(drop=True))
    label_join = None
    if crm_labels is not None:
        customers, label_join = join_crm_labels(customers, crm_labels, Path(labels).name)
    monthly = None
    if with_activity:
        lines = _materialise(lines, source)
        monthly = monthly_activity_expr(lines, params.as_of).to_pyarrow().to_pandas()
    return RFMRun(source=source.description, roles=roles, params=params, cleaning=cleaning,
                  first_day=audit.first_day, last_day=audit.last_day,
                  holdout=_holdout_status(params, audit.last_day), customers=customers, monthly=monthly,
                  labels=label_join, lines=lines)


def derive_customers_and_lines(location: str | Path, as_of: date | str | None = None, *,
                               roles: ColumnRoles = ColumnRoles(), margin: float = 0.30,
                               holdout_months: int = 6, backend: ibis.BaseBackend | None = None,
                               with_activity: bool = False, dedupe: str = "auto",
                               labels: str | Path | None = None) -> tuple[RFMRun, ibis.Table]:
    """:func:`derive_customers` and its clean lines (:attr:`RFMRun.lines`), as a pair."""
    run = derive_customers(location, as_of, roles=roles, margin=margin, holdout_months=holdout_months,
                           backend=backend, with_activity=with_activity, dedupe=dedupe, labels=labels)
    return run, run.lines


def _typed_and_audited(source: OrderSource, roles: ColumnRoles, date_format: str) -> tuple[ibis.Table, LogAudit]:
    """Parse, de-duplicate and keep the lines (in DuckDB memory), then count them.

    A DuckDB CSV is first read with the reader parsing numbers and dates (fast);
    if any value does not parse, the read fails and the all-text route runs instead,
    which finds and reports every bad line.
    """
    if source.csv_options is not None:
        native = with_native_types(source, _native_types(roles),
                                   None if date_format == ISO_FORMAT else date_format)
        try:
            typed = _materialise(_distinct_typed(native, roles, date_format), native, report_errors=False)
        except Exception as error:
            if not type(error).__module__.startswith(("duckdb", "_duckdb")):
                raise
        else:
            return typed, _run_audit(typed, roles, source)
    typed = _materialise(_distinct_typed(source, roles, date_format), source)
    return typed, _run_audit(typed, roles, source)


def _native_types(roles: ColumnRoles) -> dict[str, str]:
    types = {roles.date: "TIMESTAMP"}
    for role in ("quantity", "price", "amount"):
        if getattr(roles, role) is not None:
            types[getattr(roles, role)] = "DOUBLE"
    return types


def _distinct_typed(source: OrderSource, roles: ColumnRoles, date_format: str) -> ibis.Table:
    parsed = typed_lines(source.table, roles, source.dialect, date_format, keep_other_columns=True)
    return distinct_lines(parsed)


def _run_audit(typed: ibis.Table, roles: ColumnRoles, source: OrderSource) -> LogAudit:
    """Count the lines; an engine failure during that scan becomes an :class:`OrderLogError`.

    Unlike :func:`_materialise`, there is no fast route to fall back from here, so a
    failure is always reported (as the source's own failure, naming it).
    """
    try:
        return audit_lines(typed, roles)
    except Exception as error:
        _raise_if_unreadable(error, source)
        raise


def _raise_if_unreadable(error: Exception, source: OrderSource) -> None:
    """The first full scan is where a malformed file shows itself (ragged rows, bad quoting)."""
    if source.dialect == "duckdb" and type(error).__module__.startswith(("duckdb", "_duckdb")):
        if source.csv_options is not None:
            options = source.csv_options
            message = describe_unreadable_csv(Path(options["path"]), options["encoding"], options["delim"], error)
            raise OrderLogError(message) from error
        first = str(error).strip().splitlines()
        raise OrderLogError(f"{source.description}: cannot be read ({' '.join(first[:2])})") from error


def _refuse_unparsable(audit: LogAudit, roles: ColumnRoles, source: OrderSource, date_format: str,
                       location) -> None:
    if audit.lines_read == 0:
        raise OrderLogError(f"{location}: the order log is empty (a header but no order lines)")
    problems = []
    # CSV rows are reported as file lines (header = line 1); other sources as row numbers.
    first_row, unit = (2, "line") if source.is_text_file else (1, "row")
    if source.dialect == "duckdb" and any(audit.unparsable.values()):
        # Line numbers come from scan order, which the fast connection does not keep.
        source.table._find_backend().raw_sql("SET preserve_insertion_order = true")
    for column, count in audit.unparsable.items():
        if not count:
            continue
        examples = unparsable_examples(source.table, column, roles, source.dialect, date_format, first_row)
        shown = ", ".join(f"{unit} {row}: {value!r}" for row, value in examples)
        kind = "dates" if column == roles.date else "numbers"
        problems.append(f"column {column!r}: {count:,} unparsable {kind} ({shown}"
                        f"{', ...' if count > len(examples) else ''})")
    if problems:
        hints = []
        if audit.unparsable.get(roles.date):
            shown_format = "ISO 8601" if date_format == ISO_FORMAT else date_format
            hints.append(f"dates must all be in one format, detected here as {shown_format} (supported: "
                         "ISO 8601 such as 2011-12-09 12:50:00, or month/day/year as in Online Retail, "
                         "12/9/2011 12:50)")
        if any(count for column, count in audit.unparsable.items() if column != roles.date):
            hints.append("numbers must be plain decimals with a point (2.55, not 2,55) and present on every line")
        hint = "; ".join(hints)
        raise OrderLogError(f"{source.description}: " + "; ".join(problems) + ". " + hint[:1].upper() + hint[1:])


def _parse_as_of(as_of: date | str | None) -> date | None:
    if as_of is None or isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise OrderLogError(f"--as-of {as_of!r}: expected a date as YYYY-MM-DD, e.g. 2011-12-09") from None


def _materialise(lines: ibis.Table, source: OrderSource, report_errors: bool = True) -> ibis.Table:
    """Keep the typed distinct lines in DuckDB so the file is parsed and de-duplicated once.

    Other engines get the expression as is: their optimiser (or cache) decides.
    """
    if source.dialect != "duckdb":
        return lines
    con = source.table._find_backend()
    try:
        return con.create_table(f"order_lines_{uuid.uuid4().hex}", lines, temp=True)
    except Exception as error:
        if report_errors:
            _raise_if_unreadable(error, source)
        raise


def _holdout_status(params: RFMParameters, last_day: date) -> str:
    if params.holdout_months == 0:
        return HOLDOUT_OFF
    if last_day <= params.as_of:
        return HOLDOUT_NONE
    if last_day < params.holdout_end:
        return HOLDOUT_PARTIAL
    return HOLDOUT_FULL
