"""The campaign lists of an in-engine fit: counted and totalled in the engine, exported top-N.

The same rules as :func:`analysis.model.targeting.build_targeting` (win-back, then
retention, then upsell; a customer lands on the first list whose rule it meets),
written as engine expressions over :func:`~.scores.customer_scores`. Each list's
size and modelled total come from one ``GROUP BY``; its members are the first
:data:`LIST_EXPORT` by RFM-predicted value (the order the page shows them in).
"""
from __future__ import annotations

from dataclasses import dataclass

import ibis

from ..targeting import MEMBER_COLUMNS, TARGET_RULES, TargetList, TargetRule, Targeting, list_total_uncertainty
from .fit import EngineFit

LIST_EXPORT = 5_000  # members fetched per list: a campaign's first wave, and what the CSV download holds


@dataclass(frozen=True)
class EngineTargetList(TargetList):
    """A list whose ``members`` are its first :data:`LIST_EXPORT`; size and total are the whole list's."""

    count: int = 0
    fitted_total: float = 0.0

    @property
    def size(self) -> int:
        return self.count

    @property
    def expected_value_total(self) -> float:
        return self.fitted_total

    @property
    def expected_value_mean(self) -> float:
        return self.fitted_total / self.count if self.count else float("nan")

    @property
    def exported(self) -> int:
        return len(self.members)


def _selects(rule: TargetRule, scores: ibis.Table, raw: dict, threshold: float) -> ibis.Value:
    labels = [label for level in rule.segments for label in raw.get(level, ())]
    mask = scores["Segment"].isin(labels) if labels else ibis.literal(False)
    if rule.min_rfm_quartile is not None:
        mask &= scores["rfm_quartile"] >= rule.min_rfm_quartile
    if rule.top_modelled_quartile:
        mask &= scores["fitted"] > threshold
    if rule.min_recency is not None:
        mask &= scores["Recency"] >= rule.min_recency
    if rule.max_recency is not None:
        mask &= scores["Recency"] <= rule.max_recency
    return mask


def engine_targeting(fit: EngineFit, scores: ibis.Table, top_quartile_threshold: float,
                     rules: tuple[TargetRule, ...] = TARGET_RULES, export: int = LIST_EXPORT) -> Targeting:
    """The lists for an in-engine fit; ``top_quartile_threshold`` is the exact 75th percentile of fitted value."""
    taken = ibis.literal(False)
    chosen = {}
    for rule in rules:
        chosen[rule.key] = _selects(rule, scores, fit.raw_labels, top_quartile_threshold) & ~taken
        taken = taken | chosen[rule.key]
    totals = scores.aggregate(**{f"n_{k}": m.cast("int64").sum() for k, m in chosen.items()},
                              **{f"v_{k}": ibis.ifelse(m, scores["fitted"], 0.0).sum() for k, m in chosen.items()}
                              ).to_pandas().iloc[0]
    sigma = fit.results.full.sigma
    lists = []
    for rule in rules:
        count = int(totals[f"n_{rule.key}"] or 0)
        members = (scores.filter(chosen[rule.key]).order_by([ibis.desc("rfm_prediction"), "CustomerID"])
                   .limit(export).select(*MEMBER_COLUMNS).to_pandas().reset_index(drop=True))
        lists.append(EngineTargetList(
            key=rule.key, name=rule.name, rule=rule.rule.format(threshold=f"{top_quartile_threshold:,.0f}"),
            action=rule.action, members=members, total_uncertainty=list_total_uncertainty(sigma, count),
            count=count, fitted_total=float(totals[f"v_{rule.key}"] or 0.0)))
    return Targeting(lists=tuple(lists), top_quartile_threshold=top_quartile_threshold, model="linear")
