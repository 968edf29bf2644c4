"""A Quarto-free renderer for Quarto website projects.

It builds the same site and PDFs as ``quarto render`` from the same files,
using the parts Quarto itself uses: Jupyter (nbclient + ipykernel) to run
Python chunks, Pandoc to convert markdown, Typst to make PDFs. It knows
nothing of the project it renders.
"""
from __future__ import annotations

__version__ = "1.0.0"

# Loaded on first use: analysis code imports renderer.dependencies inside every kernel,
# and that must not pull in Jupyter, Pandoc and Typst wrappers (about 0.3 s).
_EXPORTS = {
    "BuildResult": "build", "print_progress": "build", "render_project": "build",
    "Project": "config", "load_project": "config",
    "ChunkError": "errors", "ConfigError": "errors", "RenderError": "errors",
    "staged_output": "publish", "scratch_folder": "publish", "check_output_folder": "publish",
    "PublishError": "publish", "SITE_MARKER": "publish",
    "record_input": "dependencies",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'renderer' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
