"""Figures for issue 11 (calibration, predicted-vs-observed distribution, cumulative gains).

Each ``*_figure`` draws from a computed ModelEvidence only; each ``*_alt`` states what the
figure shows with its numbers; :func:`with_alt` pairs them like
:func:`analysis.report.figures.with_alt`. Text passes through matplotlib with ``$`` escaped.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..evidence.validation_notes import RANKING_NAMES, gains_winner
from ..model.evidence import ModelEvidence
from ._figure_style import ACCENT, GUIDE, INK, dollar_axis, house_style, new_figure, style_axes
from .figure_display import FigureWithAlt
from .formatting import usd

RANKING_COLORS = {"linear": "#4C72B0", "best": ACCENT, "rfm_only": "#55A868", "rfm_score": "#8172B2",
                  "labels": "#C44E52", "random": GUIDE, "oracle": INK}


def _plain(text: str) -> str:
    return text.replace("$", r"\$")


def _model_label(ev: ModelEvidence, name: str) -> str:
    model = ev.evidence.models.get(name)
    return model.spec.label if model is not None else name


def _model_panels(ev: ModelEvidence, table, height: float, draw, grid_axis: str = "both") -> Figure:
    """One panel per model of ``table`` (a tidy frame with a ``model`` column), side by side.

    ``draw(ax, rows)`` draws a model's rows; the panel then gets the model's label as its
    title, a dollar x axis and the house style.
    """
    names = list(dict.fromkeys(table["model"]))
    with house_style():
        figure, axes = new_figure(len(names), (1, len(names)), height)
        for ax, name in zip(axes, names):
            draw(ax, table[table["model"] == name])
            ax.set_title(_plain(_model_label(ev, name)), fontsize=9, loc="left")
            dollar_axis(ax.xaxis)
            style_axes(ax, grid_axis=grid_axis)
    return figure


def _calibration_panel(ax, t) -> None:
    lo, hi = float(min(t.mean_predicted.min(), t.ci_low.min())), float(max(t.mean_predicted.max(), t.ci_high.max()))
    ax.plot([lo, hi], [lo, hi], color=GUIDE, linewidth=0.8, linestyle=":")
    ax.errorbar(t.mean_predicted, t.mean_actual,
                yerr=[t.mean_actual - t.ci_low, t.ci_high - t.mean_actual], fmt="o", color=ACCENT,
                markersize=4, linewidth=1)
    ax.set_xlabel("Mean predicted value (out of fold)")
    ax.set_ylabel("Mean actual value")
    dollar_axis(ax.yaxis)


def calibration_figure(ev: ModelEvidence) -> Figure:
    return _model_panels(ev, ev.prediction.calibration, 3.4, _calibration_panel)


def calibration_alt(ev: ModelEvidence) -> str:
    cal = ev.prediction.calibration
    parts = []
    for name, t in cal.groupby("model", sort=False):
        gaps = (t.mean_actual - t.mean_predicted).abs()
        worst = t.iloc[int(np.argmax(gaps.to_numpy()))]
        parts.append(f"{_model_label(ev, name)}: largest gap in decile {int(worst.decile)}, mean predicted "
                     f"{usd(worst.mean_predicted, 0)} against mean actual {usd(worst.mean_actual, 0)}")
    return "Calibration by decile of out-of-fold prediction, mean actual against mean predicted with 95% intervals. " + "; ".join(parts) + "."


def _distribution_panel(ax, t) -> None:
    for _rep, r in t[t.series != "observed"].groupby("replicate"):
        ax.plot(r.bin_mid, r.density, color=ACCENT, alpha=0.25, linewidth=0.8)
    obs = t[t.series == "observed"]
    ax.plot(obs.bin_mid, obs.density, color=INK, linewidth=1.6, label="observed")
    ax.set_xlabel("Customer value")
    ax.set_yticks([])


def distribution_figure(ev: ModelEvidence) -> Figure:
    figure = _model_panels(ev, ev.prediction.distribution, 3.2, _distribution_panel, grid_axis="x")
    figure.axes[0].legend(["replicated"], frameon=False, fontsize=8)
    return figure


def distribution_alt(ev: ModelEvidence) -> str:
    parts = [f"{_model_label(ev, s['model'])}: {100 * s['replicated_below_zero']:.1f}% of replicated values below zero "
             f"against {100 * s['observed_below_zero']:.1f}% observed" for s in ev.prediction.distribution_summary
             if "model" in s]
    return ("Observed distribution of customer value (dark line) against replicated distributions from each model (light lines). "
            + "; ".join(parts) + ".")


def gains_figure(ev: ModelEvidence) -> Figure:
    g = ev.prediction.gains
    with house_style():
        figure, (ax,) = new_figure(1, (1, 1), 4.0)
        for name, t in g.curve.groupby("ranking", sort=False):
            label = {"random": "random", "oracle": "perfect ranking"}.get(name, RANKING_NAMES.get(name, name))
            style = ":" if name in ("random", "oracle") else "-"
            color = RANKING_COLORS.get(name, INK)
            ax.plot(100 * t.share_contacted, 100 * t.share_captured, style, color=color,
                    linewidth=1.8 if name == "best" else 1.1, label=_plain(label))
            if t.share_low.notna().any():  # the 95% band from resampling customers (gains.share_band)
                ax.fill_between(100 * t.share_contacted, 100 * t.share_low, 100 * t.share_high, color=color,
                                alpha=0.18, linewidth=0)
        share = 100 * g.list_size / g.n
        ax.axvline(share, color=GUIDE, linewidth=0.8)
        ax.text(share + 1, 3, "High Value list size", fontsize=7, color=INK)
        ax.set_xlabel("Customers contacted (%)")
        ax.set_ylabel("Customer value captured (%)")
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        style_axes(ax)
    return figure


def gains_alt(ev: ModelEvidence) -> str:
    g = ev.prediction.gains
    def share(k: str, v: float) -> str:
        band = g.captured_interval.get(k)
        return f"{RANKING_NAMES.get(k, k)} {100 * v:.1f}%" + (
            f" (95% interval {100 * band[0]:.1f} to {100 * band[1]:.1f}%)" if band else "")
    shares = "; ".join(share(k, v) for k, v in g.captured_share.items())
    return (f"Cumulative gains, out of fold: share of total customer value captured against share of customers "
            f"contacted, with shaded 95% bands from resampling customers. At the High Value list size "
            f"({g.list_size:,} customers): {shares}. Winner: {RANKING_NAMES[gains_winner(g)]}.")


FIGURES = {"calibration": (calibration_figure, calibration_alt),
           "distribution": (distribution_figure, distribution_alt),
           "gains": (gains_figure, gains_alt)}


def with_alt(name: str, ev: ModelEvidence) -> FigureWithAlt:
    draw, describe = FIGURES[name]
    return FigureWithAlt(draw(ev), describe(ev))
