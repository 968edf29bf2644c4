"""The chapter's holdout section: the forecast used (season-adjusted when it exists) and the plain one, against what happened.

Like :mod:`analysis.futures.report` these only read a
:class:`~analysis.futures.pipeline.FuturesRun`; every verdict is an explicit rule
(the thresholds below) that tests take both ways. The ``season_*`` sentences are
inline values of the chapter's Markdown: plain text, no markup.
"""
from __future__ import annotations

import calendar

import numpy as np
from matplotlib.figure import Figure

from ..report._figure_style import house_style, new_figure, style_axes
from ..report.formatting import number, percent, usd
from .pipeline import FuturesRun

ACCURATE_SHARE = 0.10        # aggregate error within ±10%: "close"
BUSY_END_RATIO = 1.20        # last 2 months 20% busier than the 10 before: steady-rate caveat
PREDICTED, ACTUAL, ADJUSTED = "#2C5F8A", "#C8553D", "#5B8C3A"


def money(value: float, decimals: int = 0) -> str:
    """Dollars for Markdown prose: ``\\$`` so Pandoc never pairs two amounts into TeX math."""
    return usd(value, decimals).replace("$", "\\$")


def error_size(error: float) -> str:
    """``over-predicted by 7.7%``: direction and size of an aggregate error."""
    return f"{'over' if error > 0 else 'under'}-predicted by {percent(abs(error))}"


def describe_error(error: float) -> str:
    """``over-predicted by 7.7%, within ±10%``: direction, size and the ±10% verdict."""
    closeness = "within" if abs(error) <= ACCURATE_SHARE else "outside"
    return f"{error_size(error)}, {closeness} ±{percent(ACCURATE_SHARE, 0)}"


def _holdout(run: FuturesRun | None):
    return None if run is None else run.holdout


def _used(run: FuturesRun) -> str:
    return ("season-adjusted BG/NBD (purchase rates that follow the calendar index)"
            if run.season_adjusted is not None else "plain BG/NBD (steady purchase rates)")


def model_sentence(run: FuturesRun | None) -> str:
    """Which BG/NBD the chapter's per-customer numbers come from, and why (plain text, an inline value)."""
    if run is None or run.bgnbd is None or run.gamma_gamma is None:
        return ""
    if run.season_adjusted is not None:
        return ("P(alive), expected purchases, lifetime value, the churn scores and the win-back list below come "
                "from the season-adjusted BG/NBD (recency, T and the months ahead measured in season-weighted "
                "weeks; see the holdout section); the plain BG/NBD is kept beside it for comparison.")
    reason = run.skipped.get("season_adjustment", "not computed")
    return ("P(alive), expected purchases, lifetime value, the churn scores and the win-back list below come from "
            f"the plain BG/NBD: no season-adjusted model was fitted ({reason.rstrip('.')}).")


def validation_sentence(run: FuturesRun | None) -> str:
    """The used model's holdout purchases and revenue against what happened, with the direction of the error."""
    h = _holdout(run)
    if h is None:
        return ""
    purchases = (f"Over the {number(h.weeks, 1)}-week holdout the {_used(run)}, whose predictions this chapter "
                 f"uses, expected {number(h.predicted_purchases, 0)} purchases and customers made "
                 f"{number(h.actual_purchases, 0)}: {describe_error(h.purchases_error)}.")
    revenue = (f"Holdout revenue was {describe_error(h.revenue_error)} "
               f"({money(h.predicted_revenue)} expected, {money(h.actual_revenue)} actual).")
    per_customer = (f"Per customer, the mean absolute error is {number(h.purchases_mae, 2)} purchases "
                    f"and {money(h.revenue_mae, 2)} of revenue.")
    return " ".join((purchases, revenue, per_customer))


def season_index_sentence(run: FuturesRun | None) -> str:
    """Where the calendar index came from and what it says about the holdout months (plain text)."""
    if _holdout(run) is None:
        return ""
    if run.season_adjusted is None:
        return f"No season-adjusted forecast: {run.skipped.get('season_adjustment', 'not computed')}."
    s = run.season_adjusted
    factors = np.asarray(s.index.by_month)
    high, low = int(np.argmax(factors)), int(np.argmin(factors))
    return (f"A calendar seasonal index was estimated from the {s.index.months} complete calibration months "
            f"({s.index.first_month} to {s.index.last_month}) and never from the holdout: repeat purchases run "
            f"highest in {calendar.month_name[high + 1]} ({factors[high]:.2f} times the trend) and lowest in "
            f"{calendar.month_name[low + 1]} ({factors[low]:.2f}); the two months before as-of average "
            f"{s.calibration_end_index:.2f} and the holdout months {s.holdout_index:.2f}.")


