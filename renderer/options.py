"""Resolve the options in force for a document and for each of its chunks.

Precedence, lowest first, as in Quarto: built-in defaults, ``_quarto.yml``
(``execute:`` then ``format: <name>:``), the document's front matter
(top level, ``execute:``, then ``format: <name>:``), the chunk's ``#|`` lines.
"""
from __future__ import annotations

from .config import Project, format_options
from .errors import ConfigError
from .kernel_setup import FIG_FORMATS
from .qmd import Chunk, Document

SUPPORTED_FORMATS = ("html", "typst")

CHUNK_DEFAULTS = {
    "echo": True, "eval": True, "include": True, "output": True,
    "warning": True, "error": False, "code-fold": False, "code-summary": "Code",
}

# Quarto's default figure size differs by format: 7x5in on screen, 5.5x3.5in on paper.
# On screen it draws PNGs at twice the dpi ("retina", formats-shared.ts), shown at 1x.
FIGURE_DEFAULTS = {
    "html": {"fig-width": 7.0, "fig-height": 5.0, "fig-dpi": 96, "fig-format": "retina"},
    "typst": {"fig-width": 5.5, "fig-height": 3.5, "fig-dpi": 144, "fig-format": "png"},
}

_EXECUTION_KEYS = set(CHUNK_DEFAULTS) | {"fig-width", "fig-height", "fig-dpi", "fig-format"}


def document_formats(project: Project, document: Document) -> dict:
    """``{format name: merged options}`` for every format the document renders to.

    A ``format:`` in the front matter replaces the project's list of formats
    (so ``format: typst`` makes a PDF-only page) but still inherits the
    project's options for that format.
    """
    own = format_options(document.front_matter.get("format")) if "format" in document.front_matter else None
    names = list(own) if own is not None else list(project.formats)
    top_level = {k: v for k, v in document.front_matter.items() if k not in ("format", "execute")}
    merged = {}
    for name in names:
        if name not in SUPPORTED_FORMATS:
            raise ConfigError(f"{document.path}: format {name!r} is not supported by the builtin renderer "
                              f"(supported: {', '.join(SUPPORTED_FORMATS)})")
        options = dict(FIGURE_DEFAULTS[name])
        options.update(project.formats.get(name, {}))
        options.update(top_level)
        options.update((own or {}).get(name, {}))
        merged[name] = options
    if not merged:
        raise ConfigError(f"{document.path}: no output format; add 'format: html' to _quarto.yml")
    return merged


def chunk_options(project: Project, document: Document, format_opts: dict, chunk: Chunk) -> dict:
    """Every option in force for one chunk, defaults filled in."""
    options = dict(CHUNK_DEFAULTS)
    options.update(project.execute)
    options.update({k: v for k, v in format_opts.items() if k in _EXECUTION_KEYS})
    options.update(document.front_matter.get("execute") or {})
    options.update(chunk.options)
    if options.get("fig-format") not in FIG_FORMATS:
        raise ConfigError(f"{document.path}: chunk {chunk.describe()}: fig-format must be one of "
                          f"{', '.join(FIG_FORMATS)}, not {options.get('fig-format')!r}")
    output = options["output"]
    if output not in (True, False, "asis"):
        raise ConfigError(f"{document.path}: chunk {chunk.describe()}: output must be true, false or asis, "
                          f"not {output!r}")
    return options
