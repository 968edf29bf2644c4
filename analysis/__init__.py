"""The customer-value model and its report, in four layers (see ``analysis/README.md``).

- :mod:`analysis.data`: the data contract; read and validate a customer CSV.
- :mod:`analysis.model`: fit, diagnostics, derived quantities, targeting, comparison.
- :mod:`analysis.report`: setup, wording, tables, figures, prose, briefing, colophon.
- :mod:`analysis.io`: downloads, ``model.json``, atomic writes, provenance, the site build.

Chapters keep one-line imports (``from analysis import report, tables, figures,
prose, briefing, changes``): the names below are re-exported explicitly. They load
on first use, so ``python -m analysis validate`` never pays for statsmodels or
matplotlib.
"""
from __future__ import annotations

import importlib

# Short name -> the module it stands for. Only modules chapters and commands import.
_EXPORTS = {
    "config": "analysis.config",
    "errors": "analysis.errors",
    "data": "analysis.data",
    "model": "analysis.model",
    "report": "analysis.report",
    "io": "analysis.io",
    "orders": "analysis.orders",
    "tables": "analysis.report.tables",
    "figures": "analysis.report.figures",
    "prose": "analysis.report.prose",
    "briefing": "analysis.report.briefing",
    "changes": "analysis.report.changes",
    "wording": "analysis.report.wording",
    "formatting": "analysis.report.formatting",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
