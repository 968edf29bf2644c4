"""Segment value "beyond what RFM alone would predict", three ways, each named for what it is.

The brief asks how much a label is worth beyond R, F and M. Three different numbers
answer three different questions, and the report must not swap them:

``mean_residual``
    How far the segment's customers sit above (+) or below (-) what the RFM-only model
    (no labels) predicts for them, on average, with a t interval. Descriptive: it uses
    each segment's own RFM mix.
``marginal_mean``
    The brief's model's expected value for a customer with the *average* RFM profile who
    carries the label (``emmeans``), with an HC3 interval.
``contrast``
    That marginal mean minus the reference label's, with an HC3 interval. In the linear
    model it equals the label's coefficient.

When the labels barely overlap on RFM (:func:`.specification.segment_overlap`), the last
two are extrapolations to a profile few customers of the label have.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .margins import Effect, MarginalMeans, marginal_means
from .fit_specs import fit_spec
from .specs import OUTCOME, SEGMENT, SPECS_BY_NAME, FittedModel, segment_labels

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    estimate: float
    ci_low: float
    ci_high: float

    @property
    def excludes_zero(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)


@dataclass(frozen=True)
class SegmentValue:
    """The three numbers for one label (``contrast`` is ``None`` for the reference)."""

    segment: str
    n: int
    mean_residual: Interval
    marginal_mean: Interval
    contrast: Interval | None


def _interval(effect: Effect) -> Interval:
    return Interval(effect.estimate, effect.ci_low, effect.ci_high)


def mean_residuals(frame: pd.DataFrame, rfm_only: FittedModel) -> dict[str, Interval]:
    """Per-label mean residual against the RFM-only model, with a t interval."""
    resid = frame[OUTCOME].to_numpy(float) - rfm_only.fitted
    labels = segment_labels(frame)
    out = {}
    for label in pd.unique(labels):
        r = resid[labels == label]
        mean = float(r.mean())
        half = (float(stats.t.ppf(0.5 + LEVEL / 2, len(r) - 1)) * float(r.std(ddof=1)) / np.sqrt(len(r))
                if len(r) > 1 else float("nan"))
        out[str(label)] = Interval(mean, mean - half, mean + half)
    return out


def segment_value(frame: pd.DataFrame, reference: str, model: FittedModel | None = None,
                  rfm_only: FittedModel | None = None) -> tuple[tuple[SegmentValue, ...], MarginalMeans]:
    """The three numbers per label, for the brief's linear model unless ``model`` is given."""
    linear = SPECS_BY_NAME["linear"]
    model = model or fit_spec(linear, frame, reference)
    rfm_only = rfm_only or fit_spec(linear, frame, reference, rfm_only=True)
    residuals = mean_residuals(frame, rfm_only)
    means = marginal_means(model, frame)
    counts = pd.Series(segment_labels(frame)).value_counts()
    rows = tuple(
        SegmentValue(level, int(counts[level]), residuals[level], _interval(means.means[level]),
                     _interval(means.contrasts[level]) if level in means.contrasts else None)
        for level in (reference, *model.basis.levels))
    return rows, means
