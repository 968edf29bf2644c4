"""Compute every customer's future from an order log: one call, one frozen result.

:func:`compute_futures` reads the log with the ``rfm`` engine, fits BG/NBD and
Gamma-Gamma on the calibration period (up to as-of), scores every customer,
validates on the holdout, compares churn predictors, clusters and flags
anomalies. Sections that the data cannot support are *skipped with a reason*
(too few repeat customers, no holdout), never failed: the report says why.
Nothing here prints, writes or draws; :mod:`analysis.futures.report` renders.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..orders.labels import LabelJoin
from ..orders.pipeline import HOLDOUT_FULL, HOLDOUT_PARTIAL
from ..orders.roles import ColumnRoles
from .anomalies import Anomalies, flag_anomalies
from .churn import ChurnComparison, compare_churn, win_back_list
from .clusters import LAPSED, Clusters, choose_clusters, clustered
from .history import CustomerHistory, read_history
from .holdout import HoldoutValidation, validate_holdout
from .models import WEEKS_PER_MONTH, BGNBDFit, GammaGammaFit, fit_bgnbd, fit_gamma_gamma
from .options import DEFAULT_HORIZON_MONTHS, DEFAULT_MONTHLY_DISCOUNT, FuturesOptions
from .seasonality import SeasonAdjusted, season_adjusted_fit

@dataclass(frozen=True)
class FuturesRun:
    """Everything the chapter, the downloads and the brief need.

    ``bgnbd``, ``gamma_gamma``, ``holdout``, ``churn``, ``clusters`` and ``season_adjusted``
    are ``None`` when skipped; ``skipped`` then holds the reason under the same name.
    ``season_adjusted`` is BG/NBD refitted in season-weighted time; when it exists it makes
    every per-customer prediction (P(alive), expected purchases, CLV, churn, the win-back
    list) and the holdout forecast, with the plain BG/NBD's holdout forecast kept beside it;
    when it is skipped, the plain BG/NBD makes them all. :func:`model_label` names the one used.
    """

    source: str
    as_of: date
    margin: float
    holdout_months: int
    holdout_status: str
    holdout_weeks: float
    options: FuturesOptions
    customers: pd.DataFrame
    anomalies: Anomalies
    bgnbd: BGNBDFit | None = None
    gamma_gamma: GammaGammaFit | None = None
    holdout: HoldoutValidation | None = None
    churn: ChurnComparison | None = None
    clusters: Clusters | None = None
    win_back: pd.DataFrame | None = None
    season_adjusted: SeasonAdjusted | None = None
    labels: LabelJoin | None = None  # how ``--labels`` was joined; None: Segment is the R x F rule
    fitted_customers: int = 0
    recent_activity_ratio: float = float("nan")
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def repeat_customers(self) -> int:
        return int((self.customers["frequency"] > 0).sum())

    @property
    def expected_value(self) -> float:
        """Expected profit of the whole base over the horizon (discounted CLV, margin applied)."""
        return float(self.customers["clv"].sum()) if "clv" in self.customers else float("nan")

    @property
    def value_at_stake(self) -> float:
        """Last 12 months' profit (margin x revenue) of the win-back list."""
        if self.win_back is None:
            return float("nan")
        return float(self.margin * self.win_back["Revenue12m"].sum())


def compute_futures(location: str | Path, as_of: date | str | None = None, *,
                    roles: ColumnRoles = ColumnRoles(), margin: float = 0.30, holdout_months: int = 6,
                    options: FuturesOptions = FuturesOptions(), labels: str | Path | None = None) -> FuturesRun:
    """Read the log and compute every section; see the module docstring."""
    return futures_from_history(read_history(location, as_of, roles=roles, margin=margin,
                                             holdout_months=holdout_months, labels=labels), options)


