"""Join a CRM's own labels onto the derived customer table (``rfm --labels``).

A CRM labels customers by its own rules, at its own snapshot, and those labels are
what the business acts on. The model's ``Segment`` is that label, so by default
the command derives a rule-based label from the R x F segment, and with
``--labels crm_labels.csv`` it takes the CRM's instead.

The label file is a CSV with ``CustomerID`` and ``Segment`` (one of the four contract
labels, case and surrounding spaces ignored); other columns (e.g. ``LabelledOn``) are
ignored. Every customer of the table must have a label, because a model with a
silently defaulted label would misread them; IDs without orders up to the as-of
day are counted and ignored (the CRM knows people who never bought).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import OrderLogError
from .clean import EXAMPLES_SHOWN as SHOWN
from .segments import CRM_LABELS


@dataclass(frozen=True)
class LabelJoin:
    """What the label join did, for the log.

    Attributes
    ----------
    source : str
        The label file's name.
    labelled : int
        Customers of the table that took their label from the file.
    ignored : int
        Label-file IDs with no order up to the as-of day.
    """

    source: str
    labelled: int
    ignored: int


def segment_source_line(labels: LabelJoin | None, as_of) -> str:
    """The command log's line on where ``Segment`` came from (``rfm`` and ``futures`` alike)."""
    if labels is None:
        return "Segment: rule-based label of the R x F segment (no --labels file)"
    return (f"Segment: CRM labels from {labels.source} for all {labels.labelled:,} customers "
            f"({labels.ignored:,} labelled IDs without an order by {as_of} ignored)")


def read_crm_labels(path: Path) -> pd.DataFrame:
    """Read and check a label file: ``CustomerID`` (text) -> ``Segment`` (a contract label).

    Raises
    ------
    OrderLogError
        Missing file or columns, unknown labels, or a customer labelled twice, naming
        the file, the column and the first rows (the header is line 1).
    """
    path = Path(path)
    if not path.is_file():
        raise OrderLogError(f"--labels {path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise OrderLogError(f"--labels {path}: cannot be read as a UTF-8 CSV ({error})") from None
    missing = [c for c in ("CustomerID", "Segment") if c not in frame.columns]
    if missing:
        raise OrderLogError(f"--labels {path}: column {missing[0]!r} is missing "
                            f"(columns: {', '.join(map(repr, frame.columns)) or 'none'})")
    ids = frame["CustomerID"].str.strip()
    by_key = {label.casefold(): label for label in CRM_LABELS}
    labels = frame["Segment"].str.strip().str.casefold().map(by_key)
    _refuse(path, "CustomerID", "is empty", ids == "")
    _refuse(path, "Segment", f"is not one of {', '.join(CRM_LABELS)}", labels.isna())
    _refuse(path, "CustomerID", "labels a customer twice", ids.duplicated(keep=False))
    return pd.DataFrame({"CustomerID": ids, "Segment": labels})


def join_crm_labels(customers: pd.DataFrame, labels: pd.DataFrame, source: str) -> tuple[pd.DataFrame, LabelJoin]:
    """Replace ``Segment`` with the CRM's label; every customer must have one.

    Raises
    ------
    OrderLogError
        Naming how many customers have no label, and the first few IDs.
    """
    by_id = labels.set_index("CustomerID")["Segment"]
    joined = customers["CustomerID"].map(by_id)
    unlabelled = customers.loc[joined.isna(), "CustomerID"]
    if len(unlabelled):
        shown = ", ".join(map(repr, unlabelled.head(SHOWN)))
        raise OrderLogError(f"--labels {source}: {len(unlabelled):,} customers of the order log have no label "
                            f"({shown}{', ...' if len(unlabelled) > SHOWN else ''}); the label file must "
                            "cover every customer with an order on or before the as-of day")
    result = customers.assign(Segment=joined.astype(str))
    ignored = int((~labels["CustomerID"].isin(customers["CustomerID"])).sum())
    return result, LabelJoin(source=source, labelled=len(result), ignored=ignored)


def _refuse(path: Path, column: str, rule: str, bad: pd.Series) -> None:
    if bad.any():
        lines = [str(i + 2) for i in bad[bad].index[:SHOWN]]
        more = ", ..." if bad.sum() > SHOWN else ""
        raise OrderLogError(f"--labels {path}: column {column!r} {rule} on {int(bad.sum()):,} rows "
                            f"(lines {', '.join(lines)}{more})")
