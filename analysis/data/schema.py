"""The customer-table contract: column names, CRM labels, size rules and their wording.

Everything here is a constant or a pure function of one: the reader
(:mod:`analysis.data.read`), the checks (:mod:`analysis.data.validate`), the model
and the Methods chapter all take the contract from this one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an annotation only: reading a file does not need pandas (see read.py)
    import pandas as pd

ID_COLUMN = "CustomerID"
OUTCOME = "CustomerValue"
PREDICTORS = ("Recency", "Frequency", "MonetaryValue")
SEGMENT_COLUMN = "Segment"
REQUIRED_COLUMNS = (ID_COLUMN, OUTCOME, *PREDICTORS, SEGMENT_COLUMN)
NUMERIC_COLUMNS = (OUTCOME, *PREDICTORS)
WHOLE_COUNT_COLUMNS = ("Recency", "Frequency")
NON_NEGATIVE_COLUMNS = ("Recency", "Frequency", "MonetaryValue")

# The CRM's four labels, in the order reports list them (best to worst, then churn risk).
CANONICAL_SEGMENTS = ("High Value", "Medium Value", "Low Value", "At Risk")

# Ten customers per estimated coefficient is the usual floor for a stable linear model;
# with four segments the full model has seven coefficients.
ROWS_PER_COEFFICIENT = 10
# Below this a segment's dollar effect rests on a handful of customers and its
# confidence interval is too wide to steer any budget.
MIN_SEGMENT_SIZE = 10

# Largest magnitude each numeric column may hold. Far beyond any real customer (a trillion
# dollars, a million orders a year, a century since the last order), yet small enough
# that squares and sums of a million of them stay finite in float64 (1e12² · 1e7 ≈ 1e31):
# a value past its bound is an export error (a unit, a sentinel like 9.99e307), and
# letting it through makes R² NaN, dollars infinite and model.json invalid JSON.
MAGNITUDE_BOUNDS = {
    OUTCOME: 1e12,          # |CustomerValue| in USD; it may be negative
    "MonetaryValue": 1e12,  # USD per order
    "Frequency": 1e6,       # orders in 12 months
    "Recency": 36_500,      # days: one hundred years
}
BOUND_UNITS = {OUTCOME: "USD", "MonetaryValue": "USD", "Frequency": "orders", "Recency": "days"}

# What each contract column means; the Methods chapter prints this.
DATA_DICTIONARY = {
    ID_COLUMN: ("text", "Unique customer identifier."),
    OUTCOME: ("USD", "Value score: past profit plus projected near-term value. May be negative."),
    "Recency": ("whole days, 0 or more", "Days since the customer's last order (lower is more recent)."),
    "Frequency": ("whole orders, 0 or more", "Completed orders in the last 12 months."),
    "MonetaryValue": ("USD, 0 or more", "Average order value (basket size)."),
    SEGMENT_COLUMN: ("label", "CRM label: " + ", ".join(CANONICAL_SEGMENTS) + "."),
}

# Every rule load_customers enforces, in words, for the validation summary.
CONTRACT_RULES = (
    "the file is a non-empty, comma-separated text file (UTF-8, or Latin-1 as a fallback; "
    "UTF-16 and UTF-32 exports are named and refused)",
    "the file can be read (a permission error is reported, not raised)",
    "every required column is present (extra columns are ignored)",
    "no two column names are the same once surrounding spaces and case are ignored",
    "every row has as many fields as the header",
    "numbers parse, and no value is missing, NaN or infinite",
    "Recency and Frequency are whole numbers, 0 or more; MonetaryValue is 0 or more",
    "magnitudes are within bounds: |CustomerValue| and MonetaryValue at most 1e12 USD, "
    "Frequency at most 1e6 orders, Recency at most 36,500 days",
    "customer IDs are unique",
    "segment labels are one of the four CRM labels (ignoring case and spaces)",
    "there are at least 10 customers per estimated coefficient",
    "there are at least two segments, each with at least 10 customers",
    "no predictor is constant",
)

@dataclass(frozen=True)
class CustomerTable:
    """A validated customer table and where it came from.

    ``frame`` has exactly the contract columns: ``CustomerID`` as text, the four
    numeric columns as float64 (counts are whole numbers) and ``Segment`` as
    canonical labels.
    """

    path: Path
    frame: pd.DataFrame
    sha256: str
    encoding: str
    ignored_columns: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def segment_counts(self) -> dict[str, int]:
        counts = self.frame[SEGMENT_COLUMN].value_counts()
        return {level: int(counts[level]) for level in CANONICAL_SEGMENTS if level in counts}

    def summary_line(self) -> str:
        sizes = ", ".join(f"{level} {count:,}" for level, count in self.segment_counts.items())
        return f"{self.path}: valid, {self.n_rows:,} customers ({sizes}); sha256 {self.sha256[:12]}"


def minimum_rows(n_segments: int) -> int:
    """Rows needed to fit the full model with ``n_segments`` segment levels."""
    n_coefficients = 1 + len(PREDICTORS) + max(n_segments - 1, 0)
    return ROWS_PER_COEFFICIENT * n_coefficients


def canonical_segment(label: str) -> str | None:
    """The canonical spelling of a CRM label, ignoring case and surrounding/repeated spaces."""
    key = " ".join(str(label).split()).casefold()
    for canonical in CANONICAL_SEGMENTS:
        if canonical.casefold() == key:
            return canonical
    return None

