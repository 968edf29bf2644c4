"""A Quarto-free renderer for Quarto website projects.

It builds the same site and PDFs as ``quarto render`` from the same files,
using the parts Quarto itself uses: Jupyter (nbclient + ipykernel) to run
Python chunks, Pandoc to convert markdown, Typst to make PDFs. It knows
nothing of the project it renders.
"""
from __future__ import annotations

__version__ = "1.0.0"

from .build import BuildResult, print_progress, render_project  # noqa: E402
from .config import Project, load_project  # noqa: E402
from .errors import ChunkError, ConfigError, RenderError  # noqa: E402
from .publish import SITE_MARKER, PublishError, check_output_folder, scratch_folder, staged_output  # noqa: E402

__all__ = [
    "BuildResult",
    "ChunkError",
    "ConfigError",
    "Project",
    "PublishError",
    "RenderError",
    "SITE_MARKER",
    "check_output_folder",
    "load_project",
    "print_progress",
    "render_project",
    "scratch_folder",
    "staged_output",
]
