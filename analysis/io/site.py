"""``python -m analysis render``: validate the data, then build the site and the executive PDF.

Thin glue between the CLI and a renderer: Quarto when asked for (or, with
``auto``, when it is on PATH), else the project's own Quarto-free ``renderer``.
Either way the site is built in a staging folder and swapped in only on
success, so a failed refresh leaves the last good site untouched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..data import file_sha256
from ..errors import AnalysisError
from .previous_model import (PREVIOUS_MODEL_ENV_VAR, PREVIOUS_MODEL_INPUT, ModelContractError,
                             read_previous_model)

# Benchmarks and tests point the execution cache elsewhere so a cold build is really cold.
RENDER_CACHE_ENV_VAR = "REPORT_RENDER_CACHE"
ENGINES = ("auto", "quarto", "builtin")
# The site folder holding the downloads (_quarto.yml `resources: downloads/`).
DOWNLOADS_FOLDER = "downloads"


class ReportBuildError(AnalysisError):
    """The report could not be built: a chapter failed, or the renderer is unavailable."""


@contextmanager
def _previous_model(previous: Path | None, out_dir: Path):
    """The last published ``model.json`` as a stable file path (or None), for 'what changed'.

    The published copy lives inside the folder about to be replaced, so it is
    copied aside for the duration of the build.
    """
    if previous is not None:
        previous = Path(previous).expanduser().resolve()
        if not previous.is_file():
            raise ReportBuildError(f"--previous {previous}: no such file; pass the model.json of an earlier build")
        problem = read_previous_model(previous).problem
        if problem:  # refused before any work: a file the user named must be what they meant
            raise ModelContractError(f"--previous {previous}: not a model.json of this report ({problem})")
        yield previous
        return
    published = out_dir / DOWNLOADS_FOLDER / "model.json"
    if not published.is_file():
        yield None
        return
    from renderer import scratch_folder

    with scratch_folder("previous-model") as folder:
        copy = folder / "model.json"
        shutil.copyfile(published, copy)
        yield copy


def render_cache_dir() -> Path:
    """Where executed chapters are cached: ``$REPORT_RENDER_CACHE``, else ``.cache/render``."""
    override = os.environ.get(RENDER_CACHE_ENV_VAR)
    return Path(override).expanduser().resolve() if override else config.CACHE_DIR / "render"


def _order_log_fingerprint() -> str:
    """The order-log chapters' inputs: a refreshed log (the default one too) must re-execute them.

    Computed without importing :mod:`analysis.orders`, whose package pulls in Ibis
    (about 1.5 s of an otherwise cached rebuild).
    """
    location = os.environ.get(config.ORDER_LOG_ENV, "").strip()
    if location and "://" not in location:
        path = Path(location).expanduser()
        path = path if path.is_absolute() else config.ROOT / path
    else:
        path = None if location else config.DEFAULT_ORDER_LOG
    content = file_sha256(path) if path is not None and path.is_file() else (location or "no-order-log")
    labels = file_sha256(config.DEFAULT_CRM_LABELS) if not location and config.DEFAULT_CRM_LABELS.is_file() else ""
    return "|".join([content, labels, os.environ.get(config.ORDER_LOG_AS_OF_ENV, ""),
                     os.environ.get(config.ORDER_LOG_COLUMNS_ENV, ""),
                     os.environ.get("FUTURES_EXCLUDE_ANOMALIES", "")])  # analysis.futures.environment


def _next_previous_model(spare: Path, downloads: Path) -> tuple[dict, dict]:
    """What the next build will compare against: the model.json this build is publishing.

    The renderer re-runs the pages that read the previous model with it while
    this build converts, so the next unchanged build is served from the cache.
    """
    published = downloads / "model.json"
    if not published.is_file():
        return {}, {PREVIOUS_MODEL_INPUT: None}
    copy = spare / "model.json"
    shutil.copyfile(published, copy)
    return {PREVIOUS_MODEL_ENV_VAR: str(copy)}, {PREVIOUS_MODEL_INPUT: file_sha256(copy)}


def choose_engine(engine: str) -> str:
    """``quarto`` or ``builtin``; ``auto`` picks Quarto only when it is installed."""
    if engine not in ENGINES:
        raise ReportBuildError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "quarto" if shutil.which("quarto") else "builtin"
    if engine == "quarto" and not shutil.which("quarto"):
        raise ReportBuildError("--engine quarto: 'quarto' is not on PATH; install Quarto or use --engine builtin")
    return engine


def _kernel_env(data_path: Path | str, previous: Path | None, downloads: Path,
                warehouse_key: str | None = None) -> dict:
    """Environment for the chapters: which data, which previous model, where the downloads go,
    where ``analysis`` is, and a table URL's content key (computed here, so that no chapter
    scans the table again; unset for a file, so an inherited one never reaches a chapter)."""
    python_path = os.pathsep.join(p for p in (str(config.ROOT), os.environ.get("PYTHONPATH")) if p)
    token = None
    if warehouse_key is not None:
        from ..model.engine.warehouse import build_token

        token = build_token(str(data_path), warehouse_key)
    return {
        config.DATA_ENV_VAR: str(data_path),
        config.WAREHOUSE_KEY_ENV_VAR: token,  # None unsets
        PREVIOUS_MODEL_ENV_VAR: str(previous) if previous is not None else None,  # None unsets
        config.DOWNLOADS_ENV_VAR: str(downloads),
        "PYTHONPATH": python_path,
    }


def _replace_downloads(staging: Path, downloads: Path) -> None:
    """Publish this build's own downloads, whatever Quarto copied from the project's ``downloads/``.

    Only ``staging/downloads`` itself goes: a symlink or a file of that name is unlinked,
    never followed, and a folder is removed by ``shutil.rmtree``, which unlinks the links
    inside it without following them. So nothing outside the staging folder is touched.
    """
    target = staging / DOWNLOADS_FOLDER
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    shutil.copytree(downloads, target)


def _render_with_quarto(out_dir: Path, env: dict, downloads: Path) -> None:
    from renderer import staged_output

    full_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    with staged_output(out_dir, protect=(config.ROOT,)) as staging:
        completed = subprocess.run(["quarto", "render", str(config.ROOT), "--output-dir", str(staging)],
                                   cwd=config.ROOT, env=full_env)
        if completed.returncode != 0:
            raise ReportBuildError(f"quarto render failed (exit status {completed.returncode}); "
                                   f"the previous site in {out_dir} is unchanged")
        _replace_downloads(staging, downloads)


@dataclass(frozen=True)
class _WarehouseTable:
    """What the build needs of a table URL: its public name, content key and summary line."""

    path: str       # the URL without credentials
    sha256: str     # the engine content fingerprint
    line: str

    def summary_line(self) -> str:
        return self.line


def _warehouse_table(url: str) -> _WarehouseTable:
    """Fit the table in the engine once (the chapters then read the cache); bad data stops here."""
    from ..data.public_url import public_url
    from ..errors import AnalysisError
    from ..model.cache import load_warehouse

    shown = public_url(url)
    try:
        results = load_warehouse(url, trust_build_key=False).results
    except AnalysisError:
        raise
    except Exception as error:  # the engine's own failure (missing table, memory): say which, never the password
        first = (str(error).strip().splitlines() or [type(error).__name__])[0].replace(url, shown)
        raise AnalysisError(f"{shown}: the engine could not build the report ({first})") from error
    sizes = ", ".join(f"{level} {count:,}" for level, count in results.segment_counts.items())
    return _WarehouseTable(shown, results.data.sha256,
                           f"{shown}: fitted in the engine, {results.n:,} customers ({sizes}); "
                           f"evidence sample {results.sample_size:,}; fingerprint {results.data.sha256[:12]}")


def render_report(data: Path | None = None, out: Path | None = None, engine: str = "auto",
                  previous: Path | None = None) -> int:
    """Validate the customer table, then render the website and executive PDF.

    Parameters
    ----------
    data : Path, optional
        Customer table; default ``$CUSTOMER_DATA``, else ``data/customers.csv``.
    out : Path, optional
        Output folder; default ``_site``.
    engine : {"auto", "quarto", "builtin"}
    previous : Path, optional
        ``model.json`` of the last published build; default: the one in ``out``.

    Returns
    -------
    int
        0 on success (the CLI's exit status).

    Raises
    ------
    DataValidationError
        The data break the contract; nothing is rendered.
    ReportBuildError
        A chapter failed (the message names the document, the chunk and the
        traceback) or the engine is unavailable. The previous site is unchanged.
    """
    from ..data import load_customers
    from .provenance import code_version, data_date

    data_path = config.data_path(data)
    if isinstance(data_path, str):  # a table URL: fitted in the engine first (and cached for the chapters)
        table = _warehouse_table(data_path)
    else:
        table = load_customers(data_path)  # validation first: invalid data stops before any rendering
    print(table.summary_line(), file=sys.stderr, flush=True)
    out_dir = Path(out).expanduser().resolve() if out is not None else config.SITE_DIR
    chosen = choose_engine(engine)
    from renderer import RenderError, check_output_folder

    try:  # before any work: a folder that is not a site of ours is never replaced
        check_output_folder(out_dir, protect=(config.ROOT,))
    except RenderError as error:
        raise ReportBuildError(str(error)) from None
    from renderer import scratch_folder

    # This build's own folder for what its chapters generate (the downloads): two builds at
    # once never see, nor publish, each other's files.
    with _previous_model(previous, out_dir) as previous_path, scratch_folder("build-resources") as own:
        downloads = own / DOWNLOADS_FOLDER
        downloads.mkdir()
        is_url = isinstance(data_path, str)
        env = _kernel_env(data_path if is_url else table.path, previous_path, downloads,
                          warehouse_key=table.sha256 if is_url else None)
        # The results every page reads, computed once before the pages run (a warehouse
        # table was fitted in the engine above; its order-log side is still computed here).
        from renderer import print_progress

        from .precompute import precomputing
        customers = None if is_url else table
        if chosen == "quarto":
            with precomputing(customers, env, print_progress) as prepare:
                prepare()
                try:
                    _render_with_quarto(out_dir, env, downloads)
                except RenderError as error:
                    raise ReportBuildError(str(error)) from None
            return 0
        from renderer import render_project

        # Every page depends on the code, the data (its content, and its name and date,
        # which the colophon prints) and the order log; only the pages that record reading
        # it (renderer.dependencies.record_input) depend on the previous model.
        inputs = {"code": code_version(), "data": table.sha256,
                  "data-file": (f"{table.path}|{data_date(table.path)}" if not isinstance(data_path, str)
                                else table.path), "order-log": _order_log_fingerprint()}
        optional = {PREVIOUS_MODEL_INPUT: file_sha256(previous_path) if previous_path is not None else None}

        with scratch_folder("next-previous-model") as spare, precomputing(customers, env, print_progress) as prepare:
            try:
                render_project(config.ROOT, out_dir, env=env, inputs=inputs, optional_inputs=optional,
                               speculate=lambda: _next_previous_model(spare, downloads),
                               cache_dir=render_cache_dir(), resource_root=own, prepare=prepare)
            except RenderError as error:
                raise ReportBuildError(f"report not built; the previous site in {out_dir} is unchanged.\n"
                                       f"{error}") from None
    return 0
