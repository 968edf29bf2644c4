"""Repeated K-fold cross-validation of every competing model (issue 11, section 1).

Every applicable spec of :mod:`.specs`, plus the RFM-only least-squares baseline (R + F + M,
no Segment), is scored on the same folds (:func:`.folds.fold_ids`: 10 folds x 5 repeats,
seed :data:`.folds.CV_SEED`). How each is cross-fitted:

==============  ===========================================================================
linear family   fold sufficient statistics, no refit (:func:`.folds.linear_cross_fit`);
                ``loglinear`` with Duan smearing per fold.
``gamma_log``   Fisher scoring on the same fold statistics (:func:`.folds.gamma_log_cross_fit`).
``median``      refitted per fold, exact L1 fit (:func:`.estimators.median_fit`, the one median solver; no sufficient statistics
                exist for an L1 fit). Above :data:`REFIT_FULL_MAX_N` customers it uses one
                repeat and at most :data:`REFIT_TRAIN_ROWS_MAX` training rows per fold (a
                seeded subsample); every held-out row is still scored. The contract says so.
==============  ===========================================================================

Scores. Per repeat the out-of-fold predictions of all customers are pooled:
``R^2 = 1 - SSE / SST`` (SST about the full-sample mean), ``RMSE = sqrt(SSE / n)``,
``MAE = mean |y - yhat|``; the headline is the mean over repeats and the spread is their
standard deviation. Per-fold scores (R^2 about the fold's own mean, as scikit-learn's
``r2_score``) are kept too: they give the standard error that the one-SE rule uses
(:mod:`.selection`) and they are what ``cross_val_score`` returns (tests/evidence).

Spline knots and segment levels come from the full sample (``linear_design``). They use no
outcome, so no outcome information leaks from a held-out fold.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import fit_specs as fitting
from . import specs as model_specs
from .estimators import median_fit
from .folds import (CV_FOLDS, CV_REPEATS, CV_SEED, LinearCrossFit, RefitCrossFit, fold_ids,
                    gamma_log_cross_fit, linear_cross_fit, refit_cross_fit)

#: Above this many customers the median regression is cross-validated on one repeat, with
#: at most REFIT_TRAIN_ROWS_MAX training rows per fold: an exact L1 fit takes about 0.12 s
#: at 4,500 rows and grows faster than linearly (statsmodels' QuantReg: about 10 s at
#: 100,000 rows), so fifty of them at scale would break the 60 s site budget.
REFIT_FULL_MAX_N = 10_000
REFIT_TRAIN_ROWS_MAX = 5_000
#: Above this many customers every model uses one repeat of the 10 folds. Repeats only
#: average over fold splits, and that spread shrinks as 1/sqrt(n): at 5,000 customers the
#: SD of CV RMSE over five repeats is already 0.03% of RMSE (0.045 on $162, simulate
#: seed 3), while at a million each repeat costs seconds of a 60 s site budget.
REPEATS_FULL_MAX_N = 100_000
RFM_ONLY = "rfm_only"
RFM_ONLY_LABEL = "RFM only (R + F + M, no Segment)"
METHOD_STATISTICS = "fold sufficient statistics (no refit)"
METHOD_FISHER = "Fisher scoring on fold sufficient statistics"
METHOD_REFIT = "refit per fold"


def rfm_only_design(frame: pd.DataFrame) -> np.ndarray:
    """Intercept, Recency, Frequency, MonetaryValue: the model without the CRM label."""
    return np.column_stack([np.ones(len(frame))] + [frame[v].to_numpy(float) for v in model_specs.RFM])


@dataclass(frozen=True)
class ModelValidation:
    """Cross-validation of one model.

    Attributes
    ----------
    oof : (repeats_used, n) out-of-fold predictions in dollars; row 0 is the first
        repeat, whose predictions feed calibration, gains and intervals.
    fold_scores : tidy frame ``repeat, fold, n, r_squared, rmse, mae``.
    repeat_scores : tidy frame ``repeat, r_squared, rmse, mae`` (pooled per repeat).
    fold_predict : ``fold_predict(rows_frame) -> (folds, m)`` predictions of each fold fit
        of the first repeat at given customers (parameter uncertainty of list totals).
    """

    name: str
    label: str
    method: str
    n_parameters: int
    repeats_used: int
    train_rows_max: int | None
    oof: np.ndarray = field(repr=False)
    fold_scores: pd.DataFrame = field(repr=False)
    repeat_scores: pd.DataFrame = field(repr=False)
    fold_predict: Callable[[pd.DataFrame], np.ndarray] = field(repr=False)

    def summary(self) -> dict[str, float]:
        """Mean over repeats, spread over repeats, and the per-fold standard error of RMSE."""
        out = {}
        for metric in ("r_squared", "rmse", "mae"):
            values = self.repeat_scores[metric].to_numpy()
            out[f"cv_{metric}"] = float(values.mean())
            out[f"cv_{metric}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        out["cv_rmse_se"] = rmse_standard_error(self.fold_scores)
        # scikit-learn's cross_val_score convention (mean of per-fold R^2, each about the
        # fold's own mean), for readers comparing with another tool.
        out["cv_r_squared_fold_mean"] = float(self.fold_scores["r_squared"].mean())
        return out


def rmse_standard_error(fold_scores: pd.DataFrame) -> float:
    """Standard error of CV RMSE for the one-SE rule: SD of the fold RMSEs / sqrt(resamples).

    This is caret's ``oneSE`` convention for repeated K-fold (``RMSESD / sqrt(num)`` with
    ``num`` = folds x repeats resamples), the published anchor for the rule.
    """
    return float(fold_scores["rmse"].std(ddof=1) / np.sqrt(len(fold_scores)))


def score_predictions(y: np.ndarray, oof: np.ndarray, ids: np.ndarray
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-fold and pooled-per-repeat R^2, RMSE and MAE of out-of-fold predictions."""
    fold_rows, repeat_rows = [], []
    sst = float(((y - y.mean()) ** 2).sum())
    for r in range(oof.shape[0]):
        error = y - oof[r]
        folds = int(ids[r].max()) + 1
        count = np.bincount(ids[r], minlength=folds)
        sse = np.bincount(ids[r], weights=error ** 2, minlength=folds)
        sae = np.bincount(ids[r], weights=np.abs(error), minlength=folds)
        fold_mean = np.bincount(ids[r], weights=y, minlength=folds) / count
        fold_sst = np.bincount(ids[r], weights=(y - fold_mean[ids[r]]) ** 2, minlength=folds)
        for k in range(folds):
            fold_rows.append({"repeat": r, "fold": k, "n": int(count[k]),
                              "r_squared": 1 - sse[k] / fold_sst[k],
                              "rmse": float(np.sqrt(sse[k] / count[k])),
                              "mae": float(sae[k] / count[k])})
        repeat_rows.append({"repeat": r, "r_squared": 1 - sse.sum() / sst,
                            "rmse": float(np.sqrt(sse.sum() / len(y))),
                            "mae": float(sae.sum() / len(y))})
    return pd.DataFrame(fold_rows), pd.DataFrame(repeat_rows)


