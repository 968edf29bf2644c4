"""A realistic synthetic cohort generated from documented true coefficients.

The generating process (documented for readers in ``data/README.md``):

1. Each customer gets a CRM label with the shares in ``SEGMENT_SHARES``.
2. Recency, Frequency and MonetaryValue are drawn from overlapping, skewed
   distributions whose centres depend on the label (``SEGMENT_PROFILES``), so
   labels overlap heavily in RFM space. Two realistic quirks are planted:
   a fifth of "At Risk" customers have strong histories (frequent orders, large
   baskets) despite lapsing, and a third of "Medium Value" customers order often
   but with small baskets.
3. CustomerValue is a linear function of R, F, M and the label with the
   coefficients in ``TRUE_COEFFICIENTS``, plus noise whose spread grows with the
   expected value (heteroskedastic) and has heavy tails (Student t, 5 df).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.atomic import atomic_output

# The seed of the committed data/customers.csv.
DEFAULT_SEED = 11

SEGMENT_SHARES = {"High Value": 0.18, "Medium Value": 0.34, "Low Value": 0.30, "At Risk": 0.18}

# True effects on CustomerValue in USD; segment effects are relative to "Low Value".
TRUE_COEFFICIENTS = {
    "Intercept": 60.0,
    "Recency": -0.9,          # per day since the last order
    "Frequency": 24.0,        # per order in the last 12 months
    "MonetaryValue": 2.2,     # per $1 of average basket
    "Segment[High Value]": 150.0,
    "Segment[Medium Value]": 45.0,
    "Segment[At Risk]": -35.0,
}


@dataclass(frozen=True)
class SegmentProfile:
    recency_mean_days: float
    frequency_mean: float
    basket_median_usd: float


SEGMENT_PROFILES = {
    "High Value": SegmentProfile(recency_mean_days=25, frequency_mean=13, basket_median_usd=95),
    "Medium Value": SegmentProfile(recency_mean_days=50, frequency_mean=7, basket_median_usd=60),
    "Low Value": SegmentProfile(recency_mean_days=90, frequency_mean=3, basket_median_usd=38),
    "At Risk": SegmentProfile(recency_mean_days=170, frequency_mean=4, basket_median_usd=55),
}
STRONG_AT_RISK_SHARE = 0.20      # lapsed, but with High Value-like histories
FREQUENT_SMALL_BASKET_SHARE = 0.33  # Medium Value customers who order often, spend little
NOISE_BASE_USD = 80.0
NOISE_PER_DOLLAR = 0.22          # noise spread grows with expected value
NOISE_T_DF = 5                   # heavy tails: a few customers far from the line


def simulate_customers(n: int = 5000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Draw ``n`` customers from the documented generating process.

    Examples
    --------
    >>> frame = simulate_customers(200, seed=1)
    >>> sorted(frame.columns)
    ['CustomerID', 'CustomerValue', 'Frequency', 'MonetaryValue', 'Recency', 'Segment']
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = np.random.default_rng(seed)
    labels = np.array(list(SEGMENT_SHARES))
    code = rng.choice(len(labels), size=n, p=list(SEGMENT_SHARES.values()))
    segment = labels[code]

    recency_mean = np.array([SEGMENT_PROFILES[s].recency_mean_days for s in labels])
    frequency_mean = np.array([SEGMENT_PROFILES[s].frequency_mean for s in labels])
    basket_median = np.array([SEGMENT_PROFILES[s].basket_median_usd for s in labels])
    frequency_centre = frequency_mean[code].copy()
    basket_centre = basket_median[code].copy()

    strong_at_risk = (segment == "At Risk") & (rng.random(n) < STRONG_AT_RISK_SHARE)
    frequency_centre[strong_at_risk] = SEGMENT_PROFILES["High Value"].frequency_mean
    basket_centre[strong_at_risk] = SEGMENT_PROFILES["High Value"].basket_median_usd
    frequent_small = (segment == "Medium Value") & (rng.random(n) < FREQUENT_SMALL_BASKET_SHARE)
    frequency_centre[frequent_small] = 12
    basket_centre[frequent_small] = 30

    # Gamma recency (shape 1.5) and negative-binomial frequency give the long right tails
    # real order logs show; log-normal baskets are skewed with plenty of spread.
    recency = np.minimum(np.round(rng.gamma(1.5, recency_mean[code] / 1.5)), 365)
    frequency = rng.negative_binomial(3, 3 / (3 + frequency_centre))
    monetary = np.round(basket_centre * np.exp(rng.normal(0, 0.5, n) - 0.125), 2)

    beta = TRUE_COEFFICIENTS
    expected = (beta["Intercept"] + beta["Recency"] * recency + beta["Frequency"] * frequency
                + beta["MonetaryValue"] * monetary)
    for level in labels:
        key = f"Segment[{level}]"
        if key in beta:
            expected = expected + beta[key] * (segment == level)
    spread = NOISE_BASE_USD + NOISE_PER_DOLLAR * np.abs(expected)
    noise = spread * rng.standard_t(NOISE_T_DF, n) / np.sqrt(NOISE_T_DF / (NOISE_T_DF - 2))
    value = np.round(expected + noise, 2)

    width = len(str(n))
    return pd.DataFrame({
        "CustomerID": [f"C{i:0{width}d}" for i in range(1, n + 1)],
        "CustomerValue": value,
        "Recency": recency.astype(int),
        "Frequency": frequency.astype(int),
        "MonetaryValue": monetary,
        "Segment": segment,
    })


def write_simulated(out: str | Path, n: int = 5000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Simulate and write atomically, so an interrupted run never leaves half a file."""
    frame = simulate_customers(n, seed)
    with atomic_output(out) as temporary:
        frame.to_csv(temporary, index=False, float_format="%.2f")
    return frame
