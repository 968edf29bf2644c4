"""The chapter's and the brief's entry point: which order log, which as-of, which options.

Same variables as the Segmentation chapter (``ORDER_LOG``, ``ORDER_LOG_AS_OF``,
``ORDER_LOG_COLUMNS``), so one setting drives both chapters. Without ``ORDER_LOG``
the project's default simulated log ``data/orders.parquet`` is used when it
exists, as of its own as-of date (``analysis.orders.default_data.AS_OF``, so the
holdout after it can be checked). ``FUTURES_EXCLUDE_ANOMALIES=1`` fits the models without flagged customers.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..config import ROOT
from ..orders.read import is_url
from ..orders.roles import parse_column_roles
from ..orders.summary import ORDER_LOG_AS_OF_ENV, ORDER_LOG_COLUMNS_ENV, ORDER_LOG_ENV
from .options import FuturesOptions

DEFAULT_ORDER_LOG = Path("data") / "orders.parquet"
EXCLUDE_ANOMALIES_ENV = "FUTURES_EXCLUDE_ANOMALIES"


def futures_from_environment(environ: dict[str, str] | None = None):
    """A :class:`~analysis.futures.pipeline.FuturesRun`, or ``None`` when there is no order log."""
    from .pipeline import compute_futures

    environ = os.environ if environ is None else environ
    location = environ.get(ORDER_LOG_ENV, "").strip()
    as_of = environ.get(ORDER_LOG_AS_OF_ENV) or None
    if not location:
        if not (ROOT / DEFAULT_ORDER_LOG).exists():
            return None
        location, as_of = str(DEFAULT_ORDER_LOG), as_of or _default_as_of()
    if not is_url(location) and not Path(location).expanduser().is_absolute():
        location = str(ROOT / location)  # chapters run in their own folder; relative means the project root
    specs = [s for s in environ.get(ORDER_LOG_COLUMNS_ENV, "").split(",") if s.strip()]
    options = FuturesOptions(exclude_anomalies=environ.get(EXCLUDE_ANOMALIES_ENV, "").strip() in ("1", "true", "yes"))
    return compute_futures(location, as_of,
                           roles=parse_column_roles(specs), options=options)


def _default_as_of():
    """The default log's as-of date, from the module that simulates it (when that module is present)."""
    try:
        from ..orders.default_data import AS_OF
    except ImportError:
        return None
    return AS_OF
