"""The one call every chapter's hidden setup chunk makes: ``r = report.setup()``.

It fits (or reuses the cached fit for) the configured data and makes sure the downloads beside the site describe these exact results,
so a page and its downloads can never come from different data.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import config
from ..model.cache import load_results
from ..io.downloads import neutralise_text_columns, write_downloads
from ..model.results import ModelResults
from ..model.targeting import Targeting, build_targeting

DOWNLOADS_DIR = config.ROOT / "downloads"


def _downloads_current(r: ModelResults, folder: Path) -> bool:
    model_json = folder / "model.json"
    try:
        published = json.loads(model_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (published.get("data_sha256") == r.data.sha256
            and published.get("code_version") == r.code_version
            and published.get("reference") == r.reference)


def write_target_lists(targeting: Targeting, folder: Path) -> dict[str, Path]:
    """One CSV per campaign list, safe to open in a spreadsheet."""
    from ..io.atomic import atomic_output

    written = {}
    for target in targeting.lists:
        path = folder / f"{target.key}_list.csv"
        with atomic_output(path) as temporary:
            neutralise_text_columns(target.members).to_csv(temporary, index=False, float_format="%.2f")
        written[target.key] = path
    return written


def setup(data: str | Path | None = None, downloads: Path = DOWNLOADS_DIR) -> ModelResults:
    """Results for the configured data, with downloads in place for exactly these results."""
    pd.set_option("display.width", 120)
    r = load_results(data)
    if not _downloads_current(r, downloads):
        write_target_lists(build_targeting(r), downloads)
        write_downloads(r, downloads)  # model.json last: it marks the set as complete
    return r
