"""Failures the renderer reports. Callers catch :class:`RenderError` only."""
from __future__ import annotations


class RenderError(Exception):
    """The project could not be rendered; the message says where and why."""


class ConfigError(RenderError):
    """``_quarto.yml`` or a document's front matter asks for something unsupported."""


class ChunkError(RenderError):
    """A code chunk raised while executing.

    Attributes
    ----------
    document : str
        Project-relative path of the ``.qmd`` file.
    chunk : str
        The chunk's ``label``, or ``"line N"`` when it has none.
    traceback : str
        The kernel's traceback, without terminal colour codes.
    """

    def __init__(self, document: str, chunk: str, traceback: str):
        self.document = document
        self.chunk = chunk
        self.traceback = traceback
        super().__init__(f"{document}: chunk {chunk} failed\n{traceback}")
