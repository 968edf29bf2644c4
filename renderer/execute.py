"""Run a document's Python chunks in one Jupyter kernel, as Quarto's Jupyter engine does.

The kernel starts in the document's folder. Each chunk becomes a notebook cell
executed by nbclient; inline `` `{python} expr` `` values are computed where they
appear, so they see the state left by the chunks above them.
"""
from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# nbformat and nbclient are imported where a kernel starts: a fully cached build never
# starts one, and importing them costs it about 0.9 s.

from .errors import ChunkError
from .images import compress_outputs
from .kernel_setup import KERNEL_SETUP, figure_call, figure_settings
from .qmd import Chunk, Document, Markdown

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_INLINE_SENTINEL = "\x1equarto-inline\x1e"

def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass(frozen=True)
class ExecutedDocument:
    """What running a document produced: outputs per chunk (nbformat dicts) and inline values.

    ``outputs[i]`` belongs to the i-th chunk of the document (empty when it was
    not evaluated); ``inline[j]`` holds the values for the j-th markdown part.
    """

    outputs: list
    inline: list

    def to_json(self) -> str:
        return json.dumps({"outputs": self.outputs, "inline": self.inline})

    @classmethod
    def from_json(cls, text: str) -> "ExecutedDocument":
        data = json.loads(text)
        return cls(outputs=data["outputs"], inline=data["inline"])


class _Kernel:
    """One kernel for one document; ``run`` executes a cell and returns its outputs."""

    def __init__(self, cwd: Path, env: dict, socket_dir: Path, warm=None, display_name: str = ""):
        import nbformat
        from nbclient import NotebookClient

        self.notebook = nbformat.v4.new_notebook(metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        # "immediate": the kernel has nothing left to flush, and a graceful stop costs ~0.7 s per document.
        self.client = NotebookClient(self.notebook, kernel_name="python3", timeout=None,
                                     shutdown_kernel="immediate", resources={"metadata": {"path": str(cwd)}})
        self.env = env
        # Local IPC sockets: nothing listens on TCP, and the kernel does not warn about it.
        self.client.km = self.client.create_kernel_manager()
        self.client.km.transport = "ipc"
        self.client.km.ip = str(socket_dir / "kernel")
        self.warm, self.display_name = warm, display_name
        specs = warm.spec_manager() if warm is not None else None
        if specs is not None:  # the kernel is forked from the build's zygote (renderer.warm_kernels)
            self.client.km.kernel_spec_manager = specs

    def __enter__(self):
        self._context = self.client.setup_kernel(env=self.env)
        self._context.__enter__()
        if self.warm is not None:
            self.warm.warn_fallback(self.display_name, self.client.km.connection_file)
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def run(self, code: str, allow_error: bool = False) -> list:
        import nbformat

        cell = nbformat.v4.new_code_cell(code)
        if allow_error:
            cell.metadata["tags"] = ["raises-exception"]
        self.notebook.cells.append(cell)
        self.client.execute_cell(cell, len(self.notebook.cells) - 1)
        return [dict(output) for output in cell.outputs]


def _traceback(error: CellExecutionError) -> str:
    lines = getattr(error, "traceback", None) or str(error)
    return strip_ansi(lines if isinstance(lines, str) else "\n".join(lines)).strip()


def execute_document(document: Document, display_name: str, chunk_options: list[dict],
                     env: dict, figure: dict, progress: Callable[[str], None], warm=None) -> ExecutedDocument:
    """Execute every evaluated chunk and inline expression of ``document``.

    Parameters
    ----------
    document : Document
    display_name : str
        How errors and progress name the document (its project-relative path).
    chunk_options : list of dict
        Resolved options, one per chunk, in order.
    env : dict
        The kernel's complete environment.
    figure : dict
        The document's ``fig-width``, ``fig-height`` (inches), ``fig-dpi`` and
        ``fig-format``; a chunk whose own options differ gets its settings for
        that chunk only.
    progress : callable
        Receives one line per chunk.
    warm : renderer.warm_kernels.WarmKernels, optional
        The build's zygote: the kernel is forked from it (else started normally).

    Raises
    ------
    ChunkError
        A chunk (without ``error: true``) or an inline expression raised.
    """
    chunks = document.chunks
    outputs: list = [[] for _ in chunks]
    inline: list = []
    if not chunks and not any(isinstance(p, Markdown) and p.inline_expressions() for p in document.parts):
        return ExecutedDocument(outputs=[], inline=[[] for _ in document.parts])  # no kernel needed
    with tempfile.TemporaryDirectory(prefix="renderer-kernel-") as sockets, \
            _Kernel(document.path.parent, env, Path(sockets), warm, display_name) as kernel:
        kernel.run(KERNEL_SETUP)
        kernel.run(figure_call(figure))
        chunk_index = 0
        for part in document.parts:
            if isinstance(part, Markdown):
                inline.append(_inline_values(kernel, part, display_name))
                continue
            options = chunk_options[chunk_index]
            if options["eval"]:
                own_figure = figure_settings(options) != figure_settings(figure)
                if own_figure:
                    kernel.run(figure_call(options))
                outputs[chunk_index] = _run_chunk(kernel, part, options, display_name, progress,
                                                  chunk_index + 1, len(chunks))
                if own_figure:
                    kernel.run(figure_call(figure))
            chunk_index += 1
    return ExecutedDocument(outputs=outputs, inline=inline)


def _run_chunk(kernel: _Kernel, chunk: Chunk, options: dict, display_name: str,
               progress: Callable[[str], None], number: int, total: int) -> list:
    from nbclient.exceptions import CellExecutionError

    started = time.perf_counter()
    if not options["warning"]:
        # Quarto silences warnings for the chunk only; restore the filters after.
        kernel.run("_qr_warn_ctx = _qr_warnings.catch_warnings(); _qr_warn_ctx.__enter__(); "
                   "_qr_warnings.simplefilter('ignore')")
    try:
        # PNGs are compressed here, once, so cached results (and every rebuild) reuse them.
        result = compress_outputs(kernel.run(chunk.code, allow_error=bool(options["error"])))
    except CellExecutionError as error:
        raise ChunkError(display_name, chunk.describe(), _traceback(error)) from None
    finally:
        if not options["warning"]:
            kernel.run("_qr_warn_ctx.__exit__(None, None, None)")
    progress(f"  {display_name}: chunk {number}/{total} {chunk.describe()} ({time.perf_counter() - started:.1f}s)")
    return result


def _inline_values(kernel: _Kernel, part: Markdown, display_name: str) -> list:
    from nbclient.exceptions import CellExecutionError

    expressions = part.inline_expressions()
    if not expressions:
        return []
    try:
        outputs = kernel.run(f"_qr_inline({expressions!r}, {_INLINE_SENTINEL!r})")
    except CellExecutionError as error:
        raise ChunkError(display_name, f"inline expression in the text from line {part.line}",
                         _traceback(error)) from None
    for output in outputs:
        text = output.get("text", "")
        if output.get("name") == "stdout" and _INLINE_SENTINEL in text:
            return json.loads(text.split(_INLINE_SENTINEL, 1)[1])
    raise ChunkError(display_name, f"inline expression in the text from line {part.line}",
                     "the kernel returned no value")
