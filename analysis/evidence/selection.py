"""Which model drives targeting: the simplest within one standard error of the lowest CV RMSE.

The rule (Breiman et al. 1984; caret's ``oneSE``): find the model with the lowest
cross-validated RMSE, add its standard error (SD of the fold RMSEs over sqrt(folds x
repeats), :func:`.validation.rmse_standard_error`), and among the models whose CV RMSE is
at or below that bar take the simplest. "Simplest" is the fewest coefficients; ties go in
:data:`SIMPLICITY_ORDER` - the brief's additive dollar model first, then the models with the
same terms on another scale, then the ones with more terms.

The brief's linear model stays the one whose coefficients are interpreted first; this choice
only decides whose predictions rank customers, flag misalignment and size lists.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .validation import Validation

SIMPLICITY_ORDER = ("linear", "loglinear", "gamma_log", "median", "fxm", "flexible")


@dataclass(frozen=True)
class BestModel:
    """The one-SE choice and the numbers behind it (what the report must say and why)."""

    name: str
    label: str
    lowest: str
    lowest_rmse: float
    lowest_rmse_se: float
    threshold: float
    candidates: tuple[str, ...]  # within one SE, simplest first
    linear_rmse: float
    best_rmse: float
    linear_within: bool

    @property
    def is_linear(self) -> bool:
        return self.name == "linear"


def _simplicity_key(row: pd.Series) -> tuple[int, int, str]:
    rank = SIMPLICITY_ORDER.index(row["model"]) if row["model"] in SIMPLICITY_ORDER else len(SIMPLICITY_ORDER)
    return int(row["n_parameters"]), rank, str(row["model"])


def select_best(validation: Validation) -> BestModel:
    """Apply the one-SE rule to the competing models (the RFM-only baseline is not a candidate)."""
    table = validation.table()
    table = table[table["model"].isin(list(validation.models))].reset_index(drop=True)
    if table.empty:
        raise ValueError("no cross-validated model to choose from")
    lowest = table.loc[table["cv_rmse"].idxmin()]
    threshold = float(lowest["cv_rmse"] + lowest["cv_rmse_se"])
    within = table[table["cv_rmse"] <= threshold]
    ordered = sorted((row for _, row in within.iterrows()), key=_simplicity_key)
    best = ordered[0]
    linear = table[table["model"] == "linear"]
    linear_rmse = float(linear["cv_rmse"].iloc[0]) if len(linear) else float("nan")
    return BestModel(
        name=str(best["model"]), label=str(best["label"]), lowest=str(lowest["model"]),
        lowest_rmse=float(lowest["cv_rmse"]), lowest_rmse_se=float(lowest["cv_rmse_se"]),
        threshold=threshold, candidates=tuple(str(r["model"]) for r in ordered),
        linear_rmse=linear_rmse, best_rmse=float(best["cv_rmse"]),
        linear_within=bool(len(linear) and linear_rmse <= threshold))