def futures_from_history(history: CustomerHistory, options: FuturesOptions = FuturesOptions()) -> FuturesRun:
    """Every section from an already-read :class:`CustomerHistory`."""
    customers = history.customers.copy()
    skipped: dict[str, str] = {}
    anomalies = flag_anomalies(customers)
    customers["anomaly"] = anomalies.flagged
    customers["anomaly_reasons"] = anomalies.reasons.to_numpy()

    active = clustered(customers)
    clusters = _attempt(skipped, "clusters", choose_clusters, customers[active].reset_index(drop=True))
    if clusters is not None:
        customers["cluster"] = LAPSED
        customers.loc[active, "cluster"] = clusters.named_labels

    common = dict(source=history.rfm.source, as_of=history.rfm.params.as_of, margin=history.rfm.params.margin,
                  holdout_months=history.rfm.params.holdout_months, holdout_status=history.holdout_status,
                  holdout_weeks=history.holdout_weeks, options=options, anomalies=anomalies, clusters=clusters,
                  recent_activity_ratio=history.recent_activity_ratio, labels=history.rfm.labels)
    training = customers[~customers["anomaly"]] if options.exclude_anomalies else customers
    bgnbd = _attempt(skipped, "bgnbd", fit_bgnbd, training)
    gamma_gamma = _attempt(skipped, "gamma_gamma", fit_gamma_gamma, training) if bgnbd is not None else None
    if bgnbd is None or gamma_gamma is None:
        reason = skipped.get("bgnbd") or skipped.get("gamma_gamma")
        for section in ("holdout", "churn", "win_back"):
            skipped[section] = f"needs the purchase and spend models, which were skipped: {reason}"
        return FuturesRun(customers=customers, skipped=skipped, bgnbd=bgnbd, **common)

    # The season-adjusted BG/NBD, when the calibration has two complete years, is THE model for
    # every per-customer prediction; the plain fit is kept beside it (holdout) and used otherwise.
    adjusted = _attempt(skipped, "season_adjustment", season_adjusted_fit, customers, training.index,
                        history.monthly_repeat_purchases, history.rfm.first_day, history.rfm.params.as_of,
                        history.holdout_end)
    season_adjusted, clocked = adjusted if adjusted is not None else (None, customers)
    model = bgnbd if season_adjusted is None else season_adjusted.bgnbd
    horizon_weeks = options.horizon_months * WEEKS_PER_MONTH
    if season_adjusted is not None:  # the H calendar months after as-of, in season-weighted weeks
        month_ends = season_adjusted.index.month_ends(history.rfm.params.as_of, options.horizon_months)
        horizon_weeks = float(month_ends[-1])
    customers["p_alive"] = model.p_alive(clocked)
    customers["expected_purchases"] = model.expected_purchases(clocked, horizon_weeks)
    customers["expected_spend"] = gamma_gamma.expected_spend(customers)
    customers["clv"] = history.rfm.params.margin * (
        gamma_gamma.lifetime_value(bgnbd, customers, options.horizon_months, options.monthly_discount)
        if season_adjusted is None else
        gamma_gamma.lifetime_value_on_clock(model, clocked, month_ends, options.monthly_discount))
    customers["churn_probability"] = model.p_no_purchase(clocked, horizon_weeks)

    holdout = churn = None
    if history.holdout_status in (HOLDOUT_FULL, HOLDOUT_PARTIAL) and history.holdout_weeks > 0:
        plain = bgnbd.expected_purchases(customers, history.holdout_weeks)
        holdout_weeks = history.holdout_weeks if season_adjusted is None else season_adjusted.holdout_weeks
        predicted = plain if season_adjusted is None else model.expected_purchases(clocked, holdout_weeks)
        customers["predicted_holdout_purchases"] = predicted
        spend = customers["expected_spend"].to_numpy()
        if season_adjusted is not None:
            customers["plain_holdout_purchases"] = plain
        holdout = validate_holdout(
            customers["frequency"].to_numpy(), predicted, customers["holdout_purchases"].to_numpy(),
            customers["clv"].to_numpy(), predicted * spend, customers["holdout_revenue"].to_numpy(),
            history.holdout_weeks, *((None, None) if season_adjusted is None else (plain, plain * spend)))
        churn = _attempt(skipped, "churn", compare_churn, customers, customers["p_alive"].to_numpy(),
                         model.p_no_purchase(clocked, holdout_weeks))
    else:
        reason = (f"the log has no holdout after {history.rfm.params.as_of} (holdout: {history.holdout_status}); "
                  "predictions are made but cannot be checked")
        skipped["holdout"] = skipped["churn"] = reason
    win_back = win_back_list(customers, customers["churn_probability"].to_numpy())
    return FuturesRun(customers=customers, skipped=skipped, bgnbd=bgnbd, gamma_gamma=gamma_gamma,
                      holdout=holdout, churn=churn, win_back=win_back, season_adjusted=season_adjusted,
                      fitted_customers=len(training), **common)


def _attempt(skipped: dict[str, str], section: str, compute, *args):
    """Run one section; a ValueError (data cannot support it) becomes a stated skip."""
    try:
        return compute(*args)
    except ValueError as error:
        skipped[section] = str(error)
        return None


def model_label(run: FuturesRun) -> str:
    """The purchase model behind the per-customer numbers, as the prose names it."""
    return "season-adjusted BG/NBD" if run.season_adjusted is not None else "BG/NBD"


def brief_line(run: FuturesRun | None) -> str:
    """The executive brief's sentence (Markdown): expected value of the base, and the churn-risk value at stake.

    Dollar signs are escaped (``\\$``) so Pandoc never reads two amounts as TeX math.
    """
    if run is None:
        return ""
    if run.bgnbd is None or run.gamma_gamma is None:
        return f"Customer futures were not modelled: {run.skipped.get('bgnbd') or run.skipped.get('gamma_gamma')}."
    months = run.options.horizon_months
    listed = 0 if run.win_back is None else len(run.win_back)
    return (f"Expected {months}-month profit of the current customer base: \\${run.expected_value:,.0f} "
            f"({model_label(run)} and Gamma-Gamma, {run.options.monthly_discount:.0%} monthly discount, "
            f"{run.margin:.0%} margin); {listed:,} high-value customers are more likely than not to make "
            f"no purchase in that time, and they brought \\${run.value_at_stake:,.0f} of profit "
            "in the last 12 months.")


def summary_numbers(run: FuturesRun) -> dict[str, float]:
    """Headline numbers the prose and tests read (one place, one value)."""
    numbers = {"customers": float(len(run.customers)), "repeat_customers": float(run.repeat_customers),
               "share_flagged": run.anomalies.share_flagged}
    if "clv" in run.customers:
        numbers.update(expected_value=run.expected_value, value_at_stake=run.value_at_stake,
                       mean_p_alive=float(np.mean(run.customers["p_alive"])))
    return numbers
