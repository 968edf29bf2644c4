"""Sentences for issues 10 and 11 (markdown, plain-text numbers), read from a computed ModelEvidence.

Each function only reads :class:`analysis.model.evidence.ModelEvidence` and the wording rules of
:mod:`analysis.evidence.notes` / :mod:`analysis.evidence.validation_notes`; it never fits. The
rules (tested both ways in tests/report/test_evidence_prose.py):

- misspecification: one sentence per alarm, or "none of the checks fires";
- segment value: mean residual, marginal mean and contrast named as what each is; "premium" /
  "overstates" only when the sign is robust and the linear interval excludes zero, never
  "premium" for a negative value;
- claims: firm only when robust, otherwise "depends on the model" and where it fails.
"""
from __future__ import annotations

from ..evidence import validation_notes as vn
from ..evidence.notes import claim_wording, profile_phrase, segment_word, specification_notes
from ..model.evidence import ModelEvidence
from .formatting import usd
from .warehouse_notes import is_warehouse
from ..io.escape_markdown import markdown_text


def md(text: str) -> str:
    """Sentences are built from escaped names and numbers; dollar amounts are always followed by a
    digit, which Pandoc never reads as closing math, so the text passes through unchanged."""
    return text


def high_value_robust(ev: ModelEvidence | None, segment: str = "High Value") -> bool | None:
    """Whether the segment's contrast has the same sign in every admissible model (None: no claim)."""
    return None if ev is None else ev.segment_robust(segment)


def _labels(ev: ModelEvidence) -> dict[str, str]:
    return {name: m.spec.label for name, m in ev.evidence.models.items()}


def misspecification(ev: ModelEvidence) -> str:
    """Whether the straight-line model passes the specification checks, in words."""
    checks = ev.evidence.specification
    notes = specification_notes(checks)
    alarms = [n.text for n in notes if n.alarm and not n.key.startswith("overlap:")]
    overlap = [n.text for n in notes if n.key.startswith("overlap:")]
    if alarms:
        lead = ("**The straight-line model is misspecified on these data.** Its coefficients are still "
                "reported first, as the brief asks, but each claim is checked against the competing models. "
                "The checks that fire:\n\n" + "\n".join(f"- {a[0].upper() + a[1:]}." for a in alarms) + "\n")
    else:
        lead = ("None of the checks fires: RESET, the Segment x RFM and Frequency x MonetaryValue "
                "interaction tests, the Recency spline test and the negative-fitted-value check all find no "
                "departure from the straight-line model that matters.")
    if overlap:
        lead += ("\n" if alarms else " ") + " ".join(markdown_text(o[0].upper() + o[1:] + ".") for o in overlap)
    return md(lead)


def segment_value_sentence(ev: ModelEvidence, segment: str = "High Value") -> str:
    """One segment's value beyond RFM: the three numbers, each named, and the robustness-aware word."""
    e = ev.evidence
    value = next((v for v in e.segment_values if v.segment == segment), None)
    claim = next((c for c in e.claims if c.key == f"segment:{segment}"), None)
    if value is None:
        return ""
    name = markdown_text(segment)
    parts = [f"{name} customers' **mean residual** against the RFM-only model is "
             f"{usd(value.mean_residual.estimate)} ({usd(value.mean_residual.ci_low)} to "
             f"{usd(value.mean_residual.ci_high)}): what they are worth beyond what R, F and M alone predict."]
    parts.append(f"Their **estimated marginal mean** at the common RFM profile is {usd(value.marginal_mean.estimate)}.")
    if value.contrast is None or claim is None:
        return md(" ".join(parts))
    overlap = e.specification.segment_overlap.get(segment, 1.0)
    effect = e.effects["linear"].get(f"Segment[{segment}]")
    word = segment_word(claim, bool(effect.excludes_zero) if effect is not None else False)
    c = value.contrast
    contrast = (f"The **contrast** with {markdown_text(e.reference)} in the brief's linear model is {usd(c.estimate)} "
                f"({usd(c.ci_low)} to {usd(c.ci_high)}), " + _contrast_kind(profile_phrase(overlap)) + ".")
    parts.append(contrast)
    if word.word == "premium":
        parts.append("The label carries a premium beyond RFM in every model checked.")
    elif word.word == "overstates":
        parts.append("In every model checked the label overstates these customers' value beyond RFM.")
    elif word.word == "no clear difference":
        parts.append("The sign agrees across the models, but the linear interval includes zero: no clear difference.")
    else:
        others = ", ".join(_labels(ev).get(m, m) for m in claim.disagreeing)
        parts.append(f"Whether the label adds or subtracts value depends on the model: the sign differs in {others}.")
    return md(" ".join(parts))


