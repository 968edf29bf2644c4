"""The one call every chapter's hidden setup chunk makes: ``r = report.setup()``.

It fits (or reuses the cached fit for) the configured data and makes sure the downloads beside the site describe these exact results,
so a page and its downloads can never come from different data.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import config
from .cache import load_results
from .downloads import neutralise_text_columns, write_downloads
from .data import CONTRACT_RULES, DATA_DICTIONARY
from .formatting import integer
from .provenance import git_commit, package_versions
from .results import SE_HC3, ModelResults
from .targeting import Targeting, build_targeting

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
    from .atomic import atomic_output

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


@dataclass(frozen=True)
class Colophon:
    data_file: str
    data_sha256: str
    rows: int
    data_modified: str
    built: str
    git_commit: str
    code_version: str
    packages: dict[str, str]


def colophon(r: ModelResults) -> Colophon:
    return Colophon(
        data_file=r.data.path.name,
        data_sha256=r.data.sha256,
        rows=r.data.n_rows,
        data_modified=r.data.modified_utc,
        built=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        git_commit=git_commit(),
        code_version=r.code_version,
        packages=package_versions(),
    )


def colophon_markdown(r: ModelResults) -> str:
    """One provenance paragraph for every output: data snapshot, code version, date."""
    c = colophon(r)
    packages = ", ".join(f"{name} {version}" for name, version in c.packages.items())
    return (f"**Provenance.** Data `{c.data_file}` ({c.rows:,} customers; SHA-256 `{c.data_sha256[:16]}…`; "
            f"file dated {c.data_modified}). Built {c.built} from commit `{c.git_commit}` "
            f"(analysis code `{c.code_version}`) with {packages}.")


def data_source_sentence(r: ModelResults) -> str:
    d = r.data
    return (f"This build analyses `{d.path.name}`: {integer(d.n_rows)} customers, file dated "
            f"{d.modified_utc}, read as {d.encoding.upper()}.")


def validation_summary_markdown(r: ModelResults) -> str:
    """What was checked before fitting. A failing file never reaches this page: the build stops."""
    counts = ", ".join(f"{level} {integer(count)}" for level, count in r.segment_counts.items())
    rules = "\n".join(f"- {rule}" for rule in CONTRACT_RULES)
    return (f"The file passed every rule of the data contract before the model was fitted "
            f"({integer(r.data.n_rows)} customers; {counts}). A file that breaks any rule stops the "
            f"build with a message naming the column and rows, and the last good report stays "
            f"published. The rules:\n\n{rules}\n")


def data_dictionary_markdown() -> str:
    rows = "\n".join(f"| `{column}` | {kind} | {meaning} |" for column, (kind, meaning) in DATA_DICTIONARY.items())
    return "| column | type | meaning |\n|---|---|---|\n" + rows + "\n"


def se_type_label(r: ModelResults) -> str:
    return "HC3 standard errors" if r.se_type == SE_HC3 else "classical standard errors"


def data_line(r: ModelResults) -> str:
    """The executive brief's dateline: which data, how many customers, as of when."""
    return (f"Data: {r.data.path.name}, {integer(r.data.n_rows)} customers, as of {r.data.modified_utc}. "
            f"Model fitted {datetime.now(timezone.utc).strftime('%Y-%m-%d')}.")


def _typst_text(text: str) -> str:
    """Escape text for Typst markup, where these characters start code, math or markup."""
    for character in "\\#$*_@<>[]`~":
        text = text.replace(character, "\\" + character)
    return text


def typst_provenance_footer(r: ModelResults) -> str:
    """A raw Typst block that floats the provenance line to the foot of the brief's last page.

    ``place(float: true)`` rather than ``set page(footer: ...)``: a page set rule in the
    body would start a new page. Printed from an ``output: asis`` chunk, it is a Pandoc
    raw block, so Quarto's typst format and the builtin renderer treat it the same way.
    """
    c = colophon(r)
    line = _typst_text(f"Provenance: data {c.data_file}, {c.rows:,} customers, SHA-256 {c.data_sha256[:16]}, "
                       f"as of {c.data_modified}. Built {c.built} from commit {c.git_commit} "
                       f"(analysis code {c.code_version}).")
    return ("```{=typst}\n"
            "#place(bottom, float: true, clearance: 1.2em, block(width: 100%, stroke: (top: 0.4pt + luma(150)), "
            f"inset: (top: 0.6em), text(size: 7.5pt, fill: luma(90))[{line}]))\n"
            "```\n")
