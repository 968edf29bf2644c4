"""Every path the project uses, resolved from one place.

Chapters run with their own folder as working directory (as Quarto does), so
nothing may depend on the current directory: everything hangs off ``ROOT``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
DEFAULT_DATA = DATA_DIR / "customers.csv"
CACHE_DIR = ROOT / ".cache"
RESULTS_CACHE_DIR = CACHE_DIR / "results"
SITE_DIR = ROOT / "_site"
# Plain `quarto render` publishes this folder (_quarto.yml `resources: downloads/`):
# the single-user default. `python -m analysis render` gives every build its own.
DOWNLOADS_DIR = ROOT / "downloads"

# A refresh can point the whole report at another file without editing anything.
DATA_ENV_VAR = "CUSTOMER_DATA"
# The order log behind the segmentation and customer-futures chapters: the default
# simulated business, or the log named by $ORDER_LOG (as of $ORDER_LOG_AS_OF, with
# column roles from $ORDER_LOG_COLUMNS, e.g. "customer=cust_id,date=ts").
DEFAULT_ORDER_LOG = DATA_DIR / "orders.parquet"
# How data/customers.csv was derived from it (analysis.orders.default_data): as of this day,
# with these CRM labels as Segment. The Customer futures chapter reads the log the same way.
DEFAULT_ORDER_LOG_AS_OF = "2024-12-31"
DEFAULT_CRM_LABELS = DATA_DIR / "crm_labels.csv"
ORDER_LOG_ENV = "ORDER_LOG"
ORDER_LOG_AS_OF_ENV = "ORDER_LOG_AS_OF"
ORDER_LOG_COLUMNS_ENV = "ORDER_LOG_COLUMNS"
# The reference segment, for a report that should compare against another level.
REFERENCE_ENV_VAR = "CUSTOMER_REFERENCE"
# Where this build's chapters write the downloads; set per build so two builds at once
# never publish each other's files.
DOWNLOADS_ENV_VAR = "REPORT_DOWNLOADS_DIR"
# Set by ``python -m analysis render`` for its chapters only: the warehouse table's content
# key it has just computed (analysis.model.engine.warehouse.trusted_key).
WAREHOUSE_KEY_ENV_VAR = "REPORT_WAREHOUSE_BUILD_KEY"


def is_table_url(location: str | os.PathLike) -> bool:
    """``duckdb:///shop.db#customers`` and any other ``scheme://`` (a drive letter is one letter, not a scheme)."""
    return isinstance(location, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", location) is not None


def data_path(explicit: str | os.PathLike | None = None) -> Path | str:
    """The customer table to analyse: an explicit path, else $CUSTOMER_DATA, else the default.

    A table URL (``duckdb:///shop.db#customers``, any Ibis URL) is returned as the string
    it is: the report then fits in the engine (:mod:`analysis.model.engine.warehouse`).
    """
    for location in (explicit, os.environ.get(DATA_ENV_VAR)):
        if location:
            if is_table_url(location):
                return location
            return Path(location).expanduser().resolve()
    return DEFAULT_DATA


def downloads_dir() -> Path:
    """Where this build's downloads go: $REPORT_DOWNLOADS_DIR, else the project's ``downloads/``."""
    from_env = os.environ.get(DOWNLOADS_ENV_VAR, "").strip()
    return Path(from_env).expanduser().resolve() if from_env else DOWNLOADS_DIR
