"""The executive layer: three findings and the recommended actions.

It composes sentences that :mod:`analysis.report.prose` already words by rule and
adds the campaign lists of :mod:`analysis.model.targeting`; it decides no direction
or significance of its own, so the summary can never disagree with a chapter.
"""
from __future__ import annotations

from ..model.results import ModelResults
from ..model.targeting import Targeting
from .formatting import integer, percent, usd
from .prose import typical_error_usd, high_value_premium, labels_add_power, misalignment_sentences, rfm_effect

FINDING_TITLES = ("Recency, frequency and basket size", "What the CRM labels add",
                  "Labels that disagree with behaviour")


def findings(r: ModelResults, robust: bool | None = None) -> tuple[str, str, str]:
    """Three findings, each with its dollar figures, in the order leadership asked the questions.

    The third is the misalignment finding alone (its first sentence), without what
    it means for win-back: the actions below say that.
    """
    rfm = " ".join(rfm_effect(r, predictor) for predictor in ("Frequency", "MonetaryValue", "Recency"))
    labels = f"{high_value_premium(r, robust)} {labels_add_power(r)}"
    return rfm, labels, misalignment_sentences(r)[0]


def findings_markdown(r: ModelResults, robust: bool | None = None) -> str:
    """``robust``: whether the High Value contrast's sign holds in every admissible model (issue 10)."""
    items = [f"{i}. **{title}.** {text}"
             for i, (title, text) in enumerate(zip(FINDING_TITLES, findings(r, robust)), 1)]
    return "\n".join(items) + "\n"


def action_lines(targeting: Targeting) -> list[str]:
    lines = []
    for target in targeting.lists:
        value = (f"modelled value {usd(target.expected_value_total, 0)} in total, "
                 f"{usd(target.expected_value_mean, 0)} per customer" if target.size else "no customers qualify")
        lines.append(f"**{target.name}** ({integer(target.size)} customers; {value}): {target.action}. "
                     f"*Rule:* {target.rule}.")
    return lines


def actions_markdown(targeting: Targeting) -> str:
    """The campaign lists as a bulleted list: name, size, modelled value, action and rule."""
    return "\n".join(f"- {line}" for line in action_lines(targeting)) + "\n"


def budget_implications(r: ModelResults, targeting: Targeting) -> str:
    """What the unexplained variance means for budgets; the lists' own bands are the evidence layer's.

    No pooled-sigma "±" band (it ignored unequal variance and parameter uncertainty, issue 11)
    and no advice to "lean on" a model of value: it predicts value, not a campaign's effect.
    """
    sentences = [f"A single customer's modelled value is typically off by about {typical_error_usd(r)} "
                 f"(median absolute error; the root-mean-square error is {usd(r.full.sigma)}), so individual "
                 "predictions should sort customers into tiers rather than rank them one by one.",
                 "Each list's total, with an interval that includes parameter uncertainty and the list's own "
                 "residual spread, is set against its actual total in the Targeting chapter. The model predicts "
                 "value, not what a campaign would change; only a randomised holdout measures that."]
    return " ".join(sentences)
