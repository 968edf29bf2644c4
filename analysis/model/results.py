"""Frozen results objects: everything tables, figures and prose read.

Nothing downstream refits. A number that appears in a table, a figure and a
sentence is read from one field here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .misalignment import MisalignmentRule

ALPHA = 0.05
SE_CLASSICAL = "classical"
SE_HC3 = "HC3"

# The unit a reader attaches to each RFM coefficient.
PREDICTOR_UNITS = {
    "Recency": "per day since last order",
    "Frequency": "per order",
    "MonetaryValue": "per $1 of average basket",
}


_SEGMENT_TERM = re.compile(r"^Segment\[(?P<level>.+)\]$")


def segment_term(level: str) -> str:
    """The contract's name for a segment coefficient, e.g. ``Segment[High Value]``."""
    return f"Segment[{level}]"


def segment_level_of(term: str) -> str | None:
    """The segment a coefficient name belongs to (``Segment[At Risk]`` → ``At Risk``), else ``None``."""
    match = _SEGMENT_TERM.match(term)
    return match["level"] if match else None


@dataclass(frozen=True)
class DataSnapshot:
    """Which file was analysed: enough to reproduce or audit the numbers."""

    path: Path
    sha256: str
    n_rows: int
    encoding: str
    modified_utc: str


@dataclass(frozen=True)
class FitStatistics:
    """Goodness of fit of one OLS model, with AIC/BIC as R's ``AIC()``/``BIC()`` report them."""

    n: int
    n_coefficients: int
    r_squared: float
    adj_r_squared: float
    sigma: float
    f: float
    f_p: float
    df_model: int
    df_resid: int
    rss: float
    log_likelihood: float
    aic: float
    bic: float


@dataclass(frozen=True)
class NestedTest:
    """Do the CRM labels add explanatory power beyond RFM? (``anova(m0, m)`` in R)."""

    f: float
    p: float
    df_num: int
    df_den: int
    delta_r_squared: float


@dataclass(frozen=True)
class Diagnostics:
    """Regression diagnostics as data; ``figures`` draws them and ``prose`` words them."""

    vif: dict[str, float]            # GVIF, as car::vif's first column
    vif_df: dict[str, int]
    vif_adjusted: dict[str, float]   # GVIF^(1/(2 Df)), comparable across terms
    bp_stat: float
    bp_df: int
    bp_p: float
    normality_test: str
    normality_stat: float
    normality_p: float
    skewness: float
    excess_kurtosis: float
    cooks_threshold: float
    n_influential: int
    max_cooks_distance: float
    leverage_threshold: float
    n_high_leverage: int
    condition_number: float


@dataclass(frozen=True)
class ModelResults:
    """The fitted customer-value model and everything derived from it.

    Attributes
    ----------
    coefficients : DataFrame
        One row per term with classical (``std_error``, ``t``, ``p``, ``ci_low``,
        ``ci_high``) and HC3 (``*_hc3``) inference.
    se_type : str
        ``"HC3"`` when Breusch–Pagan rejects homoskedasticity at ``alpha``, else
        ``"classical"``; :attr:`reported` uses it.
    contrasts : DataFrame
        Every pair of segments: ``segment`` minus ``versus`` in dollars, with the
        reported standard errors and Holm-adjusted p-values.
    customers : DataFrame
        Per customer: fitted value, residual, RFM-only prediction, its quartile,
        misalignment flag and reason, leverage, Cook's distance.
    """

    data: DataSnapshot
    code_version: str
    reference: str
    levels: tuple[str, ...]
    segment_counts: dict[str, int]
    coefficients: pd.DataFrame
    covariance: pd.DataFrame
    covariance_hc3: pd.DataFrame
    full: FitStatistics
    rfm_only: FitStatistics
    rfm_only_coefficients: pd.DataFrame
    nested: NestedTest
    contrasts: pd.DataFrame
    customers: pd.DataFrame
    diagnostics: Diagnostics
    predictor_means: dict[str, float]
    predictor_ranges: dict[str, tuple[float, float]]
    se_type: str
    alpha: float = ALPHA
    misalignment_rules: tuple[MisalignmentRule, ...] = field(default_factory=tuple)

    @property
    def n(self) -> int:
        return self.full.n

    @property
    def reported(self) -> pd.DataFrame:
        """Coefficients with the standard errors the report uses (see :attr:`se_type`)."""
        columns = ["estimate", "std_error", "t", "p", "ci_low", "ci_high"]
        if self.se_type == SE_HC3:
            source = {c: f"{c}_hc3" if c != "estimate" else c for c in columns}
        else:
            source = {c: c for c in columns}
        frame = self.coefficients[["term"] + list(source.values())].copy()
        frame.columns = ["term"] + columns
        return frame.set_index("term", drop=False)

    @property
    def reported_covariance(self) -> pd.DataFrame:
        return self.covariance_hc3 if self.se_type == SE_HC3 else self.covariance

    def coefficient(self, term: str) -> pd.Series:
        """One row of :attr:`reported`, e.g. ``r.coefficient("Frequency").estimate``."""
        return self.reported.loc[term]

    @property
    def segment_levels_besides_reference(self) -> tuple[str, ...]:
        return tuple(level for level in self.levels if level != self.reference)

    @property
    def misaligned(self) -> pd.DataFrame:
        return self.customers[self.customers["misaligned"]]

    def misaligned_count(self, segment: str | None = None) -> int:
        flagged = self.customers["misaligned"].to_numpy()
        if segment is not None:
            # Compare in pandas: the column is Arrow-backed text, and .to_numpy() would
            # build a million Python strings on every call.
            flagged = flagged & (self.customers["Segment"] == segment).to_numpy(dtype=bool)
        return int(np.count_nonzero(flagged))
