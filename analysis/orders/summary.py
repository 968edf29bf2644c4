"""Segment sizes, revenue shares, profiles, monthly activity and actions: plain results.

Computed once from an :class:`~analysis.orders.pipeline.RFMRun`; the tables,
figures and sentences of the Segmentation chapter (:mod:`analysis.orders.report`)
only read these fields, so a number shown twice is the same number.
"""
from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..config import ROOT
from ..data import file_sha256
from .clean import CleaningReport
from .pipeline import RFMRun, derive_customers
from .read import is_url
from .roles import parse_column_roles
from .segments import ACTIONS, CRM_LABEL_OF_SEGMENT, CRM_LABELS, RFM_SEGMENTS

ORDER_LOG_ENV = "ORDER_LOG"
ORDER_LOG_AS_OF_ENV = "ORDER_LOG_AS_OF"
ORDER_LOG_COLUMNS_ENV = "ORDER_LOG_COLUMNS"  # "customer=cust_id,date=ts", like repeated --column
TOP_SHARE = 0.20


@dataclass(frozen=True)
class SegmentationSummary:
    """What the Segmentation chapter reports.

    Attributes
    ----------
    source, as_of, first_day, last_day
        What was analysed.
    customers : int
    revenue : float
        Revenue of the 12-month window, all customers.
    segments : pandas.DataFrame
        One row per named RFM segment (map order): ``RFMSegment, Segment`` (CRM label),
        ``customers, customer_share, revenue, revenue_share, recency_median,
        frequency_mean, monetary_mean, value_mean, action``. Empty segments are kept
        with zeros so every table has the same ten rows.
    labels : pandas.DataFrame
        The same sizes and shares by CRM label.
    top_customer_share, top_revenue_share : float
        The top ``TOP_SHARE`` of customers by 12-month revenue bring this share of it.
    monthly : pandas.DataFrame
        ``month`` (YYYY-MM), ``revenue, active_customers, new_customers, new_customer_ratio``.
    cleaning : CleaningReport
    notes : tuple of str
    snapshot_sha256 : str or None
        SHA-256 of the order-log file, for the colophon (None for a warehouse table).
    """

    source: str
    as_of: date
    first_day: date
    last_day: date
    customers: int
    revenue: float
    segments: pd.DataFrame
    labels: pd.DataFrame
    top_customer_share: float
    top_revenue_share: float
    monthly: pd.DataFrame
    cleaning: CleaningReport
    notes: tuple[str, ...]
    snapshot_sha256: str | None = None

    @property
    def high_value(self) -> pd.Series:
        """The High Value row of :attr:`labels`."""
        return self.labels.set_index("Segment").loc["High Value"]


def summarise(run: RFMRun) -> SegmentationSummary:
    """Aggregate a run into the chapter's numbers. ``run`` must carry monthly activity."""
    if run.monthly is None:
        raise ValueError("summarise needs derive_customers(..., with_activity=True)")
    customers = run.customers
    total_customers = len(customers)
    total_revenue = float(customers["Revenue12m"].sum())

    def shares(frame: pd.DataFrame) -> pd.DataFrame:
        frame["customer_share"] = frame["customers"] / total_customers
        frame["revenue_share"] = frame["revenue"] / total_revenue if total_revenue else 0.0
        return frame

    grouped = customers.groupby("RFMSegment")
    segments = pd.DataFrame({
        "customers": grouped.size(),
        "revenue": grouped["Revenue12m"].sum(),
        "recency_median": grouped["Recency"].median(),
        "frequency_mean": grouped["Frequency"].mean(),
        "monetary_mean": grouped["MonetaryValue"].mean(),
        "value_mean": grouped["CustomerValue"].mean(),
    }).reindex(list(RFM_SEGMENTS)).fillna(0.0)
    segments["customers"] = segments["customers"].astype(int)
    segments = shares(segments.rename_axis("RFMSegment").reset_index())
    segments.insert(1, "Segment", segments["RFMSegment"].map(CRM_LABEL_OF_SEGMENT))
    segments["action"] = segments["RFMSegment"].map(ACTIONS)

    by_label = customers.groupby("Segment")
    labels = pd.DataFrame({"customers": by_label.size(), "revenue": by_label["Revenue12m"].sum()})
    labels = labels.reindex(list(CRM_LABELS)).fillna(0.0)
    labels["customers"] = labels["customers"].astype(int)
    labels = shares(labels.rename_axis("Segment").reset_index())

    top_n = max(1, math.ceil(TOP_SHARE * total_customers))
    top_revenue = float(customers["Revenue12m"].nlargest(top_n).sum())

    activity = run.monthly
    monthly = pd.DataFrame({
        "month": [f"{int(y):04d}-{int(m):02d}" for y, m in zip(activity["year"], activity["month"])],
        "revenue": activity["revenue"].astype(float),
        "active_customers": activity["active_customers"].astype(int),
        "new_customers": activity["new_customers"].astype(int),
    })
    monthly["new_customer_ratio"] = monthly["new_customers"] / monthly["active_customers"]

    return SegmentationSummary(
        source=run.source, as_of=run.params.as_of, first_day=run.first_day, last_day=run.last_day,
        customers=total_customers, revenue=total_revenue, segments=segments, labels=labels,
        top_customer_share=top_n / total_customers,
        top_revenue_share=top_revenue / total_revenue if total_revenue else 0.0,
        monthly=monthly.reset_index(drop=True), cleaning=run.cleaning, notes=tuple(run.notes()),
    )


def summary_from_environment(environ: dict[str, str] | None = None) -> SegmentationSummary | None:
    """The chapter's entry point: ``None`` when ``$ORDER_LOG`` is not set.

    A relative ``$ORDER_LOG`` is taken from the project root.
    ``$ORDER_LOG_AS_OF`` (YYYY-MM-DD) defaults to the last day of the log;
    ``$ORDER_LOG_COLUMNS`` maps roles as ``customer=cust_id,date=ts``.
    """
    environ = os.environ if environ is None else environ
    location = environ.get(ORDER_LOG_ENV, "").strip()
    if not location:
        return None
    if not is_url(location) and not Path(location).expanduser().is_absolute():
        # Chapters run in their own folder; a relative path means the project root, as on the shell.
        location = str(ROOT / location)
    specs = [s for s in environ.get(ORDER_LOG_COLUMNS_ENV, "").split(",") if s.strip()]
    run = derive_customers(location, environ.get(ORDER_LOG_AS_OF_ENV) or None,
                           roles=parse_column_roles(specs), with_activity=True)
    snapshot = None if is_url(location) or Path(location).is_dir() else file_sha256(Path(location))
    return dataclasses.replace(summarise(run), snapshot_sha256=snapshot)
