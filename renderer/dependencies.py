"""Which optional inputs a page read while it ran, recorded by the page itself.

Some inputs matter to only a few pages (the previous build's model matters to
the page that says what changed). The renderer cannot know which pages read
them, so each page's kernel gets ``$RENDERER_INPUTS_FILE``, a file of its own,
and code that reads an optional input calls :func:`record_input` with that
input's name. The cache then keys the page on exactly those inputs.

This module imports nothing heavy: analysis code calls it inside every kernel.
Outside the renderer (under Quarto, or in a plain Python session) the variable
is unset and :func:`record_input` does nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

INPUTS_FILE_ENV_VAR = "RENDERER_INPUTS_FILE"


def record_input(name: str) -> None:
    """Note that the running page read the optional input ``name`` (see the module docstring)."""
    target = os.environ.get(INPUTS_FILE_ENV_VAR)
    if not target:
        return
    if "\n" in name or not name.strip():
        raise ValueError(f"an input name is one non-empty line, got {name!r}")
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(name.strip() + "\n")


def recorded_inputs(path: Path) -> list[str]:
    """The names a page recorded, sorted and without repeats; none when it recorded nothing."""
    if not Path(path).is_file():
        return []
    return sorted({line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()})