def season_forecast_sentence(run: FuturesRun | None) -> str:
    """The plain forecast kept beside the season-adjusted one used, and which is closer (plain text)."""
    h = _holdout(run)
    if h is None or run.season_adjusted is None:
        return ""
    adjusted, plain = h.season_adjusted_error, h.plain_purchases_error
    closer = ("closer than the plain model" if abs(adjusted) < abs(plain) else
              "no closer than the plain model")
    return (f"The plain BG/NBD, kept beside it, expected {number(h.plain_predicted_purchases, 0)} holdout "
            f"purchases ({describe_error(plain)}); the season-adjusted model used here is {closer} "
            f"({error_size(adjusted)}).")


def validation_figure(run: FuturesRun | None, ax=None) -> Figure | None:
    """Left: mean holdout purchases by calibration repeat purchases. Right: revenue by CLV decile."""
    h = _holdout(run)
    if h is None:
        return None
    with house_style():
        figure, (left, right) = new_figure(2, (1, 2), 3.2, ax)
        x = list(range(len(h.by_frequency)))
        if "plain_mean" in h.by_frequency:
            left.plot(x, h.by_frequency["plain_mean"], marker="o", color=PREDICTED, label="Predicted (plain)")
            left.plot(x, h.by_frequency["predicted_mean"], marker="^", linestyle="--", color=ADJUSTED,
                      label="Predicted (season-adjusted, used)")
        else:
            left.plot(x, h.by_frequency["predicted_mean"], marker="o", color=PREDICTED, label="Predicted (plain)")
        left.plot(x, h.by_frequency["actual_mean"], marker="s", color=ACTUAL, label="Actual")
        left.set_xticks(x, list(h.by_frequency["repeat_purchases"]))
        left.set_xlabel("Repeat purchases in calibration")
        left.set_ylabel("Mean holdout purchases")
        left.legend()
        d = h.by_decile
        width = 0.4
        right.bar(d["decile"] - width / 2, d["predicted_revenue"], width, color=PREDICTED, label="Predicted")
        right.bar(d["decile"] + width / 2, d["actual_revenue"], width, color=ACTUAL, label="Actual")
        right.set_xticks(list(d["decile"]))
        right.set_xlabel("Decile of predicted CLV (10 = highest)")
        right.set_ylabel("Holdout revenue ($)")
        right.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
        for axis in (left, right):
            style_axes(axis, grid_axis="y")
    return figure


def default_data_note(run: FuturesRun | None, is_default: bool) -> str:
    """Which months the check covers on the default data, and how a miss of ±10% is reported.

    ``is_default``: the run is the default log read as ``data/customers.csv`` was derived
    (same as-of, same labels), so the holdout here is CustomerValue's holdout there.
    """
    h = _holdout(run)
    if not is_default or h is None:
        return ""
    text = (f"These are the customers of `data/customers.csv`, derived from the same log as of the same day "
            f"({run.as_of}), so the holdout checked here is the {run.holdout_months} months whose revenue "
            "enters their CustomerValue.")
    used = "season-adjusted BG/NBD" if run.season_adjusted is not None else "BG/NBD"
    if abs(h.purchases_error) <= ACCURATE_SHARE:
        if run.season_adjusted is None or abs(h.plain_purchases_error) <= ACCURATE_SHARE:
            return text + f" The {used} whose numbers this chapter uses is within ±{percent(ACCURATE_SHARE, 0)}."
        return text + (f" The season-adjusted BG/NBD, whose numbers this chapter uses and whose index saw only "
                       f"calibration months, is within ±{percent(ACCURATE_SHARE, 0)}; the plain BG/NBD's error "
                       f"({error_size(h.plain_purchases_error)}) is reported as measured. Neither the simulated "
                       "business nor the as-of date was changed, and nothing was tuned on the holdout.")
    why = (" BG/NBD has no seasonality and the calibration ends on a busy stretch (see the note at the top)."
           if run.recent_activity_ratio >= BUSY_END_RATIO and run.season_adjusted is None else "")
    return text + (f"{why} The {used} whose numbers this chapter uses is not within ±{percent(ACCURATE_SHARE, 0)}: "
                   "the error is reported as measured, and neither the simulated business nor the model was "
                   "adjusted to close it.")
