"""BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend) fitted by MAP in pymc-marketing.

Why pymc-marketing: it is the maintained implementation the field points to
(``lifetimes`` is unmaintained). Measured here (notes/futures.md): +285 MB of
packages, and a MAP fit of 1M customers in about 12 s after a one-off C compile
of about 25 s that pytensor caches on disk; reasonable for a report build.

Priors are set to ``HalfFlat`` on every parameter, so the MAP estimate is the
maximum-likelihood estimate that the papers publish; that is what lets a test
reproduce Fader, Hardie & Lee's CDNOW table to three significant figures. The
library's default priors (Weibull, Pareto) would pull small logs towards them.
"""
from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np
import pandas as pd

MIN_REPEAT_CUSTOMERS = 100  # below this BG/NBD's four parameters are not identified sensibly
WEEKS_PER_MONTH = 4.345      # pymc-marketing's own factor for time_unit="W"


@contextlib.contextmanager
def _quiet():
    """pymc/arviz announce refactors and progress on import and fit; the report wants none of it."""
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        previous = logging.getLogger("pymc").level
        logging.getLogger("pymc").setLevel(logging.ERROR)
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                yield
        finally:
            logging.getLogger("pymc").setLevel(previous)


def _clv():
    with _quiet():
        from pymc_extras.prior import Prior
        from pymc_marketing import clv
    return clv, Prior


