"""The report layer: it reads computed results and words, tabulates and draws them.

Chapters open with ``b = report.setup()`` and then call render functions only:
``tables.coefficients(r)``, ``figures.diagnostics(r)``, ``prose.headline(r)``.
Nothing in this package fits or refits; numbers come from :mod:`analysis.model`.
"""
from .colophon import (colophon, colophon_markdown, data_dictionary_markdown, data_line, data_source_sentence,
                       se_type_label, typst_provenance_footer, validation_summary_markdown)
from .setup import setup

__all__ = [
    "colophon", "colophon_markdown", "data_dictionary_markdown", "data_line", "data_source_sentence",
    "se_type_label", "setup", "typst_provenance_footer", "validation_summary_markdown",
]