def _linear_fold_predict(cross_fit: LinearCrossFit, design: Callable[[pd.DataFrame], np.ndarray]):
    def predict(rows: pd.DataFrame) -> np.ndarray:
        return cross_fit.predict_folds(design(rows), 0)
    return predict


def _median_cross_fit(x: np.ndarray, y: np.ndarray, ids: np.ndarray, seed: int
                      ) -> tuple[RefitCrossFit, int | None]:
    """QuantReg per fold; at scale one repeat and a capped, seeded training subsample."""
    n = len(y)
    cap = REFIT_TRAIN_ROWS_MAX if n > REFIT_FULL_MAX_N else None
    rng = np.random.default_rng(seed + 1)

    def fit_predict(train: np.ndarray, test: np.ndarray):
        if cap is not None and len(train) > cap:
            train = np.sort(rng.choice(train, cap, replace=False))
        params = median_fit(x[train], y[train])
        return params, x[test] @ params

    use = ids if cap is None else ids[:1]
    return refit_cross_fit(fit_predict, use), cap


@dataclass(frozen=True)
class Validation:
    """Cross-validation of all models on one set of folds (see the module docstring)."""

    folds: int
    repeats: int
    seed: int
    n: int
    ids: np.ndarray = field(repr=False)
    models: dict[str, ModelValidation] = field(repr=False)
    rfm_only: ModelValidation = field(repr=False)

    def table(self) -> pd.DataFrame:
        """One row per model (the baseline last): method, size and the CV scores."""
        rows = []
        for v in [*self.models.values(), self.rfm_only]:
            rows.append({"model": v.name, "label": v.label, "method": v.method,
                         "n_parameters": v.n_parameters, "repeats_used": v.repeats_used,
                         "train_rows_max": v.train_rows_max, **v.summary()})
        return pd.DataFrame(rows)

    def oof(self, name: str) -> np.ndarray:
        """First-repeat out-of-fold predictions of ``name`` (a model or ``rfm_only``)."""
        return (self.rfm_only if name == RFM_ONLY else self.models[name]).oof[0]

    def to_contract(self) -> dict:
        """The ``validation`` key of model.json (issue 11, section 5), strict JSON."""
        def entry(v: ModelValidation) -> dict:
            s = v.summary()
            return {"cv_r_squared": s["cv_r_squared"], "cv_rmse": s["cv_rmse"], "cv_mae": s["cv_mae"],
                    "cv_r_squared_sd": s["cv_r_squared_sd"], "cv_rmse_sd": s["cv_rmse_sd"],
                    "cv_mae_sd": s["cv_mae_sd"], "cv_rmse_se": s["cv_rmse_se"],
                    "cv_r_squared_fold_mean": s["cv_r_squared_fold_mean"],
                    "method": v.method, "repeats_used": v.repeats_used,
                    "train_rows_max": v.train_rows_max, "n_parameters": v.n_parameters}
        return {"folds": self.folds, "repeats": self.repeats, "seed": self.seed, "n": self.n,
                "scores": "pooled out-of-fold per repeat; mean and SD over repeats",
                "models": {name: entry(v) for name, v in self.models.items()},
                "baselines": {RFM_ONLY: entry(self.rfm_only)}}


