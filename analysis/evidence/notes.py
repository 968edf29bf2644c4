"""Rule-based wording decisions for the evidence layer: data, not prose.

Each function takes computed numbers and returns a small decision (a word, a flag, a
format) that a render module prints; a test covers each rule in both directions. Rules:

- :func:`segment_word`: "premium" / "overstates" only when the sign is robust across the
  admissible models AND the linear interval excludes zero; otherwise "depends on the model"
  (or "no clear difference"). A negative value is never a premium.
- :func:`claim_wording`: firm only when robust; otherwise "depends on the model" and where not.
- :func:`profile_phrase`: "customers with the same RFM profile" only when the label
  overlaps the reference on RFM; otherwise the contrast is named an extrapolation.
- :func:`error_names`: "typical error" is the median absolute error; the residual SE is
  "root-mean-square error".
- :func:`delta_r2`: from unrounded R-squared values, then rounded once.
- :func:`ci_decimals`: enough decimals that the printed interval shows whether it
  excludes zero (never "$0.00 to $0.14" beside p = 0.039).
- :func:`specification_notes`: one note per alarm, and a single all-clear note when none fires.
- :data:`RETENTION_MIN_DAYS` / :data:`UPSELL_MAX_DAYS`: the retention ("more than 30
  days") and upsell ("within 30 days") rules no longer overlap at exactly 30 days.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .claims import Claim
from .specification import POOR_OVERLAP, SpecificationChecks

RECENCY_SPLIT_DAYS = 30
#: Retention: Recency > 30 days; upsell: Recency <= 30 days. Day 30 belongs to upsell only.
RETENTION_MIN_DAYS = RECENCY_SPLIT_DAYS + 1
UPSELL_MAX_DAYS = RECENCY_SPLIT_DAYS


@dataclass(frozen=True)
class SegmentWording:
    word: str  # "premium", "overstates", "depends on the model", "no clear difference"
    firm: bool  # may the sentence be stated without qualification?


def segment_word(claim: Claim, linear_excludes_zero: bool) -> SegmentWording:
    """Word for a label's contrast with the reference, from its sign AND its robustness."""
    estimate = claim.models["linear"].estimate
    if not claim.robust:
        return SegmentWording("depends on the model", False)
    if not linear_excludes_zero:
        return SegmentWording("no clear difference", False)
    return SegmentWording("premium" if estimate > 0 else "overstates", True)


@dataclass(frozen=True)
class ClaimWording:
    firm: bool
    qualifier: str  # appended to the claim: how far it holds


def claim_wording(claim: Claim, labels: dict[str, str] | None = None) -> ClaimWording:
    """State a claim firmly only when robust; otherwise name the models it fails in."""
    if claim.robust:
        return ClaimWording(True, f"in every model checked ({len(claim.models)})")
    names = [labels.get(m, m) if labels else m for m in claim.disagreeing]
    return ClaimWording(False, "depends on the model: it does not hold in " + ", ".join(names))


def profile_phrase(overlap_share: float) -> str:
    """How to name a contrast given the label's RFM overlap with the reference."""
    if overlap_share >= POOR_OVERLAP:
        return "customers with the same RFM profile"
    return ("an extrapolation: few of these customers have an RFM profile that "
            "reference customers also have")


@dataclass(frozen=True)
class ErrorNames:
    typical_error: float  # median absolute error, named "typical error"
    rms_error: float  # residual SE, named "root-mean-square error"
    typical_label: str = "typical (median absolute) error"
    rms_label: str = "root-mean-square error (residual SE)"


def error_names(median_abs_error: float, rms_error: float) -> ErrorNames:
    return ErrorNames(median_abs_error, rms_error)


def delta_r2(r2_full: float, r2_reduced: float, decimals: int = 1) -> float:
    """Percentage-point gain, computed from unrounded values and rounded once."""
    return round(100 * (r2_full - r2_reduced), decimals)


def ci_decimals(low: float, high: float, base: int = 2, most: int = 8) -> int:
    """Fewest decimals (>= ``base``) at which the rounded interval keeps its zero verdict.

    An interval that excludes zero must not print an endpoint of 0.00, and one that
    includes zero must not look as if it excludes it.
    """
    excludes = low > 0 or high < 0
    for d in range(base, most + 1):
        lo, hi = round(low, d), round(high, d)
        if (lo > 0 or hi < 0) == excludes and lo != 0 and hi != 0:
            return d
    return most


@dataclass(frozen=True)
class Note:
    key: str
    alarm: bool
    text: str


_TEST_TEXT = {
    "reset": "RESET finds curvature the straight line misses",
    "segment_interactions": "the RFM effects differ by label (Segment x RFM interactions)",
    "frequency_x_monetary": "Frequency and MonetaryValue interact (value grows with their product)",
    "recency_spline": "the Recency effect is not a straight line (natural spline)",
}


def specification_notes(checks: SpecificationChecks) -> tuple[Note, ...]:
    """One note per alarm; one all-clear note when the linear form passes every check."""
    notes = [Note(t.name, True, f"{_TEST_TEXT[t.name]} (p {_p(t.p)}, R-squared +{100 * t.r2_gain:.1f} points)")
             for t in checks.tests if t.alarm]
    if checks.negative_fitted_alarm:
        notes.append(Note("negative_fitted", True,
                          f"{100 * checks.negative_fitted_share:.1f}% of customers get a negative "
                          "fitted value, although no actual value is negative"))
    if not notes:
        notes.append(Note("all_clear", False, "none of the specification checks finds a departure "
                          "from the straight-line model that matters"))
    for seg in checks.poorly_overlapping:
        share = checks.segment_overlap[seg]
        who = (f"none of the {seg} customers has" if share == 0 else
               f"fewer than 1% of {seg} customers have" if share < 0.01 else
               f"only {100 * share:.0f}% of {seg} customers have")
        notes.append(Note(f"overlap:{seg}", True,
                          f"{who} an RFM profile that {checks.reference} customers also have: "
                          "their contrast is an extrapolation"))
    return tuple(notes)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if not math.isnan(p) else "n/a"
