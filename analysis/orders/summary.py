"""Everything the Segmentation chapter reports, computed once: plain, frozen results.

:func:`summary_from_environment` finds the order log (``$ORDER_LOG``, else the default
``data/orders.parquet``), derives the customer table, runs the chapter's aggregates in the
engine and joins the CRM labels. The tables, figures and sentences
(:mod:`analysis.orders.report`, :mod:`analysis.orders.figures`, :mod:`analysis.orders.words`)
only read these fields, so a number shown twice is the same number.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ibis
import pandas as pd

from .. import config
from ..config import DEFAULT_ORDER_LOG, ORDER_LOG_AS_OF_ENV, ORDER_LOG_COLUMNS_ENV, ORDER_LOG_ENV
from ..data import file_sha256
from ..errors import OrderLogError
from .chapter_pass import chapter_aggregates, derive_with_lines
from .chapter_results import ChapterAggregates
from .clean import CleaningReport
from .label_crosstab import LabelCrosstab, label_crosstab
from .pipeline import RFMRun
from .read import is_url
from .roles import ColumnRoles, parse_column_roles
from .segments import ACTIONS, CRM_LABEL_OF_SEGMENT, CRM_LABELS, RFM_SEGMENTS
from .summary_cache import cached_summary, summary_cache_key



@dataclass(frozen=True)
class SegmentationSummary:
    """What the Segmentation chapter reports.

    Attributes
    ----------
    source, location, as_of, first_day, last_day
        What was analysed: the reader's description, the path or URL, the dates.
    configured : bool
        True when ``$ORDER_LOG`` chose the log, False for the default log.
    customers : int
    revenue : float
        Revenue of the 12-month window, all customers.
    median_recency, median_frequency : float
        Over all customers (lapsed included).
    median_monetary : float
        Median average order value of the customers with an order in the window.
    segments : pandas.DataFrame
        One row per named RFM segment (map order): ``RFMSegment, Segment`` (CRM label by
        rule), ``customers, customer_share, revenue, revenue_share, recency_median,
        frequency_median, monetary_median, frequency_mean, monetary_mean, value_mean,
        action``. Empty segments are kept with zeros so every table has the same ten rows.
    labels : pandas.DataFrame
        The same sizes and shares by rule-based CRM label.
    monthly : pandas.DataFrame
        ``month`` (YYYY-MM), ``revenue, active_customers, new_customers, new_customer_ratio``.
    aggregates : ChapterAggregates
        R x F grid, histograms, order counts, concentration, inactivity, cohorts.
    crosstab : LabelCrosstab
        R x F segments against the CRM's own labels.
    cleaning : CleaningReport
    notes : tuple of str
    snapshot_sha256 : str or None
        SHA-256 of the order-log file, for the colophon (None for a warehouse table or folder).
    """

    source: str
    location: str
    configured: bool
    as_of: date
    first_day: date
    last_day: date
    customers: int
    revenue: float
    median_recency: float
    median_frequency: float
    median_monetary: float
    segments: pd.DataFrame
    labels: pd.DataFrame
    monthly: pd.DataFrame
    aggregates: ChapterAggregates
    crosstab: LabelCrosstab
    cleaning: CleaningReport
    notes: tuple[str, ...]
    snapshot_sha256: str | None = None

    @property
    def high_value(self) -> pd.Series:
        """The High Value row of :attr:`labels`."""
        return self.labels.set_index("Segment").loc["High Value"]


def _segment_table(customers: pd.DataFrame, total_customers: int, total_revenue: float) -> pd.DataFrame:
    segments = customers.groupby("RFMSegment").agg(
        customers=("RFMSegment", "size"),
        revenue=("Revenue12m", "sum"),
        recency_median=("Recency", "median"),
        frequency_median=("Frequency", "median"),
        monetary_median=("MonetaryValue", "median"),
        frequency_mean=("Frequency", "mean"),
        monetary_mean=("MonetaryValue", "mean"),
        value_mean=("CustomerValue", "mean"),
    ).reindex(list(RFM_SEGMENTS)).fillna(0.0)
    segments["customers"] = segments["customers"].astype(int)
    segments = segments.rename_axis("RFMSegment").reset_index()
    segments["customer_share"] = segments["customers"] / total_customers
    segments["revenue_share"] = segments["revenue"] / total_revenue if total_revenue else 0.0
    segments.insert(1, "Segment", segments["RFMSegment"].map(CRM_LABEL_OF_SEGMENT))
    segments["action"] = segments["RFMSegment"].map(ACTIONS)
    return segments


def summarise(run: RFMRun, aggregates: ChapterAggregates, crosstab: LabelCrosstab, *,
              location: str = "", configured: bool = True) -> SegmentationSummary:
    """Put a run and its chapter aggregates together. ``run`` must carry monthly activity."""
    if run.monthly is None:
        raise ValueError("summarise needs derive_customers(..., with_activity=True)")
    customers = run.customers
    total_customers = len(customers)
    total_revenue = float(customers["Revenue12m"].sum())

    by_label = customers.groupby("Segment")
    labels = pd.DataFrame({"customers": by_label.size(), "revenue": by_label["Revenue12m"].sum()})
    labels = labels.reindex(list(CRM_LABELS)).fillna(0.0)
    labels["customers"] = labels["customers"].astype(int)
    labels = labels.rename_axis("Segment").reset_index()
    labels["customer_share"] = labels["customers"] / total_customers
    labels["revenue_share"] = labels["revenue"] / total_revenue if total_revenue else 0.0

    activity = run.monthly
    monthly = pd.DataFrame({
        "month": [f"{int(y):04d}-{int(m):02d}" for y, m in zip(activity["year"], activity["month"])],
        "revenue": activity["revenue"].astype(float),
        "active_customers": activity["active_customers"].astype(int),
        "new_customers": activity["new_customers"].astype(int),
    })
    monthly["new_customer_ratio"] = monthly["new_customers"] / monthly["active_customers"]

    return SegmentationSummary(
        source=run.source, location=location, configured=configured, as_of=run.params.as_of,
        first_day=run.first_day, last_day=run.last_day, customers=total_customers, revenue=total_revenue,
        median_recency=float(customers["Recency"].median()),
        median_frequency=float(customers["Frequency"].median()),
        median_monetary=float(customers.loc[customers["Frequency"] > 0, "MonetaryValue"].median()),
        segments=_segment_table(customers, total_customers, total_revenue), labels=labels,
        monthly=monthly.reset_index(drop=True), aggregates=aggregates, crosstab=crosstab,
        cleaning=run.cleaning, notes=tuple(run.notes()),
    )


def order_log_location(environ: dict[str, str] | None = None) -> tuple[str, bool]:
    """The order log the chapter analyses, and whether ``$ORDER_LOG`` chose it.

    A relative ``$ORDER_LOG`` is taken from the project root (chapters run in their own
    folder). Without ``$ORDER_LOG`` the default :data:`DEFAULT_ORDER_LOG` is used.

    Raises
    ------
    OrderLogError
        Neither is there: the chapter is never published empty.
    """
    environ = os.environ if environ is None else environ
    location = environ.get(ORDER_LOG_ENV, "").strip()
    if location:
        if is_url(location):
            return location, True
        path = Path(location).expanduser()
        return str(path if path.is_absolute() else config.ROOT / path), True
    if DEFAULT_ORDER_LOG.exists():
        return str(DEFAULT_ORDER_LOG), False
    raise OrderLogError(f"{DEFAULT_ORDER_LOG}: the default order log is missing and ${ORDER_LOG_ENV} is not "
                        "set; regenerate the default data (see data/README.md) or set "
                        f"{ORDER_LOG_ENV} to a CSV or Parquet order log")


def build_summary(location: str, as_of: str | date | None = None, *, roles: ColumnRoles = ColumnRoles(),
                  labels_path: Path | None = None, configured: bool = True,
                  backend: ibis.BaseBackend | None = None) -> SegmentationSummary:
    """Derive, aggregate and label one order log: the whole chapter's computing."""
    run, lines = derive_with_lines(location, as_of, roles=roles, backend=backend)
    aggregates = chapter_aggregates(lines, run.params)
    labels = labels_path or config.data_path()
    if isinstance(labels, str):  # a warehouse table URL: no labels file here; named without credentials
        from ..data.public_url import public_url

        labels = Path(public_url(labels))
    crosstab = label_crosstab(run.customers, labels)
    summary = summarise(run, aggregates, crosstab, location=str(location), configured=configured)
    path = Path(location)
    snapshot = None if is_url(location) or not path.is_file() else file_sha256(path)
    return dataclasses.replace(summary, snapshot_sha256=snapshot)


