"""The executive layer: three findings and the recommended actions.

It composes sentences that :mod:`analysis.prose` already words by rule and adds the
campaign lists from :mod:`analysis.targeting`; it decides no direction or
significance of its own, so the summary can never disagree with a chapter.
"""
from __future__ import annotations

from .formatting import integer, usd
from .prose import high_value_premium, labels_add_power, misalignment, rfm_effect
from ..model.results import ModelResults
from ..model.targeting import Targeting, build_targeting

FINDING_TITLES = ("Recency, frequency and basket size", "What the CRM labels add",
                  "Labels that disagree with behaviour")


def _first_sentence(paragraph: str) -> str:
    head, separator, _ = paragraph.partition(". ")
    return head + ("." if separator else "")


def findings(r: ModelResults) -> tuple[str, str, str]:
    """Three findings, each with its dollar figures, in the order leadership asked the questions."""
    rfm = " ".join(rfm_effect(r, predictor) for predictor in ("Frequency", "MonetaryValue", "Recency"))
    labels = f"{high_value_premium(r)} {labels_add_power(r)}"
    return rfm, labels, _first_sentence(misalignment(r))


def findings_markdown(r: ModelResults) -> str:
    items = [f"{i}. **{title}.** {text}" for i, (title, text) in enumerate(zip(FINDING_TITLES, findings(r)), 1)]
    return "\n".join(items) + "\n"


def action_lines(targeting: Targeting) -> list[str]:
    lines = []
    for target in targeting.lists:
        value = (f"modelled value {usd(target.expected_value_total, 0)} in total, "
                 f"{usd(target.expected_value_mean, 0)} per customer" if target.size else "no customers qualify")
        lines.append(f"**{target.name}** ({integer(target.size)} customers; {value}): {target.action}. "
                     f"*Rule:* {target.rule}.")
    return lines


def actions_markdown(r: ModelResults, targeting: Targeting | None = None) -> str:
    targeting = targeting or build_targeting(r)
    return "\n".join(f"- {line}" for line in action_lines(targeting)) + "\n"


def list_total_uncertainty(r: ModelResults, size: int) -> float:
    """About two standard errors of a list's summed customer value from individual noise alone.

    Individual errors (spread: the residual SE) partly cancel in a sum: the sum of n
    independent errors has spread sigma * sqrt(n), so a list's total is known far more
    precisely than any one customer's value. Coefficient uncertainty comes on top.
    """
    return 2 * r.full.sigma * size ** 0.5


def budget_implications(r: ModelResults, targeting: Targeting | None = None) -> str:
    """What the unexplained variance means for budgets, in the lists' own numbers."""
    targeting = targeting or build_targeting(r)
    sigma = usd(r.full.sigma)
    sentences = [f"A single customer's modelled value is typically off by about {sigma}, so "
                 "individual predictions should sort customers into tiers rather than rank them one by one."]
    for target in targeting.lists:
        if target.size == 0:
            continue
        band = list_total_uncertainty(r, target.size)
        share = band / abs(target.expected_value_total) if target.expected_value_total else float("nan")
        sentences.append(
            f"For the {integer(target.size)}-customer {target.name.lower()} list, individual errors largely "
            f"cancel: its modelled total of {usd(target.expected_value_total, 0)} is uncertain by roughly "
            f"±{usd(band, 0)} ({share:.1%}) from customer-level noise alone.")
    sentences.append("Budgets set for whole lists can therefore lean on the model; decisions about single "
                     "customers should use it as one input among others.")
    return " ".join(sentences)