def _model_frame(summaries: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = summaries.loc[:, ["CustomerID", *columns]].rename(columns={"CustomerID": "customer_id"})
    return frame.reset_index(drop=True)


def _map_values(model, names: tuple[str, ...]) -> dict[str, float]:
    """The MAP point from the posterior group (``fit_summary`` rounds to 3 decimals)."""
    return {name: float(np.asarray(model.idata.posterior[name]).reshape(-1)[0]) for name in names}


def _values(array) -> np.ndarray:
    """A MAP prediction (chain=1, draw=1, customer_id) as a flat numpy array."""
    return np.asarray(array).reshape(-1)


@dataclass(frozen=True)
class _LibraryFit:
    """What both fits share: the customers fitted, the fitted pymc-marketing model, predictions from it.

    A subclass declares its population parameters as its own fields (they are what
    :meth:`as_dict` returns) and ``COLUMNS``, the summary columns its model reads.
    ``model`` is ``None`` after :func:`analysis.futures.cache.cacheable` (compiled graphs do
    not pickle); every prediction the report needs was made before that.
    """

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    customers: int
    model: object = field(repr=False, compare=False, kw_only=True)

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The subclass's own fields, in declaration order."""
        shared = {f.name for f in fields(_LibraryFit)}
        return tuple(f.name for f in fields(cls) if f.name not in shared)

    def as_dict(self) -> dict[str, float]:
        """The population parameters by name (model.json's block)."""
        return {name: getattr(self, name) for name in self.parameter_names()}

    def _predict(self, method: str, summaries: pd.DataFrame, **options) -> np.ndarray:
        with _quiet():
            return _values(getattr(self.model, method)(data=_model_frame(summaries, self.COLUMNS), **options))


@dataclass(frozen=True)
class BGNBDFit(_LibraryFit):
    """Fitted BG/NBD: population parameters and the fitted library model.

    Attributes
    ----------
    r, alpha : float
        Gamma heterogeneity of the purchase rate (shape, scale in weeks).
    a, b : float
        Beta heterogeneity of the drop-out probability after each purchase.
    customers : int
        Customers the fit used.
    """

    COLUMNS: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")
    r: float
    alpha: float
    a: float
    b: float

    def p_alive(self, summaries: pd.DataFrame) -> np.ndarray:
        """P(alive at as-of | x, t_x, T) per row of ``summaries``."""
        return self._predict("expected_probability_alive", summaries)

    def expected_purchases(self, summaries: pd.DataFrame, weeks: float) -> np.ndarray:
        """Expected purchases in the next ``weeks`` per row of ``summaries``."""
        return self._predict("expected_purchases", summaries, future_t=weeks)

    def p_no_purchase(self, summaries: pd.DataFrame, weeks: float) -> np.ndarray:
        """P(no purchase in the next ``weeks``): the BG/NBD answer to "will they churn"."""
        return self._predict("expected_probability_no_purchase", summaries, t=weeks)


@dataclass(frozen=True)
class GammaGammaFit(_LibraryFit):
    """Fitted Gamma-Gamma spend model and the independence check it rests on.

    Attributes
    ----------
    p, q, gamma : float
        Shape of spend per purchase; shape and scale of its customer-level heterogeneity.
    frequency_spend_correlation : float
        Pearson correlation of repeat purchases and mean repeat spend among the fitted
        customers. The model assumes the two are independent; near 0 is good.
    customers : int
        Repeat customers the fit used.
    """

    COLUMNS: ClassVar[tuple[str, ...]] = ("monetary_value", "frequency")
    p: float
    q: float
    gamma: float
    frequency_spend_correlation: float

    def lifetime_value(self, bgnbd: BGNBDFit, summaries: pd.DataFrame, months: int,
                       monthly_discount: float) -> np.ndarray:
        """Discounted expected *revenue* over ``months``, month by month (pymc-marketing's CLV).

        Each month's expected purchases times expected spend, divided by
        ``(1 + monthly_discount) ** month``. Multiply by the margin for profit.
        """
        with _quiet():
            data = _model_frame(summaries, bgnbd.COLUMNS + ("monetary_value",))
            data["future_spend"] = self.expected_spend(summaries)
            values = self.model.expected_customer_lifetime_value(
                transaction_model=bgnbd.model, data=data, future_t=months,
                discount_rate=monthly_discount, time_unit="W")
            return _values(values)

    def lifetime_value_on_clock(self, bgnbd: BGNBDFit, summaries: pd.DataFrame, month_ends: np.ndarray,
                                monthly_discount: float) -> np.ndarray:
        """:meth:`lifetime_value` for a clock whose months are not all ``WEEKS_PER_MONTH`` long.

        ``month_ends[m - 1]`` is the end of calendar month ``m`` in the model's time unit
        (season-weighted weeks, :meth:`analysis.futures.seasonality.SeasonalIndex.month_ends`).
        Month ``m``'s expected purchases (the increment of the cumulative forecast) times
        expected spend are divided by ``(1 + monthly_discount) ** m``: pymc-marketing's sum,
        with the steps ``m × 4.345`` weeks replaced by the calendar months' ends.
        """
        spend = self.expected_spend(summaries)
        value, previous = np.zeros(len(summaries)), np.zeros(len(summaries))
        for month, end in enumerate(np.asarray(month_ends, dtype=float), start=1):
            cumulative = bgnbd.expected_purchases(summaries, float(end))
            value += spend * (cumulative - previous) / (1 + monthly_discount) ** month
            previous = cumulative
        return value

    def expected_spend(self, summaries: pd.DataFrame) -> np.ndarray:
        """E(mean spend per purchase | x, m); the population mean for customers with x = 0."""
        return self._predict("expected_customer_spend", summaries)


def _fit_map(model_name: str, parameters: tuple[str, ...], data: pd.DataFrame):
    """A pymc-marketing CLV model fitted by MAP with flat priors (= maximum likelihood): (model, parameters)."""
    clv, Prior = _clv()
    with _quiet():
        model = getattr(clv, model_name)(model_config={name: Prior("HalfFlat") for name in parameters})
        model.fit(data=data, method="map", progressbar=False)
        return model, _map_values(model, parameters)


def fit_bgnbd(summaries: pd.DataFrame) -> BGNBDFit:
    """Maximum-likelihood BG/NBD on ``frequency, recency, T`` (weeks).

    Raises
    ------
    ValueError
        Fewer than :data:`MIN_REPEAT_CUSTOMERS` customers with a repeat purchase.
    """
    repeaters = int((summaries["frequency"] > 0).sum())
    if repeaters < MIN_REPEAT_CUSTOMERS:
        raise ValueError(f"only {repeaters} customers have a repeat purchase; BG/NBD needs at least "
                         f"{MIN_REPEAT_CUSTOMERS} to estimate its four parameters")
    model, values = _fit_map("BetaGeoModel", BGNBDFit.parameter_names(), _model_frame(summaries, BGNBDFit.COLUMNS))
    return BGNBDFit(customers=len(summaries), model=model, **values)


def fit_gamma_gamma(summaries: pd.DataFrame) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma on customers with a repeat purchase and positive spend.

    Raises
    ------
    ValueError
        Fewer than :data:`MIN_REPEAT_CUSTOMERS` such customers.
    """
    repeat = summaries[(summaries["frequency"] > 0) & (summaries["monetary_value"] > 0)]
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        raise ValueError(f"only {len(repeat)} customers have a repeat purchase with positive spend; "
                         f"Gamma-Gamma needs at least {MIN_REPEAT_CUSTOMERS}")
    model, values = _fit_map("GammaGammaModel", ("p", "q", "v"), _model_frame(repeat, GammaGammaFit.COLUMNS))
    correlation = float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
    return GammaGammaFit(customers=len(repeat), model=model, p=values["p"], q=values["q"], gamma=values["v"],
                         frequency_spend_correlation=correlation)