def _contrast_kind(phrase: str) -> str:
    return phrase if phrase.startswith("an extrapolation") else f"a comparison of {phrase}"


_RULE_NAMES = {"cooks_above_cutoff": "Cook's distance above the cut-off", "top_share": "the top share of Cook's distances"}


def segment_value_key_figure(ev: ModelEvidence, segment: str = "High Value", results=None) -> str:
    """The key-figure value: the contrast, named with the robustness-aware word (never "premium" if negative).

    For a warehouse table (``results`` fitted in the engine) the contrast is the full-table
    fit's coefficient, the number the coefficient table shows; the evidence was computed on
    the engine's sample, so the mean residual is labelled as the sample's.
    """
    e = ev.evidence
    value = next((v for v in e.segment_values if v.segment == segment), None)
    claim = next((c for c in e.claims if c.key == f"segment:{segment}"), None)
    if value is None or value.contrast is None or claim is None:
        return "not estimable on these data"
    effect = e.effects["linear"].get(f"Segment[{segment}]")
    word = segment_word(claim, bool(effect.excludes_zero) if effect is not None else False)
    tail = {"premium": "a premium in every model checked", "overstates": "the label overstates value in every model checked",
            "no clear difference": "no clear difference", "depends on the model": "depends on the model"}[word.word]
    estimate, residual = value.contrast.estimate, "mean residual"
    if results is not None and is_warehouse(results):
        estimate = float(results.coefficient(f"Segment[{segment}]").estimate)
        residual = "mean residual in the sample"
    return md(f"{usd(estimate)} against {markdown_text(e.reference)} ({tail}); {residual} "
              f"{usd(value.mean_residual.estimate)}")


def claims_summary(ev: ModelEvidence) -> str:
    """Which headline claims hold in every admissible model, and which depend on the model."""
    labels = _labels(ev)
    firm, fragile = [], []
    for c in ev.evidence.claims:
        w = claim_wording(c, labels)
        (firm if w.firm else fragile).append((c.claim, w.qualifier))
    models = sorted({m for c in ev.evidence.claims for m in c.models})
    names = ", ".join(labels.get(m, m) for m in models)
    lead = (f"Each headline claim was checked in {len(models)} models ({names})." if len(models) > 1 else
            "No competing model passes the admission check (negative fitted values for no more customers "
            "than the brief's linear model), so no claim could be checked against an alternative and none "
            "is stated firmly.")
    if not fragile and len(models) > 1:
        return md(lead + " Every claim holds in all of them, so each is stated firmly.")
    if not fragile:
        return md(lead)
    text = lead + f" {len(firm)} of {len(firm) + len(fragile)} claims hold in every one. These depend on the model: "
    text += "; ".join(f"{claim} ({q.replace('depends on the model: ', '')})" for claim, q in fragile) + "."
    return md(text)


def influence_sentence(ev: ModelEvidence) -> str:
    """Which refits without influential customers move a coefficient or a claim."""
    inf = ev.evidence.influence
    parts = [f"Influence is judged with Cook's distance above {inf.cooks_cutoff:g} and, separately, the top "
             f"{100 * inf.top_share:.1f}% of Cook's distances (largest: {inf.max_cooks:.3g})."]
    for refit in inf.refits:
        flips = [t.term for t in refit.terms if t.flips_sign]
        if refit.n_dropped == 0:
            parts.append(f"No customer meets the rule '{_RULE_NAMES.get(refit.rule, refit.rule)}', so nothing is refitted.")
            continue
        what = (f"the sign of {', '.join(flips)} flips" if flips else "no coefficient changes sign")
        claim = " and the 'labels add power' verdict changes" if refit.labels_claim_changes else ""
        parts.append(f"Dropping {refit.n_dropped:,} customers ({_RULE_NAMES.get(refit.rule, refit.rule)}): {what}{claim}.")
    return md(" ".join(parts))


