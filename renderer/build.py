"""Render a Quarto website project without Quarto: execute, convert, publish.

For each document listed by the project: run its chunks (or take them from
the cache), weave the results into Pandoc markdown, number cross-references,
then write an HTML page and/or a PDF. Everything is written to a staging
folder that replaces the output folder only when every document succeeded.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from . import __version__
from .cache import ExecutionCache, cache_key
from .config import Project, load_project
from .crossref import apply_crossrefs
from .execute import execute_document
from .html import copy_assets, render_page
from .options import chunk_options, document_formats
from .pandoc import markdown_to_ast
from .publish import staged_output
from .qmd import Document, parse_qmd
from .resources import changed_since, copy_resources, snapshot
from .site_map import OUTPUT_SUFFIX, Page, SiteMap
from .typst import render_pdf
from .typst_table import html_tables_to_blocks
from .weave import weave


def print_progress(line: str) -> None:
    """Default progress sink: one line per document and chunk on stderr."""
    print(line, file=sys.stderr, flush=True)


@dataclass
class BuildResult:
    """What a build produced.

    Attributes
    ----------
    out_dir : Path
        The published site.
    outputs : list of str
        Site-relative paths of every page and PDF written.
    executed, cached : list of str
        Documents whose chunks ran, and those taken from the cache.
    warnings : list of str
        Unresolved cross-references and similar, prefixed by the document.
    """

    out_dir: Path
    outputs: list = field(default_factory=list)
    executed: list = field(default_factory=list)
    cached: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


@dataclass
class _Source:
    rel: str
    document: Document
    formats: dict
    text: str


def _load_sources(project: Project) -> list[_Source]:
    sources = []
    for rel in project.documents():
        path = project.root / rel
        text = path.read_text(encoding="utf-8")
        document = parse_qmd(path, text)
        sources.append(_Source(rel.as_posix(), document, document_formats(project, document), text))
    return sources


def _site_map(project: Project, sources: list[_Source]) -> SiteMap:
    pages = []
    for source in sources:
        stem = PurePosixPath(source.rel).with_suffix("")
        outputs = {name: f"{stem}{OUTPUT_SUFFIX[name]}" for name in source.formats}
        title = source.document.title or PurePosixPath(source.rel).stem
        pages.append(Page(source=source.rel, title=title, outputs=outputs))
    return SiteMap(project, pages)


def _copy_local_images(ast: dict, doc_dir: Path, project_dir: Path, target_doc_dir: Path) -> None:
    """Copy images the author referenced (``![](img/x.png)``) next to the output, as Quarto does."""
    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Image":
                url = node["c"][2][0]
                if "://" not in url and not url.startswith(("data:", "/")):
                    src = (doc_dir / url).resolve()
                    dst = target_doc_dir / url
                    if src.is_file() and project_dir in src.parents and not dst.exists():
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(src, dst)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(ast["blocks"])


def render_project(project_dir: Path, out_dir: Path | None = None, *, env: dict | None = None,
                   fingerprint: str = "", cache_dir: Path | None = None, jobs: int | None = None,
                   progress: Callable[[str], None] = print_progress) -> BuildResult:
    """Render every document of a Quarto website project into ``out_dir``, atomically.

    Parameters
    ----------
    project_dir : Path
        Folder holding ``_quarto.yml``.
    out_dir : Path, optional
        Where the site is published; default ``project.output-dir`` (``_site``).
    env : dict, optional
        Variables added to this process's environment for the kernels; a
        value of None removes that variable.
    fingerprint : str
        Anything else the documents' results depend on (code version, data
        hash). Part of the cache key.
    cache_dir : Path, optional
        Execution cache folder; None disables caching.
    jobs : int, optional
        Documents executed at once (one kernel each); default: the number of CPUs, at most 4.
    progress : callable
        Receives progress lines.

    Returns
    -------
    BuildResult

    Raises
    ------
    RenderError
        Configuration problems, a failing chunk (``ChunkError``), Pandoc or
        Typst failures. The output folder is then left untouched.
    """
    started = time.perf_counter()
    project = load_project(Path(project_dir))
    out_dir = Path(out_dir) if out_dir is not None else project.root / project.output_dir
    # A value of None removes the variable, so a stale one from the shell cannot leak in.
    kernel_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    sources = _load_sources(project)
    site = _site_map(project, sources)
    cache = ExecutionCache(cache_dir)
    jobs = jobs if jobs is not None else min(4, os.cpu_count() or 1)
    config_text = (project.root / "_quarto.yml").read_text(encoding="utf-8")
    result = BuildResult(out_dir=Path(out_dir).resolve())

    with staged_output(out_dir) as staging, tempfile.TemporaryDirectory(prefix="renderer-typst-") as scratch:
        scratch = Path(scratch)
        executed_by_doc, options_by_doc = _execute_all(project, sources, cache, config_text, fingerprint,
                                                       kernel_env, jobs, progress, result)
        # Conversion is Pandoc and Typst work outside Python, so documents convert in parallel too.
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            converted = list(pool.map(
                lambda source: _convert(source, project, site, executed_by_doc[source.rel],
                                        options_by_doc[source.rel], staging, scratch, progress),
                sources))
        for outputs, warnings in converted:  # document order, whatever order they finished in
            result.outputs.extend(outputs)
            result.warnings.extend(warnings)
        copy_assets(staging)
        for css in _extra_css(sources):
            if (project.root / css).is_file():
                (staging / css).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(project.root / css, staging / css)
        copied = copy_resources(project.root, project.resources, staging)
        for pattern in project.resources:
            if not pattern.startswith("!") and not any(True for _ in project.root.glob(pattern.rstrip("/"))):
                progress(f"  WARNING resources: {pattern!r} matches no file")
                result.warnings.append(f"_quarto.yml: resource {pattern!r} matches no file")
        if copied:
            progress(f"  copied {len(copied)} resource file(s)")
    progress(f"site published to {result.out_dir} in {time.perf_counter() - started:.1f}s")
    return result


def _convert(source: _Source, project: Project, site: SiteMap, executed, options: list, staging: Path,
             scratch: Path, progress: Callable[[str], None]) -> tuple[list, list]:
    """Write one document's page and/or PDF; returns (outputs written, warnings)."""
    started = time.perf_counter()
    page = site.pages[source.rel]
    doc_dir = PurePosixPath(source.rel).parent
    stem = PurePosixPath(source.rel).stem
    outputs, all_warnings = [], []
    for name, format_opts in source.formats.items():
        number_sections = bool(format_opts.get("number-sections", False))
        if name == "html":
            woven = weave(source.document, executed, options, "html",
                          staging / doc_dir / f"{stem}_files" / "figure-html", f"{stem}_files/figure-html")
            ast = markdown_to_ast(woven.markdown, source.rel)
            warnings = apply_crossrefs(ast, number_sections, lambda target: site.rewrite_body_link(target, source.rel))
            _copy_local_images(ast, project.root / doc_dir, project.root, staging / doc_dir)
            render_page(site, page, ast, format_opts, staging / page.outputs["html"], source.document.front_matter)
        else:
            woven = weave(source.document, executed, options, "typst",
                          scratch / doc_dir / f"{stem}_files" / "figure-typst", f"{stem}_files/figure-typst")
            ast = markdown_to_ast(woven.markdown, source.rel)
            tables = html_tables_to_blocks(woven.html_tables, source.rel)
            warnings = apply_crossrefs(ast, number_sections, None, tables)
            _copy_local_images(ast, project.root / doc_dir, project.root, scratch / doc_dir)
            render_pdf(ast, format_opts, source.document.front_matter, scratch / doc_dir / f"{stem}.typ",
                       staging / page.outputs["typst"], scratch, source.rel)
        for warning in warnings:
            progress(f"  WARNING {source.rel}: {warning}")
            all_warnings.append(f"{source.rel}: {warning}")
        outputs.append(page.outputs[name])
    progress(f"  wrote {', '.join(outputs)} ({time.perf_counter() - started:.1f}s)")
    return outputs, all_warnings


