"""The data layer: the customer-table contract, reading and validating a CSV, the synthetic cohort.

``from analysis.data import load_customers`` is all most callers need; the
contract's names (``PREDICTORS``, ``CANONICAL_SEGMENTS``, ...) are re-exported
so the model and the report name columns and labels from one place.
"""
from .hashing import file_sha256
from .read import load_customers
from .schema import (CANONICAL_SEGMENTS, CONTRACT_RULES, DATA_DICTIONARY, ID_COLUMN, MIN_SEGMENT_SIZE,
                     NUMERIC_COLUMNS, OUTCOME, PREDICTORS, REQUIRED_COLUMNS, ROWS_PER_COEFFICIENT,
                     SEGMENT_COLUMN, CustomerTable, canonical_segment, minimum_rows)

__all__ = [
    "CANONICAL_SEGMENTS", "CONTRACT_RULES", "DATA_DICTIONARY", "ID_COLUMN", "MIN_SEGMENT_SIZE",
    "NUMERIC_COLUMNS", "OUTCOME", "PREDICTORS", "REQUIRED_COLUMNS", "ROWS_PER_COEFFICIENT", "SEGMENT_COLUMN",
    "CustomerTable", "canonical_segment", "file_sha256", "load_customers", "minimum_rows",
]