def validate(frame: pd.DataFrame, reference: str, specs=None, folds: int = CV_FOLDS,
             repeats: int = CV_REPEATS, seed: int = CV_SEED,
             designs: dict[str, fitting.Design] | None = None) -> Validation:
    """Cross-validate every applicable spec (default :func:`.specs.applicable_specs`).

    Above :data:`REPEATS_FULL_MAX_N` customers one repeat is used (``repeats`` of the result
    says so). ``designs`` may pass :func:`.fit_specs.shared_designs` of ``frame`` (the fits of
    the side-by-side table built them already); missing ones are built once here.

    Examples
    --------
    >>> from analysis.data.simulate import simulate_customers
    >>> v = validate(simulate_customers(400, seed=1), "Low Value", repeats=2)
    >>> sorted(v.to_contract()["models"])[:2], v.to_contract()["folds"]
    (['flexible', 'fxm'], 10)
    """
    specs = model_specs.applicable_specs(frame) if specs is None else specs
    y = frame[model_specs.OUTCOME].to_numpy(float)
    if len(frame) > REPEATS_FULL_MAX_N:
        repeats = 1
    ids = fold_ids(len(frame), folds, repeats, seed)
    designs = dict(designs or {})
    designs.update({n: d for n, d in fitting.shared_designs(
        frame, reference, [s for s in (model_specs.SPECS_BY_NAME["linear"], *specs) if s.name not in designs]).items()
        if n not in designs})
    x_linear, linear_basis = designs["linear"].x, designs["linear"].basis
    models: dict[str, ModelValidation] = {}
    for spec in specs:
        cap = None
        if spec.name in model_specs.LINEAR_FAMILY:
            x, basis = designs[spec.name].x, designs[spec.name].basis
            cross_fit = linear_cross_fit(x, y, ids, log_outcome=spec.estimator == "log_ols")
            method = METHOD_STATISTICS + ("; Duan smearing per fold" if cross_fit.exp_link else "")
            design = (lambda rows, b=basis: model_specs.build_design(b, rows))
            predict = _linear_fold_predict(cross_fit, design)
        elif spec.estimator == "gamma_log":
            x = x_linear
            cross_fit = gamma_log_cross_fit(x, y, ids)
            method = METHOD_FISHER
            predict = _linear_fold_predict(
                cross_fit, lambda rows: model_specs.build_design(linear_basis, rows))
        elif spec.estimator == "quantile":
            x = x_linear
            cross_fit, cap = _median_cross_fit(x, y, ids, seed)
            method = METHOD_REFIT + ("" if cap is None else
                                     f"; one repeat, at most {cap:,} training rows per fold")
            fold_models = cross_fit.models

            def predict(rows: pd.DataFrame, fitted=fold_models) -> np.ndarray:
                xr = model_specs.build_design(linear_basis, rows)
                return np.stack([xr @ params for params in fitted])
        else:
            raise ValueError(f"no cross-validation rule for estimator {spec.estimator!r}")
        fold_scores, repeat_scores = score_predictions(y, cross_fit.oof, ids)
        models[spec.name] = ModelValidation(
            spec.name, spec.label, method, int(x.shape[1]), cross_fit.oof.shape[0], cap,
            cross_fit.oof, fold_scores, repeat_scores, predict)
    x_rfm = rfm_only_design(frame)
    rfm_fit = linear_cross_fit(x_rfm, y, ids)
    fold_scores, repeat_scores = score_predictions(y, rfm_fit.oof, ids)
    rfm_only = ModelValidation(RFM_ONLY, RFM_ONLY_LABEL, METHOD_STATISTICS, x_rfm.shape[1], repeats,
                               None, rfm_fit.oof, fold_scores, repeat_scores,
                               _linear_fold_predict(rfm_fit, rfm_only_design))
    return Validation(folds, repeats, seed, len(frame), ids, models, rfm_only)
