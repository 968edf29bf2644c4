"""The choices of a customer-futures run, kept light so the CLI can parse without importing models."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HORIZON_MONTHS = 6
DEFAULT_MONTHLY_DISCOUNT = 0.01  # about 12.7% a year: a typical cost of capital for a retailer


@dataclass(frozen=True)
class FuturesOptions:
    """Choices a reader must be told about.

    Attributes
    ----------
    horizon_months : int
        H: CLV and expected purchases cover the next H months.
    monthly_discount : float
        Discount rate per month applied to future revenue in CLV.
    exclude_anomalies : bool
        Fit BG/NBD and Gamma-Gamma without the flagged customers (they are still scored).
    """

    horizon_months: int = DEFAULT_HORIZON_MONTHS
    monthly_discount: float = DEFAULT_MONTHLY_DISCOUNT
    exclude_anomalies: bool = False

    def __post_init__(self):
        if self.horizon_months < 1:
            raise ValueError(f"horizon {self.horizon_months}: must be at least 1 month")
        if not 0 <= self.monthly_discount < 1:
            raise ValueError(f"monthly discount {self.monthly_discount}: must be in [0, 1), e.g. 0.01 for 1%")
