"""The chapter's and the brief's entry point: which order log, which as-of, which options.

Same variables as the Segmentation chapter (``ORDER_LOG``, ``ORDER_LOG_AS_OF``,
``ORDER_LOG_COLUMNS``), so one setting drives both chapters. Without ``ORDER_LOG``
the project's default simulated log ``data/orders.parquet`` is used, exactly as
``data/customers.csv`` was derived from it: as of its own as-of date
(``analysis.orders.default_data.AS_OF``, so the holdout after it can be checked)
and with the CRM labels of ``data/crm_labels.csv`` as Segment, so the win-back list
speaks of the model's customers. ``FUTURES_EXCLUDE_ANOMALIES=1`` fits the models
without flagged customers.

The run is computed once per log, as-of, options and code version
(:mod:`analysis.futures.cache`); every page after the first reads it from the cache.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import config
from .options import FuturesOptions

EXCLUDE_ANOMALIES_ENV = "FUTURES_EXCLUDE_ANOMALIES"


@dataclass(frozen=True)
class FuturesRequest:
    """Everything a run depends on besides the code: what the cache key is made of.

    Kept free of :mod:`analysis.orders` (Ibis takes about 1.5 s to import) because every
    page's setup builds one to check that the downloads are current.
    """

    location: str
    as_of: str | None
    columns: tuple[str, ...]  # ORDER_LOG_COLUMNS specs, parsed by the orders engine when computing
    options: FuturesOptions
    labels: str | None = None


def futures_request(environ: dict[str, str] | None = None) -> FuturesRequest | None:
    """The run the environment asks for, or ``None`` when there is no order log at all."""
    environ = os.environ if environ is None else environ
    location = environ.get(config.ORDER_LOG_ENV, "").strip()
    as_of = environ.get(config.ORDER_LOG_AS_OF_ENV) or None
    labels = None
    if not location:
        if not config.DEFAULT_ORDER_LOG.exists():
            return None
        location, as_of = str(config.DEFAULT_ORDER_LOG), as_of or config.DEFAULT_ORDER_LOG_AS_OF
        labels = str(config.DEFAULT_CRM_LABELS) if config.DEFAULT_CRM_LABELS.exists() else None
    if "://" not in location:  # a warehouse URL is kept as written (analysis.orders.read.is_url)
        path = Path(location).expanduser()
        location = str(path if path.is_absolute() else config.ROOT / path)  # relative means the project root
    specs = tuple(s.strip() for s in environ.get(config.ORDER_LOG_COLUMNS_ENV, "").split(",") if s.strip())
    options = FuturesOptions(exclude_anomalies=environ.get(EXCLUDE_ANOMALIES_ENV, "").strip() in ("1", "true", "yes"))
    return FuturesRequest(location=location, as_of=as_of, columns=specs, options=options, labels=labels)


def futures_from_environment(environ: dict[str, str] | None = None, cache_dir: Path | None = None):
    """A :class:`~analysis.futures.pipeline.FuturesRun` (from the cache when present), or ``None``."""
    from .cache import load_futures

    request = futures_request(environ)
    return None if request is None else load_futures(request, cache_dir)