def _execute_all(project, sources, cache, config_text, fingerprint, kernel_env, jobs, progress, result):
    """Run (or fetch from the cache) every document; up to ``jobs`` kernels at once.

    Documents are independent, each in its own kernel, so they run in parallel
    threads; the first failure cancels what has not started and is re-raised.
    """
    executed_by_doc, options_by_doc = {}, {}
    pending = []
    for number, source in enumerate(sources, 1):
        first_options = next(iter(source.formats.values()))
        options = [chunk_options(project, source.document, first_options, chunk)
                   for chunk in source.document.chunks]
        options_by_doc[source.rel] = options
        key = cache_key(__version__, source.rel, source.text, config_text, fingerprint,
                        json.dumps(source.formats, sort_keys=True, default=str))
        cached = cache.load(key, project.root)
        if cached is not None:
            progress(f"[{number}/{len(sources)}] {source.rel}: unchanged, using cached results")
            result.cached.append(source.rel)
            executed_by_doc[source.rel] = cached
        else:
            pending.append((number, source, options, first_options, key))

    def run(number, source, options, first_options, key):
        progress(f"[{number}/{len(sources)}] {source.rel}: executing "
                 f"{sum(1 for o in options if o['eval'])} chunk(s)")
        started = time.perf_counter()
        executed = execute_document(source.document, source.rel, options, kernel_env, first_options, progress)
        progress(f"  {source.rel}: executed in {time.perf_counter() - started:.1f}s")
        return executed

    # Resource files written by documents are attributed to the cache entry by
    # comparing snapshots, which needs documents that write resources to run alone.
    before = snapshot(project.root, project.resources)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run, *item): item for item in pending}
        try:
            for future in as_completed(futures):
                number, source, _options, _first, key = futures[future]
                executed_by_doc[source.rel] = future.result()
                result.executed.append(source.rel)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    generated = changed_since(project.root, project.resources, before)
    for _number, source, _options, _first, key in pending:
        # Each entry keeps every file this build generated: restoring any one
        # cached document then brings back a consistent downloads/ folder.
        cache.store(key, executed_by_doc[source.rel], project.root, generated)
    return executed_by_doc, options_by_doc


def _extra_css(sources: list[_Source]) -> set:
    found = set()
    for source in sources:
        css = source.formats.get("html", {}).get("css")
        for item in ([css] if isinstance(css, str) else css or []):
            found.add(item)
    return found
