"""Execute the documents that need it, up to ``jobs`` kernels at once, through the cache.

Each document runs in its own kernel with ``$RENDERER_INPUTS_FILE`` pointing at
a file of its own, where it records the optional inputs it read
(:mod:`renderer.dependencies`); the cache stores that record with the results.

A caller whose next build will see different optional inputs (the model this
build publishes becomes the next build's "previous model") can say so with
``speculate``: the documents that read those inputs are then executed once
more with the next values while this build converts its pages, so the next
build finds them in the cache. A failing speculative run only costs that
cache entry, never the build.
"""
from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .cache import ExecutionCache
from .dependencies import INPUTS_FILE_ENV_VAR, recorded_inputs
from .execute import execute_document
from .resources import changed_since, snapshot
from .warm_kernels import WarmKernels

# What a ``speculate`` callback returns: kernel variables to add, and the next optional fingerprints.
Speculation = tuple[dict, dict]


@dataclass
class Job:
    """One document to execute: where it is, its options and its cache key."""

    number: int
    rel: str
    document: object
    options: list
    figure: dict
    key: str


class Scheduler:
    """Runs :class:`Job` s for one build; see the module docstring."""

    def __init__(self, project, cache: ExecutionCache, kernel_env: dict, optional_inputs: dict, jobs: int,
                 progress: Callable[[str], None], total: int):
        self.project = project
        self.cache = cache
        self.kernel_env = kernel_env
        self.optional_inputs = optional_inputs
        self.jobs = max(1, jobs)
        self.progress = progress
        self.total = total
        self.recorded: dict = {}   # rel -> {optional input name: fingerprint it ran with}
        self.files: dict = {}      # rel -> generated files stored with its entry
        self._scratch = tempfile.TemporaryDirectory(prefix="renderer-inputs-")
        self.warm = WarmKernels(kernel_env, progress)  # started by the first job that needs a kernel

        self._speculative: list = []   # (pool, futures, next optional inputs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """Wait for speculative runs (they overlap the conversion), cache them, then clean up."""
        for pool, futures, next_inputs in self._speculative:
            for future, job in futures.items():
                try:
                    executed, names = future.result()
                except Exception as error:
                    self.progress(f"  WARNING {job.rel}: speculative execution failed, not cached: {error}")
                    continue
                optional = {name: next_inputs.get(name) for name in names}
                self.cache.store(job.key, executed, optional, self.project.resources_from, self.files.get(job.rel, []))
            pool.shutdown()
        self.warm.close()
        self._scratch.cleanup()
        return False

    def cached(self, job: Job):
        """The cached execution of ``job`` under this build's optional inputs, or None."""
        hit = self.cache.load(job.key, self.optional_inputs, self.project.resources_from)
        if hit is None:
            return None
        self.progress(f"[{job.number}/{self.total}] {job.rel}: unchanged, using cached results")
        self.recorded[job.rel] = hit.optional
        self.files[job.rel] = hit.files
        return hit.executed

    def _run(self, job: Job, env: dict, label: str):
        inputs_file = Path(self._scratch.name) / f"{job.number}-{label}.txt"
        inputs_file.unlink(missing_ok=True)
        started = time.perf_counter()
        executed = execute_document(job.document, job.rel, job.options,
                                    {**env, INPUTS_FILE_ENV_VAR: str(inputs_file)}, job.figure, self.progress,
                                    self.warm)
        self.progress(f"  {job.rel}: executed{' ' + label if label != 'build' else ''} "
                      f"in {time.perf_counter() - started:.1f}s")
        return executed, recorded_inputs(inputs_file)

    def start_kernels(self, pending: list[Job]) -> None:
        """Start the build's warm-kernel zygote now, so its imports overlap whatever runs before ``execute``."""
        if pending:
            self.warm.start(pending)

    def execute(self, pending: list[Job]) -> dict:
        """Run ``pending`` in parallel and store each in the cache; the first failure is re-raised."""
        executed_by_doc = {}
        before = snapshot(self.project.resources_from, self.project.resources)
        names_by_doc = {}
        self.start_kernels(pending)
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for job in pending:
                self.progress(f"[{job.number}/{self.total}] {job.rel}: executing "
                              f"{sum(1 for o in job.options if o['eval'])} chunk(s)")
            futures = {pool.submit(self._run, job, self.kernel_env, "build"): job for job in pending}
            try:
                for future in as_completed(futures):
                    job = futures[future]
                    executed_by_doc[job.rel], names_by_doc[job.rel] = future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        # Resource files written by documents are attributed by comparing snapshots; each entry
        # keeps every file this build generated, so restoring any one brings back a whole downloads/.
        generated = changed_since(self.project.resources_from, self.project.resources, before)
        for job in pending:
            optional = {name: self.optional_inputs.get(name) for name in names_by_doc[job.rel]}
            self.recorded[job.rel] = optional
            self.files[job.rel] = generated
            self.cache.store(job.key, executed_by_doc[job.rel], optional, self.project.resources_from, generated)
        return executed_by_doc

    def speculate(self, jobs: list[Job], speculate: Callable[[], Speculation] | None) -> None:
        """Start re-running, with the next optional inputs, the documents that read ones that will change.

        The runs overlap the page conversion; leaving the ``with`` block waits for them.
        """
        if speculate is None or self.cache.root is None:
            return
        try:
            extra_env, next_inputs = speculate()
        except Exception as error:  # a broken hook must not break the build it only tries to speed up
            self.progress(f"  WARNING speculative execution skipped: {error}")
            return
        chosen = []
        for job in jobs:
            recorded = self.recorded.get(job.rel, {})
            if not recorded or all(next_inputs.get(name) == value for name, value in recorded.items()):
                continue
            if self.cache.find(job.key, next_inputs) is None:
                chosen.append(job)
        if not chosen:
            return
        env = {k: v for k, v in {**self.kernel_env, **extra_env}.items() if v is not None}
        self.warm.start(chosen)
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        futures = {pool.submit(self._run, job, env, "for the next build"): job for job in chosen}
        self._speculative.append((pool, futures, next_inputs))
