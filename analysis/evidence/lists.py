"""Misalignment with interval probabilities, the circularity check, and list totals (issue 11, section 3).

List totals. A list's modelled total is the sum of its customers' predictions; its interval
at :data:`LIST_LEVEL` has two parts, both of that list's own:

* residual spread: ``m * var(out-of-fold residuals of the list's customers)``, so a list of
  volatile customers gets a wide band and no pooled sigma is assumed;
* parameter uncertainty: the delete-a-group jackknife over the ten fold fits of the first
  repeat, ``(K - 1) / K * sum_k (T_k - mean T)^2`` with ``T_k`` the list total predicted by
  the fit without fold ``k``. It works for every model, least squares or not.

The actual total is set against the modelled one in-sample (full-sample predictions) and out
of fold; a total outside its band says the model is biased for that list.

Circularity. When a CRM label is itself a rule of R, F and M (the order-log pipeline makes
labels from R and F quintiles), "the label adds nothing beyond RFM" is true by
construction. :func:`label_recovery` measures it: the out-of-fold accuracy of the majority
label within cells of R, F and M quintiles. At or above :data:`CIRCULAR_ACCURACY` the
comparison is called circular.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .gains import HIGH_VALUE, rfm_quintiles
from .specs import OUTCOME, SEGMENT, segment_labels

LIST_LEVEL = 0.90
MISALIGNED_HIGH = 0.8  # P(top quartile) above this for a label below High Value
MISALIGNED_LOW = 0.2   # P(top quartile) below this for a High Value label
CIRCULAR_ACCURACY = 0.90


def misalignment(frame: pd.DataFrame, predicted: np.ndarray, p_top: np.ndarray, cutoff: float
                 ) -> pd.DataFrame:
    """Per label: customers misaligned by point prediction and by interval probability.

    For a label below High Value, "misaligned" means modelled in the top quartile: the
    point count is ``predicted > cutoff``, the interval count ``P > 0.8``. For High Value it
    means modelled outside the top quartile: ``predicted <= cutoff`` and ``P < 0.2``.
    """
    labels = segment_labels(frame)
    rows = []
    for label in pd.unique(labels):
        mine = labels == label
        if label == HIGH_VALUE:
            point, interval = predicted[mine] <= cutoff, p_top[mine] < MISALIGNED_LOW
            rule = f"High Value, P(top quartile) < {MISALIGNED_LOW}"
        else:
            point, interval = predicted[mine] > cutoff, p_top[mine] > MISALIGNED_HIGH
            rule = f"{label}, P(top quartile) > {MISALIGNED_HIGH}"
        rows.append({"segment": label, "n": int(mine.sum()), "rule": rule,
                     "point_count": int(point.sum()), "interval_count": int(interval.sum())})
    return pd.DataFrame(rows)


def label_recovery(frame: pd.DataFrame, ids: np.ndarray, quintiles=None) -> float:
    """Out-of-fold accuracy of the majority label in each (R, F, M) quintile cell.

    Cells unseen in the training folds predict the overall training majority.
    """
    r, f, m = rfm_quintiles(frame) if quintiles is None else quintiles
    cell = (r - 1) * 25 + (f - 1) * 5 + m - 1
    label_code, labels = pd.factorize(frame[SEGMENT])
    cells, cell_code = np.arange(125), cell
    correct = np.zeros(len(frame), dtype=bool)
    for k in range(int(ids.max()) + 1):
        held = ids == k
        # Label counts per cell in the training folds; the majority is the row's argmax.
        counts = np.bincount(cell_code[~held] * len(labels) + label_code[~held],
                             minlength=len(cells) * len(labels)).reshape(len(cells), len(labels))
        majority = counts.argmax(axis=1)
        unseen = counts.sum(axis=1) == 0
        majority[unseen] = counts.sum(axis=0).argmax()
        correct[held] = majority[cell_code[held]] == label_code[held]
    return float(correct.mean())


@dataclass(frozen=True)
class ListTotal:
    """Actual against modelled total of one list, in-sample and out of fold, with its band."""

    name: str
    size: int
    actual: float
    modelled: float
    modelled_oof: float
    low: float
    high: float
    low_oof: float
    high_oof: float
    residual_sd: float
    parameter_sd: float
    level: float

    @property
    def inside(self) -> bool:
        return self.low <= self.actual <= self.high

    @property
    def inside_oof(self) -> bool:
        return self.low_oof <= self.actual <= self.high_oof

    @property
    def actual_over_modelled(self) -> float:
        return self.actual / self.modelled if self.modelled else float("nan")

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("name", "size", "actual", "modelled", "modelled_oof", "low",
                                             "high", "low_oof", "high_oof", "residual_sd",
                                             "parameter_sd", "level")}
        out.update(inside=bool(self.inside), inside_oof=bool(self.inside_oof),
                   actual_over_modelled=self.actual_over_modelled)
        return out


def list_totals(frame: pd.DataFrame, lists: Mapping[str, np.ndarray], predicted: np.ndarray,
                oof: np.ndarray, fold_predict: Callable[[pd.DataFrame], np.ndarray],
                level: float = LIST_LEVEL) -> list[ListTotal]:
    """Totals of caller-given lists (boolean masks over ``frame``'s rows, or row positions).

    ``fold_predict(rows) -> (folds, m)`` is :attr:`.validation.ModelValidation.fold_predict`
    of the model that made ``predicted`` and ``oof``.
    """
    y = frame[OUTCOME].to_numpy(float)
    z = float(stats.norm.ppf(0.5 + level / 2))
    out = []
    for name, selector in lists.items():
        mask = np.asarray(selector)
        if mask.dtype != bool:
            positions = mask.astype(int)
            mask = np.zeros(len(frame), dtype=bool)
            mask[positions] = True
        if mask.shape != (len(frame),):
            raise ValueError(f"list {name!r}: a boolean mask needs {len(frame)} entries, got {mask.shape}")
        m = int(mask.sum())
        if m < 2:
            raise ValueError(f"list {name!r} has {m} customer(s); a total's interval needs at least 2")
        residual = y[mask] - oof[mask]
        residual_var = m * float(residual.var(ddof=1))
        fold_totals = fold_predict(frame[mask]).sum(axis=1)
        k = len(fold_totals)
        parameter_var = (k - 1) / k * float(((fold_totals - fold_totals.mean()) ** 2).sum())
        half = z * np.sqrt(residual_var + parameter_var)
        modelled, modelled_oof = float(predicted[mask].sum()), float(oof[mask].sum())
        half = float(half)
        out.append(ListTotal(name, m, float(y[mask].sum()), modelled, modelled_oof,
                             modelled - half, modelled + half, modelled_oof - half, modelled_oof + half,
                             float(np.sqrt(residual_var)), float(np.sqrt(parameter_var)), level))
    return out
