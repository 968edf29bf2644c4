"""The ``specification``, ``models`` and ``claims`` keys of ``model.json`` (issue 10, section 7).

Strict JSON: every float is finite or ``null`` (never NaN), every key a string. The keys
beyond the issue's minimum are documented in /work/wt/notes/evidence10.md and here:

``specification``
    ``reset {f, p}``, ``segment_interactions {stat, p}``, ``frequency_x_monetary {stat, p}``,
    ``recency_spline {stat, p, nested_f, nested_p}`` (each test also has ``df_num``,
    ``df_den``, ``r2_gain``, ``alarm``, ``method``), ``negative_fitted_share``,
    ``outcome_nonnegative``, ``segment_overlap {SEGMENT: share}`` (balanced k-NN propensity overlap),
    ``segment_range_overlap {SEGMENT: share}``, ``overlap_method``, ``misspecified``.
``models``
    ``NAME: {label, formula_or_family, n, r_squared, rms_error, median_abs_error, aic,
    vcov, ame: {TERM: {estimate, ci_low, ci_high}}}``.
``claims``
    list of ``{key, claim, robust, models: {NAME: {estimate, ci_low, ci_high, p}}}``.
``segment_value`` (added)
    ``{reference, profile {R, F, M}, segments: {SEGMENT: {n, mean_residual, marginal_mean,
    contrast}}}``, each ``{estimate, ci_low, ci_high}`` (``contrast`` null for the reference).
``influence`` (added)
    ``{cooks_cutoff, top_share, max_cooks, refits: [{rule, cutoff, n_dropped,
    labels_p_before, labels_p_after, terms: {TERM: {before, after, flips_sign, verdict_changes}}}]}``.
"""
from __future__ import annotations

import math

from .build import Evidence
from .overlap import K_NEIGHBOURS, PROPENSITY_LIMIT
from .specification import TestResult


def _num(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _test(t: TestResult, stat_key: str = "stat") -> dict:
    out = {stat_key: _num(t.stat), "p": _num(t.p), "df_num": t.df_num, "df_den": _num(t.df_den),
           "r2_gain": _num(t.r2_gain), "alarm": t.alarm, "method": t.method}
    if t.classical_f is not None:
        out.update(nested_f=_num(t.classical_f), nested_p=_num(t.classical_p))
    return out


def specification_dict(ev: Evidence) -> dict:
    s = ev.specification
    return {
        "reset": _test(s.reset, "f"),
        "segment_interactions": _test(s.segment_interactions),
        "frequency_x_monetary": _test(s.frequency_x_monetary),
        "recency_spline": _test(s.recency_spline),
        "negative_fitted_share": _num(s.negative_fitted_share),
        "outcome_nonnegative": s.outcome_nonnegative,
        "segment_overlap": {k: _num(v) for k, v in s.segment_overlap.items()},
        "segment_range_overlap": {k: _num(v) for k, v in s.segment_range_overlap.items()},
        "overlap_method": {"k_neighbours": K_NEIGHBOURS, "propensity_limit": PROPENSITY_LIMIT},
        "misspecified": s.misspecified,
    }


def models_dict(ev: Evidence) -> dict:
    return {name: {
        "label": m.spec.label, "formula_or_family": m.spec.formula_or_family, "n": m.n,
        "r_squared": _num(ev.fit[name].r_squared), "rms_error": _num(ev.fit[name].rms_error),
        "median_abs_error": _num(ev.fit[name].median_abs_error), "aic": _num(ev.fit[name].aic),
        "vcov": m.cov_kind,
        "ame": {t: {"estimate": _num(e.estimate), "ci_low": _num(e.ci_low), "ci_high": _num(e.ci_high)}
                for t, e in ev.effects[name].items()},
    } for name, m in ev.models.items()}


def claims_list(ev: Evidence) -> list:
    return [{"key": c.key, "claim": c.claim, "robust": c.robust,
             "models": {n: {"estimate": _num(v.estimate), "ci_low": _num(v.ci_low),
                            "ci_high": _num(v.ci_high), "p": _num(v.p)} for n, v in c.models.items()}}
            for c in ev.claims]


def _interval(i) -> dict | None:
    return None if i is None else {"estimate": _num(i.estimate), "ci_low": _num(i.ci_low),
                                   "ci_high": _num(i.ci_high)}


def segment_value_dict(ev: Evidence) -> dict:
    return {"reference": ev.reference, "profile": ev.marginal_means.profile,
            "segments": {v.segment: {"n": v.n, "mean_residual": _interval(v.mean_residual),
                                     "marginal_mean": _interval(v.marginal_mean),
                                     "contrast": _interval(v.contrast)} for v in ev.segment_values}}


def influence_dict(ev: Evidence) -> dict:
    inf = ev.influence
    return {"cooks_cutoff": inf.cooks_cutoff, "top_share": inf.top_share, "max_cooks": _num(inf.max_cooks),
            "refits": [{"rule": r.rule, "cutoff": r.cutoff, "n_dropped": r.n_dropped,
                        "labels_p_before": _num(r.labels_p_before), "labels_p_after": _num(r.labels_p_after),
                        "terms": {t.term: {"before": _num(t.before.estimate), "after": _num(t.after.estimate),
                                           "flips_sign": t.flips_sign, "verdict_changes": t.verdict_changes}
                                  for t in r.terms}} for r in inf.refits]}


def contract(ev: Evidence) -> dict:
    """The issue's three keys plus two, ready for ``json.dumps(..., allow_nan=False)``."""
    return {"specification": specification_dict(ev), "models": models_dict(ev), "claims": claims_list(ev),
            "segment_value": segment_value_dict(ev), "influence": influence_dict(ev)}
