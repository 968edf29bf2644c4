"""``python -m analysis rfm``: derive the customer table, print the log, write it atomically."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..io.atomic import atomic_output
from .labels import segment_source_line
from .pipeline import RFMRun, derive_customers
from .roles import parse_column_roles
from .transform import MONEY_COLUMNS, OUTPUT_COLUMNS


def run_rfm_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Entry point called by :mod:`analysis.cli`; returns the exit status.

    Raises :class:`~analysis.errors.OrderLogError` for anything the user can fix;
    the CLI prints it and exits 2. The output file is only written on success.
    """
    roles = parse_column_roles(args.column)
    run = derive_customers(args.orders, args.as_of, roles=roles, margin=args.margin,
                           holdout_months=args.holdout_months, dedupe=getattr(args, "dedupe", "auto"),
                           labels=getattr(args, "labels", None))
    write_customer_table(run, args.out)
    print(format_log(run, args.out), file=out if out is not None else sys.stdout)
    return 0


def write_customer_table(run: RFMRun, path: Path) -> None:
    """Write the customer table as CSV, money to the cent, all or nothing.

    Arrow writes the file and money is formatted column-wise: formatting and writing
    with pandas took 2.2 s of one core for 380,000 customers (10M order lines), about
    a tenth of the whole command. The bytes are those pandas writes (minimal quoting, ``\n``).
    """
    frame = run.customers.loc[:, list(OUTPUT_COLUMNS)]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for column in MONEY_COLUMNS:
        table = table.set_column(table.schema.get_field_index(column), column, money_text(frame[column]))
    with atomic_output(path) as temporary:
        try:
            # Arrow's "needed" quotes every text value; "none" refuses values that need quotes,
            # so those rare tables (an id with a comma) go through pandas' minimal quoting.
            # Arrow quotes header names whatever the style; ours are fixed identifiers.
            with open(temporary, "wb") as handle:
                handle.write((",".join(OUTPUT_COLUMNS) + "\n").encode())
                pacsv.write_csv(table, handle, pacsv.WriteOptions(quoting_style="none", include_header=False))
        except pa.ArrowInvalid:
            table.to_pandas().to_csv(temporary, index=False)


def money_text(values) -> pa.Array:
    """Amounts as text to the cent (``-1234.50``), the same as ``"{:.2f}".format``, vectorised."""
    cents = np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)
    whole = pa.array(np.abs(cents) // 100).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(np.abs(cents) % 100).cast(pa.string()), 2, "0")
    sign = pa.array(np.where(cents < 0, "-", ""))
    return pc.binary_join_element_wise(sign, pc.binary_join_element_wise(whole, fraction, "."), "")


def format_log(run: RFMRun, out_path: Path | None = None) -> str:
    """The run log: source, cleaning counts, window, holdout, notes, segment sizes."""
    c, p = run.cleaning, run.params
    width = max(len(rule) for rule, _ in c.rows())
    lines = [f"read {run.source}: {c.lines_read:,} order lines, {run.first_day} to {run.last_day}",
             "cleaning (each line counted under the first rule it breaks):"]
    lines += [f"  {rule:<{width}}  {count:>12,} removed" for rule, count in c.rows()]
    lines.append(f"  {'kept':<{width}}  {c.kept:>12,}")
    if not c.dedupe:
        lines.append(f"  identical lines kept (not de-duplicated): {c.identical_kept:,}")
    if not run.orders_per_day:
        lines.append(f"cancellation lines ({c.cancellations:,}), netted against the orders they cancel:")
        lines += [f"  {how:<{width}}  {count:>12,}" for how, count in c.netting_rows()]
    lines.append(f"as of {p.as_of}: window {p.window_start} (excl.) to {p.as_of}; "
                 f"holdout to {p.holdout_end} ({p.holdout_months} months, {run.holdout}); margin {p.margin:.0%}")
    lines += [f"note: {note}" for note in run.notes()]
    lines.append(segment_source_line(run.labels, p.as_of))
    sizes = run.customers["Segment"].value_counts()
    lines.append("segments: " + ", ".join(f"{label} {int(n):,}" for label, n in sizes.items()))
    target = f" to {out_path}" if out_path is not None else ""
    lines.append(f"wrote {len(run.customers):,} customers{target}")
    return "\n".join(lines)
