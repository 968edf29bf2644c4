"""The default data: the simulated business's order log, its CRM labels, and the customer table.

Regenerate all three (``data/README.md`` documents the process and its parameters)::

    python -m analysis.orders.default_data            # writes into data/
    python -m analysis.orders.default_data --out DIR  # somewhere else

1. ``orders.parquet`` – :func:`analysis.orders.simulate_log.simulate_order_log` with
   the default :class:`~analysis.orders.simulate_log.BusinessParameters` and :data:`SEED`;
2. ``crm_labels.csv`` – the labels the brand's CRM gave at its **earlier snapshot**
   (:data:`CRM_SNAPSHOT`) by its own rules (:class:`CRMRules`), plus the onboarding
   label of customers who joined after it;
3. ``customers.csv`` – exactly ``python -m analysis rfm orders.parquet --as-of 2024-12-31
   --labels crm_labels.csv --out customers.csv``.

Because the CRM looks at gross invoiced spend half a year earlier, its labels lag
behaviour: some "At Risk" customers have come back since, some "High Value" ones have
lapsed, and a few labels are account managers' manual overrides.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import config
from ..io.atomic import atomic_output
from .command import format_log, write_customer_table
from .pipeline import derive_customers
from .segments import CRM_LABELS
from .simulate_log import BusinessParameters, simulate_order_log

SEED = 20240601
AS_OF = date.fromisoformat(config.DEFAULT_ORDER_LOG_AS_OF)
CRM_SNAPSHOT = date(2024, 6, 30)
MARGIN, HOLDOUT_MONTHS = 0.30, 6
DATA = Path(__file__).resolve().parents[2] / "data"
ORDERS, LABELS, CUSTOMERS = "orders.parquet", "crm_labels.csv", "customers.csv"


@dataclass(frozen=True)
class CRMRules:
    """The CRM's own labelling rules, applied at ``snapshot`` to gross invoiced spend.

    First rule that applies wins: joined after the snapshot -> ``onboarding`` label;
    no order for ``lapse_days`` after at least ``repeat_orders`` orders -> At Risk;
    ``high_spend`` or more in the 12 months to the snapshot -> High Value;
    ``medium_spend`` or more, or joined in the last ``new_days`` -> Medium Value;
    otherwise Low Value. Then a random ``override_share`` get another label by hand.
    """

    snapshot: date = CRM_SNAPSHOT
    lapse_days: int = 75
    repeat_orders: int = 3
    high_spend: float = 600.0
    medium_spend: float = 150.0
    new_days: int = 90
    onboarding: str = "Medium Value"
    override_share: float = 0.04


def crm_labels(lines: pa.Table, as_of: date = AS_OF, rules: CRMRules = CRMRules(), seed: int = SEED) -> pd.DataFrame:
    """The CRM export at ``as_of``: ``CustomerID, Segment, LabelledOn`` for every customer known by then.

    The CRM counts invoices, not cancellations or duplicate scans: its view is gross.
    """
    frame = lines.select(["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity", "UnitPrice"]).to_pandas()
    frame = frame[frame["CustomerID"].notna() & ~frame["InvoiceNo"].str.startswith("C")]
    frame = frame.assign(day=frame["InvoiceDate"].dt.normalize(), spend=frame["Quantity"] * frame["UnitPrice"])
    snapshot, known = pd.Timestamp(rules.snapshot), pd.Timestamp(as_of)
    first = frame.groupby("CustomerID")["day"].min()
    first = first[first <= known]
    before = frame[frame["day"] <= snapshot]
    last = before.groupby("CustomerID")["day"].max()
    orders = before.groupby("CustomerID")["InvoiceNo"].nunique()
    recent = before[before["day"] > snapshot - pd.DateOffset(months=12)]
    spend = recent.groupby("CustomerID")["spend"].sum()
    table = pd.DataFrame({"first": first}).join([last.rename("last"), orders.rename("orders"),
                                                 spend.rename("spend")])
    table = table.fillna({"orders": 0, "spend": 0.0}).sort_index()
    idle = (snapshot - table["last"]).dt.days
    new = (snapshot - table["first"]).dt.days < rules.new_days
    label = np.select(
        [table["first"] > snapshot, (idle >= rules.lapse_days) & (table["orders"] >= rules.repeat_orders),
         table["spend"] >= rules.high_spend, (table["spend"] >= rules.medium_spend) | new],
        [rules.onboarding, "At Risk", "High Value", "Medium Value"], default="Low Value").astype(object)
    rng = np.random.default_rng(seed + 1)
    override = rng.random(len(table)) < rules.override_share
    others = np.array([[other for other in CRM_LABELS if other != own] for own in CRM_LABELS])
    index = np.array([CRM_LABELS.index(own) for own in label])
    label[override] = others[index[override], rng.integers(0, 3, int(override.sum()))]
    labelled_on = np.where(table["first"] > snapshot, table["first"].dt.date, rules.snapshot)
    return pd.DataFrame({"CustomerID": table.index, "Segment": label, "LabelledOn": labelled_on})


def write_default_data(folder: Path = DATA, seed: int = SEED) -> str:
    """Write ``orders.parquet``, ``crm_labels.csv`` and ``customers.csv`` into ``folder``; return the rfm log."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = simulate_order_log(BusinessParameters(), seed)
    with atomic_output(folder / ORDERS) as temporary:
        # Fixed writer options: the same table gives the same bytes.
        pq.write_table(lines, temporary, compression="zstd", compression_level=9, row_group_size=1 << 20)
    with atomic_output(folder / LABELS) as temporary:
        crm_labels(lines, seed=seed).to_csv(temporary, index=False, lineterminator="\n")
    run = derive_customers(folder / ORDERS, AS_OF, margin=MARGIN, holdout_months=HOLDOUT_MONTHS,
                           labels=folder / LABELS)
    write_customer_table(run, folder / CUSTOMERS)
    return format_log(run, folder / CUSTOMERS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.orders.default_data", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="folder to write into (default: data/)")
    args = parser.parse_args(argv)
    print(write_default_data(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
