"""Tidy frames for the modelsummary-style table and the claims table (numbers only).

Render modules pivot these (models in columns, the same rows for every model, fit rows
at the foot) and format them; nothing here formats or words anything.
"""
from __future__ import annotations

import pandas as pd

from .build import Evidence


def effects_frame(ev: Evidence) -> pd.DataFrame:
    """One row per (model, term): AME in dollars with its interval, in model then term order."""
    rows = [{"model": name, "label": ev.models[name].spec.label, "term": term,
             "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
             "excludes_zero": e.excludes_zero, "vcov": ev.models[name].cov_kind}
            for name, effects in ev.effects.items() for term, e in effects.items()]
    return pd.DataFrame(rows)


def fit_frame(ev: Evidence) -> pd.DataFrame:
    """One row per model: n, in-sample R-squared (dollars), RMS and median absolute error, AIC."""
    return pd.DataFrame([{"model": name, "label": ev.models[name].spec.label, "n": ev.models[name].n,
                          "r_squared": f.r_squared, "rms_error": f.rms_error,
                          "median_abs_error": f.median_abs_error, "aic": f.aic}
                         for name, f in ev.fit.items()])


def claims_frame(ev: Evidence) -> pd.DataFrame:
    """One row per (claim, model): the model's number and whether it agrees with the linear one."""
    return pd.DataFrame([{"key": c.key, "claim": c.claim, "robust": c.robust, "model": name,
                          "estimate": v.estimate, "ci_low": v.ci_low, "ci_high": v.ci_high, "p": v.p,
                          "holds": c.holds.get(name)}
                         for c in ev.claims for name, v in c.models.items()])
