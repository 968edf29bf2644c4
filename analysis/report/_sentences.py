"""Shared pieces of the report's sentences: display precision, vocabulary, predictor wording, helpers.

:mod:`analysis.report.prose`, :mod:`analysis.report.caveats` and
:mod:`analysis.report.briefing` build their sentences from these, so a dollar
amount, a direction word or a list of nouns reads the same in every paragraph.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..data import PREDICTORS
from ..model.results import ModelResults
from .formatting import number, usd

# --- display precision --------------------------------------------------------------------
# The same precision the tables use, so a sentence and a cell print the same digits.
USD_DECIMALS = 2
SHARE_DECIMALS = 1
STAT_DECIMALS = 2
F_DECIMALS = 1          # the fit table shows F statistics to one decimal

# --- vocabulary: the only place direction words are chosen -----------------------------------
COMPARATIVE = {1: "higher", -1: "lower"}   # "... $24.31 higher customer value"
QUANTITY = {1: "more", -1: "less"}         # "... have $155.40 more customer value"
ASSOCIATED = "is associated with"
INDISTINGUISHABLE = "indistinguishable from zero"


@dataclass(frozen=True)
class PredictorWording:
    """How a reader talks about one RFM predictor, and the step they think in."""

    noun: str          # in "holding ... constant"
    step: float        # the reader's unit, in the predictor's own units
    step_phrase: str   # the subject of the sentence for one step
    per_step: str      # "per 30 days"
    per_unit: str      # the coefficient table's unit, "per day"


PREDICTOR_WORDING = {
    "Recency": PredictorWording("recency", 30, "every 30 days since the last order",
                                "per 30 days since the last order", "per day"),
    "Frequency": PredictorWording("order frequency", 1, "each additional order in the last 12 months",
                                  "per order", "per order"),
    "MonetaryValue": PredictorWording("basket size", 10, "each additional $10 of average basket",
                                      "per $10 of average basket", "per $1 of average basket"),
}


# --- small shared pieces --------------------------------------------------------------------

def dollars(value: float) -> str:
    return usd(value, USD_DECIMALS)


def significant(value: float, digits: int = 2) -> str:
    """A small statistic with ``digits`` significant digits, so 4/n stays readable at any n.

    >>> significant(4 / 1_000_000, 1), significant(0.02867)
    ('0.000004', '0.029')
    """
    if value == 0 or not math.isfinite(value):
        return number(value, digits)
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return number(value, decimals)


def sign(value: float) -> int:
    return 1 if value >= 0 else -1



def excludes_zero(ci_low: float, ci_high: float) -> bool:
    """The significance rule: the reported interval lies entirely on one side of zero."""
    return ci_low > 0 or ci_high < 0


def magnitude_interval(ci_low: float, ci_high: float) -> tuple[float, float]:
    """An interval on one side of zero as (smaller, larger) magnitudes, for "$a to $b lower"."""
    return tuple(sorted((abs(ci_low), abs(ci_high))))


def join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def holding_clause(r: ModelResults, predictor: str | None) -> str:
    others = [PREDICTOR_WORDING[p].noun for p in PREDICTORS if p != predictor]
    if len(r.levels) > 1:
        others.append("segment")
    return f"Holding {join(others)} constant"


def rfm_nouns() -> str:
    return join([PREDICTOR_WORDING[p].noun for p in PREDICTORS])


def require_term(r: ModelResults, term: str) -> None:
    if term not in r.reported.index:
        known = ", ".join(r.reported.index)
        raise KeyError(f"{term!r} is not a term of this model; the terms are: {known}")



def customers_model(count: int) -> str:
    return "customer models" if count == 1 else "customers model"


def contrast(r: ModelResults, level: str, versus: str) -> tuple[float, float, float]:
    """``level`` minus ``versus`` in dollars beyond RFM, with its reported CI."""
    frame = r.contrasts
    forward = frame[(frame["segment"] == level) & (frame["versus"] == versus)]
    if len(forward):
        row = forward.iloc[0]
        return float(row.difference), float(row.ci_low), float(row.ci_high)
    backward = frame[(frame["segment"] == versus) & (frame["versus"] == level)]
    if len(backward):
        row = backward.iloc[0]
        return -float(row.difference), -float(row.ci_high), -float(row.ci_low)
    raise KeyError(f"no contrast between {level!r} and {versus!r}; the segments are: {', '.join(r.levels)}")


def directional(estimate: float, low: float, high: float, ci: str, words: dict[int, str]) -> tuple[str, str]:
    """An effect whose interval lies on one side of zero: ``("$24.31 higher", "(95% CI $20.00 to $28.62 higher)")``.

    ``words`` is :data:`COMPARATIVE` or :data:`QUANTITY`; the interval is stated as
    magnitudes with the same direction word, so a negative effect reads "$a to $b lower".
    """
    word = words[sign(estimate)]
    small, large = magnitude_interval(low, high)
    return f"{dollars(abs(estimate))} {word}", f"({ci} {dollars(small)} to {dollars(large)} {word})"


def undirected(estimate: float, low: float, high: float, ci: str) -> tuple[str, str]:
    """An effect whose interval spans zero, signed and without a direction word: ``("-$1.20", "(95% CI ...)")``."""
    return dollars(estimate), f"({ci} {dollars(low)} to {dollars(high)})"

