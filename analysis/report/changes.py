"""What changed since the last published build, in words: one sentence when nothing moved, else bullets.

Reads a :class:`~analysis.model.changes.ModelChanges` (or why there is none) and
decides nothing of its own; every rule is in :mod:`analysis.model.changes`.
Every name taken from the previous ``model.json`` (terms, segments, reference,
standard-error type, why it could not be read) is escaped for markdown: that
file comes from outside this build and is printed with ``output: asis``.
"""
from __future__ import annotations

from ..model.changes import R_SQUARED_DECIMALS, Comparison, ModelChanges
from ..model.results import PREDICTOR_UNITS, segment_level_of
from ..io.escape_markdown import markdown_text
from .formatting import integer, number, usd, usd_interval
from .wording import confidence_level, p_phrase, significance_level

FIRST_BUILD_TEXT = "This is the first build: there is no previous model to compare."


def term_label(term: str, reference: str) -> str:
    """How a summary names a term: ``Frequency`` or ``At Risk (vs Low Value)``."""
    level = segment_level_of(term)
    return markdown_text(f"{level} (vs {reference})" if level is not None else term)


def _value(term: str, value: float) -> str:
    unit = PREDICTOR_UNITS.get(term)
    return f"{usd(value)} {unit}" if unit else usd(value)


def _signed(text_of_magnitude: str, value: float) -> str:
    return f"+{text_of_magnitude}" if value > 0 else (f"-{text_of_magnitude}" if value < 0 else text_of_magnitude)


def _count_change(old: int, new: int) -> str:
    return f"from {integer(old)} to {integer(new)} ({_signed(integer(abs(new - old)), new - old)})"


def _r_squared_sentence(changes: ModelChanges) -> str:
    old = number(changes.previous_r_squared, R_SQUARED_DECIMALS)
    new = number(changes.current_r_squared, R_SQUARED_DECIMALS)
    if not changes.r_squared_changed:
        return f"R² is unchanged at {new}."
    direction = "rose" if changes.r_squared_change > 0 else "fell"
    delta = _signed(number(abs(changes.r_squared_change), R_SQUARED_DECIMALS), changes.r_squared_change)
    return f"R² {direction} from {old} to {new} ({delta})."


def _moves_sentence(changes: ModelChanges, level: str) -> str:
    if not changes.moved_outside_ci:
        return f"No coefficient moved outside its previous {level} confidence interval."
    items = [f"{term_label(m.term, changes.current_reference)} is now {_value(m.term, m.current)} "
             f"(previously {usd(m.previous)}, {level} CI {usd_interval(m.previous_ci_low, m.previous_ci_high)})"
             for m in changes.moved_outside_ci]
    return f"Outside the previous {level} confidence interval: " + "; ".join(items) + "."


def _signs_sentence(changes: ModelChanges) -> str:
    if not changes.sign_flips:
        return "No coefficient changed sign."
    items = [f"{term_label(f.term, changes.current_reference)} from {usd(f.previous)} to {usd(f.current)}"
             for f in changes.sign_flips]
    return "Changed sign: " + "; ".join(items) + "."


def _significance_sentence(changes: ModelChanges, level: str) -> str:
    where = f"at the {significance_level(changes.alpha)} level"
    if not changes.significance_flips:
        return f"No coefficient changed statistical significance {where}."
    items = []
    for flip in changes.significance_flips:
        status = ("is now statistically distinguishable from zero" if flip.now_significant
                  else "is no longer statistically distinguishable from zero")
        items.append(f"{term_label(flip.term, changes.current_reference)} {status} "
                     f"({p_phrase(flip.current_p)}; previously {p_phrase(flip.previous_p)})")
    return f"Changed significance {where}: " + "; ".join(items) + "."


def _segments_sentence(changes: ModelChanges) -> str:
    if changes.segment_size_changes is None:
        return "The previous model.json does not record segment sizes, so they are not compared."
    total = ("" if changes.previous_n == changes.current_n
             else f" Customers in total: {_count_change(changes.previous_n, changes.current_n)}.")
    if not changes.segment_size_changes:
        return "Segment sizes are unchanged." + total
    items = []
    for change in changes.segment_size_changes:
        if change.previous is None:
            items.append(f"{markdown_text(change.segment)} is new ({integer(change.current)} customers)")
        elif change.current is None:
            items.append(f"{markdown_text(change.segment)} is no longer in the data (previously {integer(change.previous)})")
        else:
            items.append(f"{markdown_text(change.segment)} {_count_change(change.previous, change.current)}")
    return "Segment sizes: " + "; ".join(items) + "." + total


def _misaligned_sentence(changes: ModelChanges) -> str:
    subject = "Customers whose CRM label disagrees with their RFM-predicted value"
    if changes.misaligned_change is None:
        return "The previous model.json does not record the misaligned count, so it is not compared."
    if changes.misaligned_change == 0:
        return f"{subject}: unchanged at {integer(changes.current_misaligned)}."
    return f"{subject}: {_count_change(changes.previous_misaligned, changes.current_misaligned)}."


def _context_sentences(changes: ModelChanges) -> list[str]:
    notes = []
    if changes.reference_changed:
        notes.append(f"The reference segment changed from {markdown_text(changes.previous_reference)} to "
                     f"{markdown_text(changes.current_reference)}, so segment effects measure different comparisons "
                     "and only Recency, Frequency and MonetaryValue are compared.")
    if changes.se_type_changed:
        notes.append(f"Standard errors switched from {markdown_text(changes.previous_se_type)} to "
                     f"{markdown_text(changes.current_se_type)} "
                     "(the Breusch–Pagan test decides), which by itself moves intervals and p-values.")
    for terms, what in ((changes.added_terms, "New in this build"),
                        (changes.removed_terms, "No longer in the model")):
        if terms:
            labels = ", ".join(term_label(t, changes.current_reference) for t in terms)
            notes.append(f"{what}: {labels}.")
    return notes


def changes_markdown(changes: ModelChanges) -> str:
    """Markdown for the executive summary: one sentence when nothing moved, else bullets."""
    level = confidence_level(changes.alpha)
    if changes.nothing_moved:
        return (f"Compared with the previous build, nothing moved: R² is unchanged at "
                f"{number(changes.current_r_squared, R_SQUARED_DECIMALS)}, no coefficient left its previous "
                f"{level} confidence interval or changed sign or significance, and segment sizes and the "
                f"number of misaligned customers ({integer(changes.current_misaligned)}) are the same.")
    lead = "Compared with the previous build"
    if changes.same_data:
        lead += " (same data file, identical SHA-256)"
    bullets = [*_context_sentences(changes), _r_squared_sentence(changes), _moves_sentence(changes, level),
               _signs_sentence(changes), _significance_sentence(changes, level),
               _segments_sentence(changes), _misaligned_sentence(changes)]
    return f"{lead}:\n\n" + "\n".join(f"- {bullet}" for bullet in bullets) + "\n"


def what_changed(comparison: Comparison) -> str:
    """The executive summary's "what changed since the last refresh" as markdown.

    Parameters
    ----------
    comparison : Comparison
        ``report.setup().changes``: this build against the previous build's ``model.json``.
    """
    if comparison.problem:
        return (f"Could not read the previous model.json ({markdown_text(comparison.problem)}), "
                "so this build is not compared with the last one.")
    if comparison.changes is None:
        return FIRST_BUILD_TEXT
    return changes_markdown(comparison.changes)
