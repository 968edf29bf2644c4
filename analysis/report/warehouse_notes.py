"""What a page says when its table is in a warehouse: which numbers use every row, which a sample.

Empty for a file (every number uses every row). For a table URL the model, its tests,
the diagnostic figures, the segment profile and the campaign-list sizes are computed
in the engine over every row; the sections that refit models on rows (competing
models, cross-validation, gains, calibration, prediction intervals, influence refits,
average marginal effects) use the bounded random sample the engine draws with a fixed
hash (:mod:`analysis.model.engine.warehouse`), and the page says so.
"""
from __future__ import annotations

import numpy as np

from ..io.escape_markdown import markdown_code
from ..model.results import ModelResults
from .formatting import integer


def is_warehouse(r: ModelResults) -> bool:
    return bool(getattr(r, "source_url", ""))


def _callout(body: str) -> str:
    """A Quarto note callout headed "Warehouse table." (markdown)."""
    return f"::: {{.callout-note}}\n**Warehouse table.** {body}\n:::\n"


def sample_note(r: ModelResults) -> str:
    """A callout naming the sample the refitting sections of this page use (markdown; "" for a file)."""
    if not is_warehouse(r):
        return ""
    scope = f"{markdown_code(r.source_url)} holds {integer(r.population)} customers."
    whole = ("The model, its tests, the diagnostic figures and the campaign-list sizes use every row, computed "
             "inside the engine.")
    sampled = (f"Sections that refit models on rows (specification checks, competing models, segment value across "
               f"models, cross-validation, gains, calibration, prediction intervals, influence refits) use a random "
               f"sample of {integer(r.sample_size)} customers drawn in the engine by a fixed hash of CustomerID, so "
               f"their numbers are the sample's.")
    return _callout(" ".join((scope, whole, sampled)))


def list_note(r: ModelResults) -> str:
    """For the Targeting page: the lists are counted in the engine; the tables show their first rows."""
    if not is_warehouse(r):
        return ""
    from ..model.engine.targeting import LIST_EXPORT

    return _callout(f"Each list's size and modelled total count every "
            f"customer in the engine; the tables and CSV downloads hold each list's first {integer(LIST_EXPORT)} "
            f"customers by RFM-predicted value. Here \"modelled value\" is the linear model's fitted value, not "
            f"the best cross-validated model's named below: that model is fitted on the sample, and scoring "
            f"every row with it would need it inside the engine.")


def futures_overlap_note(r: ModelResults) -> str:
    """Why the Futures page does not set its win-back list against the model's misaligned customers."""
    return ("For a warehouse table the win-back list is not set against the model's misaligned customers: "
            "that would need every misaligned customer's ID in memory; the model's misaligned customers stay "
            "in the engine (the scores download holds the most valuable of them).")


def labels_wald(r: ModelResults, ev) -> tuple[float, float] | None:
    """The HC3 Wald test of the labels under the model-fit table: the full-table fit's for a warehouse table.

    For a file it is the evidence layer's (the same fit); for a warehouse table the evidence
    is the sample's, so the test is recomputed from the in-engine fit's HC3 covariance with
    the evidence layer's own :func:`~analysis.evidence.covariance.wald`.
    """
    from .evidence_prose import labels_wald as from_evidence

    if not is_warehouse(r):
        return from_evidence(ev)
    from ..evidence.covariance import wald

    terms = list(r.covariance_hc3.index)
    index = np.array([i for i, term in enumerate(terms) if term.startswith("Segment[")])
    if len(index) == 0:
        return None
    params = r.coefficients.set_index("term").loc[terms, "estimate"].to_numpy(dtype=float)
    return wald(params, r.covariance_hc3.to_numpy(dtype=float), index, r.full.df_resid)
