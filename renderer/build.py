"""Render a Quarto website project without Quarto: execute, convert, publish.

For each document listed by the project: run its chunks (or take them from
the cache), weave the results into Pandoc markdown, number cross-references,
then write an HTML page and/or a PDF. Everything is written to a staging
folder that replaces the output folder only when every document succeeded.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from . import __version__, conversion_cache
from .cache import ExecutionCache, cache_key
from .callouts import apply_callouts
from .config import Project, load_project
from .crossref import apply_crossrefs
from .html import copy_assets, render_page, search_enabled
from .options import chunk_options, document_formats
from .pandoc import markdown_to_ast
from .publish import scratch_folder, staged_output
from .qmd import Document, parse_qmd
from .resources import copy_resources
from .search import write_search_index
from .site_libs import copy_site_libs
from .schedule import Job, Scheduler, Speculation
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
                   fingerprint: str = "", inputs: dict | None = None, optional_inputs: dict | None = None,
                   speculate: Callable[[], Speculation] | None = None, cache_dir: Path | None = None,
                   jobs: int | None = None, resource_root: Path | None = None,
                   prepare: Callable[[list[str]], None] | None = None,
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
        Anything else every document's results depend on; the same as one more
        entry of ``inputs``.
    inputs : dict, optional
        Required inputs, name to fingerprint (the analysis code, the data):
        part of every document's cache key.
    optional_inputs : dict, optional
        Inputs only some documents read, name to fingerprint (None when absent).
        A document depends on one only if its code called
        :func:`renderer.dependencies.record_input` with that name while it ran.
    speculate : callable, optional
        Called after execution; returns (kernel variables, optional inputs) as
        the next build will see them. Documents whose recorded optional inputs
        will change are executed again with those while pages convert, so the
        next build is served from the cache (see :mod:`renderer.schedule`).
    cache_dir : Path, optional
        Execution cache folder; None disables caching.
    resource_root : Path, optional
        Folder the ``project: resources:`` patterns are read from, and where documents
        write the files they generate (the kernels are told through ``env``); default the
        project folder. A build of its own keeps concurrent builds apart.
    jobs : int, optional
        Documents executed at once (one kernel each); default: the number of CPUs, at most 4.
    prepare : callable, optional
        Called with the project-relative paths of the documents about to execute, before
        their kernels start; never called when every document comes from the cache. A
        project computes there, once, what its documents all read (as a Quarto pre-render
        script would).
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
    if resource_root is not None:
        project = dataclasses.replace(project, resource_root=Path(resource_root))
    out_dir = Path(out_dir) if out_dir is not None else project.root / project.output_dir
    # A value of None removes the variable, so a stale one from the shell cannot leak in.
    kernel_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    sources = _load_sources(project)
    site = _site_map(project, sources)
    cache = ExecutionCache(cache_dir)
    jobs = jobs if jobs is not None else min(4, os.cpu_count() or 1)
    config_text = (project.root / "_quarto.yml").read_text(encoding="utf-8")
    result = BuildResult(out_dir=Path(out_dir).resolve())

    with staged_output(out_dir, protect=(project.root,)) as staging, scratch_folder("renderer-typst") as scratch:
        _copy_search_libs(site, staging)  # first, so a missing `npm ci` fails before minutes of execution
        jobs_list, options_by_doc = _jobs(project, sources, config_text, {**(inputs or {}), "": fingerprint})
        scheduler = Scheduler(project, cache, kernel_env, optional_inputs or {}, jobs, progress, len(sources))
        with scheduler, conversion_cache.active(Path(cache_dir) / "conversions" if cache_dir is not None else None):
            executed_by_doc = {job.rel: scheduler.cached(job) for job in jobs_list}
            pending = [job for job in jobs_list if executed_by_doc[job.rel] is None]
            if pending and prepare is not None:
                scheduler.start_kernels(pending)  # the zygote's imports overlap the project's preparation
                prepare([job.rel for job in pending])
            executed_by_doc.update(scheduler.execute(pending))
            result.cached.extend(job.rel for job in jobs_list if job not in pending)
            result.executed.extend(job.rel for job in pending)
            scheduler.speculate(jobs_list, speculate)
            _publish(sources, project, site, executed_by_doc, options_by_doc, staging, scratch, jobs, progress, result)
    progress(f"site published to {result.out_dir} in {time.perf_counter() - started:.1f}s")
    return result


def _publish(sources, project, site, executed_by_doc, options_by_doc, staging, scratch, jobs, progress, result):
    """Convert every document into ``staging`` and copy the site's assets and resources there."""
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
    _write_search(site, staging)
    for css in _extra_css(sources):
        if (project.root / css).is_file():
            (staging / css).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(project.root / css, staging / css)
    copied = copy_resources(project.resources_from, project.resources, staging)
    for pattern in project.resources:
        if not pattern.startswith("!") and not any(True for _ in project.resources_from.glob(pattern.rstrip("/"))):
            progress(f"  WARNING resources: {pattern!r} matches no file")
            result.warnings.append(f"_quarto.yml: resource {pattern!r} matches no file")
    if copied:
        progress(f"  copied {len(copied)} resource file(s)")


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
            ast = apply_callouts(markdown_to_ast(woven.markdown, source.rel), "html")
            warnings = apply_crossrefs(ast, number_sections, lambda target: site.rewrite_body_link(target, source.rel))
            _copy_local_images(ast, project.root / doc_dir, project.root, staging / doc_dir)
            render_page(site, page, ast, format_opts, staging / page.outputs["html"], source.document.front_matter)
        else:
            woven = weave(source.document, executed, options, "typst",
                          scratch / doc_dir / f"{stem}_files" / "figure-typst", f"{stem}_files/figure-typst")
            ast = apply_callouts(markdown_to_ast(woven.markdown, source.rel), "typst")
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


def _jobs(project, sources, config_text, inputs) -> tuple[list, dict]:
    """One :class:`Job` per document (its key: source, config, formats and required inputs)."""
    jobs, options_by_doc = [], {}
    required = json.dumps(inputs, sort_keys=True)
    for number, source in enumerate(sources, 1):
        first_options = next(iter(source.formats.values()))
        options = [chunk_options(project, source.document, first_options, chunk)
                   for chunk in source.document.chunks]
        options_by_doc[source.rel] = options
        key = cache_key(__version__, source.rel, source.text, config_text, required,
                        json.dumps(source.formats, sort_keys=True, default=str))
        jobs.append(Job(number, source.rel, source.document, options, first_options, key))
    return jobs, options_by_doc


def _extra_css(sources: list[_Source]) -> set:
    found = set()
    for source in sources:
        css = source.formats.get("html", {}).get("css")
        for item in ([css] if isinstance(css, str) else css or []):
            found.add(item)
    return found


def _copy_search_libs(site: SiteMap, staging: Path) -> None:
    if search_enabled(site):
        copy_site_libs(staging)


def _write_search(site: SiteMap, staging: Path) -> None:
    """``search.json`` from the pages just written, as Quarto indexes its output."""
    if search_enabled(site):
        write_search_index(staging, site)
