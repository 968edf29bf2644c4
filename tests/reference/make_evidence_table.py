"""Write tests/reference/evidence_customers.csv: a customer table derived from an order log.

Run from the repository root: ``.venv/bin/python tests/reference/make_evidence_table.py``.
The log is the project's synthetic Online Retail-layout log (analysis/orders/synthetic.py),
derived by ``python -m analysis rfm`` exactly as a user would, so CustomerValue is
margin x 12-month revenue + holdout revenue, about margin x F x M: the structure the
specification checks must catch. Customers with no value are dropped so that the log-scale
models apply too. make_r_evidence.R reads the CSV this writes.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

# This checkout's package, whatever an editable install elsewhere points to.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis.orders.synthetic import generate_order_log

HERE = Path(__file__).resolve().parent
COLUMNS = ["CustomerValue", "Recency", "Frequency", "MonetaryValue", "Segment"]


def main(out: Path = HERE / "evidence_customers.csv") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log, table = Path(tmp) / "orders.csv", Path(tmp) / "customers.csv"
        generate_order_log(log, 200_000, seed=11)
        subprocess.run([sys.executable, "-m", "analysis", "rfm", str(log), "--as-of", "2011-06-30",
                        "--out", str(table)], check=True, capture_output=True)
        customers = pd.read_csv(table)
    customers = customers.loc[customers["CustomerValue"] > 0, COLUMNS]
    customers.to_csv(out, index=False)
    print(f"wrote {len(customers)} customers")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "evidence_customers.csv")
