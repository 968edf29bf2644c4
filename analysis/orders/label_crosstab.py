"""Behaviour against the CRM: the R x F segments cross-tabulated with the CRM's own labels.

The CRM labels come from the customer table the model reads (``$CUSTOMER_DATA``, else
``data/customers.csv``), joined on ``CustomerID``. The CRM assigns its labels at its own
snapshot and by its own rules, so they lag behaviour; the cross-tab shows where.

The join runs in pandas, on one row per customer: the pipeline already returns the
customer table, and the labels file is one small CSV, so pushing both into an engine
would only add a copy. Only the two columns used are read and checked (the model's own
loader checks the rest of that file, and also demands enough customers to fit a model,
which a labels source need not have).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..data import ID_COLUMN, SEGMENT_COLUMN, canonical_segment
from ..errors import DataValidationError
from .segments import CRM_LABEL_OF_SEGMENT, CRM_LABELS, RFM_SEGMENTS

# Labels that say "still valuable" and "no longer buying"; used for the two disagreements quoted.
VALUABLE_BEHAVIOUR = ("Champions", "Loyal")
LAPSED_BEHAVIOUR = ("At Risk", "Can't Lose Them", "Hibernating")


@dataclass(frozen=True)
class LabelCrosstab:
    """Customers by R x F segment (rows, map order) and CRM label (columns, contract order).

    Attributes
    ----------
    source : Path
        The customer table the labels came from.
    available : bool
        False when that table has no ``CustomerID`` or ``Segment`` column, or no customer
        of the order log is in it: then every count is 0 and the chapter says so.
    counts : pandas.DataFrame
        Index ``RFMSegment``, one column per CRM label (every segment and label present).
    matched, customers : int
        Order-log customers found in the table, out of all order-log customers.
    agreeing : int
        Matched customers whose CRM label is the one their R x F segment maps to.
    at_risk_but_valuable : int
        CRM "At Risk" or "Low Value" customers whose behaviour is Champions or Loyal.
    high_but_lapsed : int
        CRM "High Value" customers whose behaviour is At Risk, Can't Lose Them or Hibernating.
    """

    source: Path
    available: bool
    counts: pd.DataFrame
    matched: int
    customers: int
    agreeing: int
    at_risk_but_valuable: int
    high_but_lapsed: int

    @property
    def agreement(self) -> float:
        return self.agreeing / self.matched if self.matched else 0.0


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame(0, index=pd.Index(RFM_SEGMENTS, name="RFMSegment"), columns=list(CRM_LABELS))


SHOWN_ROWS = 5


def read_labels(path: Path) -> pd.DataFrame:
    """``CustomerID, CRM`` from a customer table; labels canonical, as the model reads them.

    Raises
    ------
    DataValidationError
        A label that is not one of the four CRM labels, or a duplicate ID, naming the file,
        the column and the first rows (the header is row 1).
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace",
                        usecols=lambda c: str(c).strip() in (ID_COLUMN, SEGMENT_COLUMN))
    frame.columns = [str(c).strip() for c in frame.columns]
    ids = frame[ID_COLUMN].str.strip()
    crm = frame[SEGMENT_COLUMN].map(canonical_segment)
    problems = []
    for column, bad, rule in ((SEGMENT_COLUMN, crm.isna(), "is not one of the four CRM labels"),
                              (ID_COLUMN, ids.duplicated(keep=False), "repeats another row's ID")):
        if bad.any():
            rows = ", ".join(str(i + 2) for i in bad[bad].index[:SHOWN_ROWS])
            more = ", ..." if bad.sum() > SHOWN_ROWS else ""
            problems.append(f"column {column!r}: {int(bad.sum()):,} rows where the value {rule} "
                            f"(rows {rows}{more})")
    if problems:
        raise DataValidationError(path, problems)
    return pd.DataFrame({ID_COLUMN: ids, "CRM": crm})


def has_labels(path: Path) -> bool:
    """True when the file is a CSV with the ID and label columns (only the header is read)."""
    if not path.is_file():
        return False
    try:
        header = pd.read_csv(path, nrows=0, encoding_errors="replace").columns
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        return False
    names = {str(c).strip() for c in header}
    return ID_COLUMN in names and SEGMENT_COLUMN in names


def label_crosstab(customers: pd.DataFrame, labels_path: Path) -> LabelCrosstab:
    """Cross-tabulate the order log's R x F segments with the CRM labels in ``labels_path``.

    Parameters
    ----------
    customers : pandas.DataFrame
        The derived customer table (``CustomerID, RFMSegment``).
    labels_path : Path
        A customer table; when it has ``CustomerID`` and ``Segment`` those two columns are
        read and checked by :func:`read_labels`.
    """
    labels_path = Path(labels_path)
    total = len(customers)
    if not has_labels(labels_path):
        return LabelCrosstab(labels_path, False, _empty_counts(), 0, total, 0, 0, 0)
    crm = read_labels(labels_path)
    behaviour = customers[[ID_COLUMN, "RFMSegment"]].astype({ID_COLUMN: str})
    joined = behaviour.merge(crm, on=ID_COLUMN, how="inner", validate="one_to_one")
    if joined.empty:
        return LabelCrosstab(labels_path, False, _empty_counts(), 0, total, 0, 0, 0)
    counts = (pd.crosstab(joined["RFMSegment"], joined["CRM"])
              .reindex(index=list(RFM_SEGMENTS), columns=list(CRM_LABELS), fill_value=0)
              .rename_axis(index="RFMSegment", columns=None).astype("int64"))
    implied = joined["RFMSegment"].map(CRM_LABEL_OF_SEGMENT)
    return LabelCrosstab(
        source=labels_path, available=True, counts=counts, matched=len(joined), customers=total,
        agreeing=int((implied == joined["CRM"]).sum()),
        at_risk_but_valuable=int(counts.loc[list(VALUABLE_BEHAVIOUR), ["At Risk", "Low Value"]].to_numpy().sum()),
        high_but_lapsed=int(counts.loc[list(LAPSED_BEHAVIOUR), "High Value"].sum()),
    )
