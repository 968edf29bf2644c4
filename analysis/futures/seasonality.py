"""A calendar seasonal index from the calibration period, and BG/NBD in season-weighted time.

BG/NBD assumes that a customer buys at a steady rate while alive. When purchases have a
calendar season (a Q4 peak, a summer dip), a calibration that ends on the peak followed by
a quieter holdout is over-predicted. The remedy here has two standard parts:

1. **The index** is classical multiplicative decomposition by ratio to a centred 12-month
   moving average (``statsmodels.tsa.seasonal.seasonal_decompose``), applied to *repeat*
   purchases (purchase days that are not a customer's first) per day of each complete
   calendar month **up to as-of only**: the holdout is never seen. Per day, because the
   factor is applied day by day (a short February is not a slow one). The moving average
   removes the trend (a growing customer base), and the twelve factors average to 1. It
   needs two complete years of calibration months; with fewer, the adjustment is skipped.
2. **Operational time** (the time change of a Poisson process): if a customer buys at
   rate ``λ · s(t)`` while alive, then in the clock ``τ(t) = ∫ s(u) du`` she buys at the
   steady rate ``λ``. BG/NBD's drop-out happens after purchases, so it does not depend on
   the clock, and BG/NBD fitted on recency and T measured in season-weighted weeks is
   exactly BG/NBD with a seasonal purchase rate. The holdout is then
   ``τ(holdout end) − τ(as-of)`` season-weighted weeks long.

On a log without a season every factor is close to 1, season-weighted weeks are calendar
weeks, and the adjusted forecast is the plain one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .models import BGNBDFit, fit_bgnbd
from .conventions import DAYS_PER_WEEK

PERIOD = 12


@dataclass(frozen=True)
class SeasonalIndex:
    """Twelve calendar-month factors (January first) that average to 1.

    Attributes
    ----------
    by_month : tuple of float
        Repeat purchases per day in a month relative to the trend, January .. December.
    first_month, last_month : str
        The complete calibration months it was estimated from (``YYYY-MM``).
    months : int
        How many.
    """

    by_month: tuple[float, ...]
    first_month: str
    last_month: str
    months: int

    def daily_weights(self, first: date, last: date) -> np.ndarray:
        """The factor of each day from ``first`` to ``last`` (both included)."""
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        return np.asarray(self.by_month)[days.astype("datetime64[M]").astype(int) % PERIOD]

    def mean_over(self, start: date, end: date) -> float:
        """Day-weighted mean factor over the days after ``start`` up to ``end`` (the holdout's index)."""
        if end <= start:
            return float("nan")
        return float(self.daily_weights(start + timedelta(days=1), end).mean())

    def month_ends(self, as_of: date, months: int) -> np.ndarray:
        """Season-weighted weeks from as-of to the end of each of the next ``months`` calendar months.

        Month ``m`` ends ``m`` calendar months after as-of (``pandas.DateOffset``); element
        ``m - 1`` is the clock at that day, so the last element is the horizon in this clock.
        """
        ends = [(pd.Timestamp(as_of) + pd.DateOffset(months=m)).date() for m in range(1, months + 1)]
        clock = np.cumsum(self.daily_weights(as_of + timedelta(days=1), ends[-1])) / DAYS_PER_WEEK
        return clock[[(end - as_of).days - 1 for end in ends]]

    def as_dict(self) -> dict:
        return {"by_month": list(self.by_month), "first_month": self.first_month,
                "last_month": self.last_month, "months": self.months}


@dataclass(frozen=True)
class SeasonAdjusted:
    """BG/NBD refitted in season-weighted weeks, and its holdout length in the same clock.

    ``holdout_index`` and ``calibration_end_index`` are the mean factors of the holdout's
    days and of the two calendar months up to as-of: how busy each is by the calendar alone.
    """

    index: SeasonalIndex
    bgnbd: BGNBDFit
    holdout_weeks: float
    holdout_index: float
    calibration_end_index: float


def complete_months(monthly: pd.DataFrame, first_day: date, as_of: date) -> pd.DataFrame:
    """The rows of ``monthly`` (``year, month, purchases``) for calendar months wholly inside the log up to as-of.

    A month missing from ``monthly`` between the first and last complete months had no
    repeat purchase; it is filled with 0 (and then refused by :func:`estimate_seasonal_index`).
    """
    first = pd.Period(first_day, "M") + (0 if first_day.day == 1 else 1)
    last = pd.Period(as_of, "M") - (0 if (as_of + timedelta(days=1)).day == 1 else 1)
    if last < first:
        return pd.DataFrame({"period": pd.PeriodIndex([], freq="M"), "purchases": np.array([], dtype=float)})
    periods = pd.period_range(first, last, freq="M")
    counts = pd.Series(monthly["purchases"].to_numpy(dtype=float),
                       index=pd.PeriodIndex([pd.Period(year=y, month=m, freq="M")
                                             for y, m in zip(monthly["year"], monthly["month"])], freq="M"))
    return pd.DataFrame({"period": periods, "purchases": counts.reindex(periods, fill_value=0.0).to_numpy()})


def estimate_seasonal_index(monthly: pd.DataFrame, first_day: date, as_of: date) -> SeasonalIndex:
    """The calendar index from repeat purchases per complete calibration month (see the module docstring).

    Raises
    ------
    ValueError
        Fewer than 24 complete months up to as-of, or a month without a repeat purchase.
    """
    from statsmodels.tsa.seasonal import seasonal_decompose

    months = complete_months(monthly, first_day, as_of)
    if len(months) < 2 * PERIOD:
        raise ValueError(f"a calendar seasonal index needs two complete years of calibration months; the log has "
                         f"{len(months)} complete months up to {as_of}")
    if (months["purchases"] <= 0).any():
        empty = months.loc[months["purchases"] <= 0, "period"].astype(str).iloc[0]
        raise ValueError(f"a multiplicative seasonal index needs repeat purchases in every month; {empty} has none")
    per_day = months["purchases"].to_numpy() / months["period"].dt.days_in_month.to_numpy()
    seasonal = seasonal_decompose(per_day, model="multiplicative", period=PERIOD).seasonal
    calendar = months["period"].dt.month.to_numpy() - 1
    by_month = np.empty(PERIOD)
    by_month[calendar[:PERIOD]] = seasonal[:PERIOD]
    return SeasonalIndex(by_month=tuple(float(v) for v in by_month), first_month=str(months["period"].iloc[0]),
                         last_month=str(months["period"].iloc[-1]), months=len(months))


def in_operational_time(customers: pd.DataFrame, as_of: date, index: SeasonalIndex) -> pd.DataFrame:
    """A copy of ``customers`` with ``recency`` and ``T`` in season-weighted weeks.

    Uses ``tenure_days`` (days from the first purchase to as-of) and ``recency`` (weeks
    from the first to the last purchase) of :mod:`analysis.futures.history`.
    """
    tenure = customers["tenure_days"].to_numpy(dtype=int)
    span = np.rint(customers["recency"].to_numpy(dtype=float) * DAYS_PER_WEEK).astype(int)
    origin = as_of - timedelta(days=int(tenure.max(initial=0)))
    # clock[i] = season-weighted days from the origin's start to the end of day origin + i.
    clock = np.cumsum(index.daily_weights(origin, as_of))
    first = clock[len(clock) - 1 - tenure]
    shifted = customers.copy()
    shifted["T"] = (clock[-1] - first) / DAYS_PER_WEEK
    shifted["recency"] = (clock[len(clock) - 1 - tenure + span] - first) / DAYS_PER_WEEK
    return shifted


def season_adjusted_fit(customers: pd.DataFrame, training: pd.Index, monthly: pd.DataFrame, first_day: date,
                        as_of: date, holdout_end: date) -> tuple[SeasonAdjusted, pd.DataFrame]:
    """BG/NBD refitted in season-weighted time on the ``training`` rows, and every row in that clock.

    The second element is :func:`in_operational_time` of ``customers``: the frame the refitted
    model predicts from (P(alive), purchases, CLV; :mod:`analysis.futures.pipeline`).

    Raises
    ------
    ValueError
        The index cannot be estimated (see :func:`estimate_seasonal_index`), or too few repeat customers.
    """
    index = estimate_seasonal_index(monthly, first_day, as_of)
    shifted = in_operational_time(customers, as_of, index)
    fit = fit_bgnbd(shifted.loc[training])
    weeks = float(index.daily_weights(as_of + timedelta(days=1), holdout_end).sum()) / DAYS_PER_WEEK \
        if holdout_end > as_of else 0.0
    two_months_before = (pd.Timestamp(as_of) - pd.DateOffset(months=2)).date()
    adjusted = SeasonAdjusted(index=index, bgnbd=fit, holdout_weeks=weeks,
                              holdout_index=index.mean_over(as_of, holdout_end),
                              calibration_end_index=index.mean_over(two_months_before, as_of))
    return adjusted, shifted
