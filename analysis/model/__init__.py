"""The model layer: fit, diagnose, choose standard errors, derive; then targeting and comparison.

``fit_model`` turns a validated :class:`~analysis.data.CustomerTable` into frozen
:class:`~analysis.model.results.ModelResults`; ``load_results`` does the same
through the results cache. Everything the report shows is read from those
results or computed from them here, never in a render module.
"""
from .cache import load_results
from .fit import fit_model
from .least_squares import least_squares
from .results import ModelResults

__all__ = ["ModelResults", "fit_model", "least_squares", "load_results"]