def summary_from_environment(environ: dict[str, str] | None = None) -> SegmentationSummary:
    """The chapter's entry point: ``$ORDER_LOG`` (or the default log), as of ``$ORDER_LOG_AS_OF``.

    ``$ORDER_LOG_AS_OF`` (YYYY-MM-DD) defaults to the last day of a configured log, and to the
    day the default customer table was derived (``config.DEFAULT_ORDER_LOG_AS_OF``) for the
    default log, so the chapter describes the same customers as the model;
    ``$ORDER_LOG_COLUMNS`` maps roles as ``customer=cust_id,date=ts``. The CRM labels come
    from the model's customer table (``$CUSTOMER_DATA``, else ``data/customers.csv``).

    Raises
    ------
    OrderLogError
        The log is missing or breaks a rule: the message names the log, the rule, the
        column and the first offending lines, and the build stops.
    """
    environ = os.environ if environ is None else environ
    location, configured = order_log_location(environ)
    specs = [s for s in environ.get(ORDER_LOG_COLUMNS_ENV, "").split(",") if s.strip()]
    labels = environ.get(config.DATA_ENV_VAR, "").strip()
    if config.is_table_url(labels):  # a warehouse table: no labels file; named without credentials
        from ..data.public_url import public_url

        labels = public_url(labels)
    labels_path = Path(labels).expanduser().resolve() if labels else config.DEFAULT_DATA
    which = f"${ORDER_LOG_ENV}" if configured else "the default order log"
    try:
        as_of = environ.get(ORDER_LOG_AS_OF_ENV) or (None if configured else config.DEFAULT_ORDER_LOG_AS_OF)
        key = summary_cache_key(location, as_of, specs, labels_path, configured)
        return cached_summary(key, lambda: build_summary(
            location, as_of, roles=parse_column_roles(specs), labels_path=labels_path, configured=configured))
    except OrderLogError as error:
        raise OrderLogError(f"Segmentation chapter, {which}: {error}") from error
