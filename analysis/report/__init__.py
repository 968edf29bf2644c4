"""The report layer: it reads computed results and words, tabulates and draws them.

Chapters open with ``b = report.setup()`` (then ``r = b.results``) and call render
functions only: ``tables.coefficients(r)``, ``figures.with_alt("diagnostics", r)``,
``prose.headline(r)``, ``briefing.actions_markdown(b.targeting)``.
Nothing in this package fits or refits; numbers come from :mod:`analysis.model`.
"""
from .colophon import (colophon, colophon_markdown, data_dictionary_markdown, data_line, data_source_sentence,
                       typst_provenance_footer, validation_summary_markdown)
from .setup import ReportBundle, setup
from .wording import se_type_label

__all__ = [
    "ReportBundle", "colophon", "colophon_markdown", "data_dictionary_markdown", "data_line", "data_source_sentence",
    "se_type_label", "setup", "typst_provenance_footer", "validation_summary_markdown",
]