def prediction_headline(ev: ModelEvidence) -> str:
    """The best model (one-SE rule) and the gains headline."""
    p = ev.prediction
    return best_model(ev) + " " + gains(ev)


def gains_key_figure(ev: ModelEvidence) -> str:
    g = ev.prediction.gains
    return md(f"{100 * g.captured_share['best']:.1f}% of value (model) vs {100 * g.captured_share['labels']:.1f}% "
              f"(CRM label), list of {g.list_size:,}")


def uplift_and_test(ev: ModelEvidence) -> str:
    """The uplift caveat and the proposed randomised test, sized on the retention list if it exists."""
    lists = {t.key: t for t in ev.targeting.lists}
    chosen = max(lists.values(), key=lambda t: t.size)
    values = chosen.members["CustomerValue"].to_numpy(float)
    text = vn.uplift_caveat()
    if len(values) >= 2:
        text += " " + vn.holdout_sentence(vn.holdout_test_design(values, len(values)))
    return md(text)


def coverage(ev: ModelEvidence) -> str:
    return md(vn.coverage_sentence(ev.prediction.intervals))


def misalignment(ev: ModelEvidence) -> str:
    """Point-prediction count next to the interval-based count, per label, plus the circularity note."""
    rows = ev.prediction.misaligned
    text = [vn.misalignment_sentence(markdown_text(r.segment), int(r.point_count), int(r.interval_count))
            for r in rows.itertuples() if r.point_count or r.interval_count]
    if not text:
        text = ["No label is misaligned with the model by either count."]
    circular = vn.circularity_sentence(ev.prediction.label_recovery)
    if circular:
        text.append(circular)
    return md(" ".join(text))


def list_totals(ev: ModelEvidence) -> str:
    if not ev.list_totals:
        return "No list has enough customers for an interval on its total."
    return md("\n\n".join(vn.list_total_sentence(t) for t in ev.list_totals))


def no_overlap(ev: ModelEvidence) -> str:
    """Retention and upsell never share a customer (retention: more than 30 days; upsell: 30 days or fewer)."""
    t = {x.key: x for x in ev.targeting.lists}
    shared = len(set(t["retention"].members["CustomerID"]) & set(t["upsell"].members["CustomerID"])) \
        if "retention" in t and "upsell" in t else 0
    if shared:
        return md(f"{shared:,} customers meet both the retention and the upsell recency rule.")
    return ("The retention rule (no order for more than 30 days) and the upsell rule (ordered in the last "
            "30 days) cannot both hold, so no customer is on both lists.")


def labels_wald(ev: ModelEvidence) -> tuple[float, float] | None:
    """The linear model's HC3 Wald test that the labels add nothing: (F, p), from the claims."""
    claim = next((c for c in ev.evidence.claims if c.key == "labels_add_power"), None)
    if claim is None or "linear" not in claim.models:
        return None
    v = claim.models["linear"]
    return float(v.estimate), float(v.p)


def best_model(ev: ModelEvidence) -> str:
    """Which model drives targeting and why (one-SE rule)."""
    best = ev.prediction.best
    text = vn.best_model_sentence(best)
    # The rule's sentence names the lowest-RMSE model by its key; readers see its label.
    return md(text.replace(f", {best.lowest})", f", {_labels(ev).get(best.lowest, best.lowest).lower()})"))


def gains(ev: ModelEvidence) -> str:
    """The gains headline: which ranking wins at the High Value list size, by how much, and the top decile."""
    g = ev.prediction.gains
    top = g.top_decile_share
    label = _labels(ev).get(g.best_model, g.best_model).lower()
    bands = ""
    if "best" in g.captured_interval and "labels" in g.captured_interval:
        (bl, bh), (ll, lh) = g.captured_interval["best"], g.captured_interval["labels"]
        bands = (f" Resampling customers (95% intervals, ranking rules fixed), the model's share at that list size "
                 f"lies in {100 * bl:.1f}–{100 * bh:.1f}% and the label's in {100 * ll:.1f}–{100 * lh:.1f}%.")
    return md(vn.gains_sentence(g).replace(f"({g.best_model})", f"({label})") + bands
              + f" In the top decile ({g.top_decile_size:,} customers) the model's list captures "
              f"{100 * top['best']:.1f}% and the label's {100 * top['labels']:.1f}%.")
