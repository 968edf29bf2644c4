"""``python -m analysis futures``: every customer's future from an order log.

Writes ``customer_futures.csv`` (per customer) and ``customer_futures.json`` (the
model.json block) into ``--out-dir``, each atomically, only after every
computation succeeded; prints a log. Sections the data cannot support are
reported as skipped and do not fail the command.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from ..io.atomic import atomic_output
from ..errors import AnalysisError
from .options import DEFAULT_HORIZON_MONTHS, DEFAULT_MONTHLY_DISCOUNT, FuturesOptions

CUSTOMER_FUTURES_FILE = "customer_futures.csv"
MODEL_JSON_BLOCK_FILE = "customer_futures.json"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``futures`` on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "futures", help="purchase, churn and lifetime-value predictions, clusters and anomalies from an order log")
    parser.add_argument("orders", help="order log: a CSV or Parquet file, or an Ibis URL with #table")
    parser.add_argument("--as-of", dest="as_of", default=None, metavar="YYYY-MM-DD",
                        help="end of calibration (default: last day of the log; then nothing can be validated)")
    parser.add_argument("--out-dir", dest="out_dir", type=Path, required=True)
    parser.add_argument("--column", action="append", default=[], metavar="ROLE=NAME",
                        help="map a role (customer, order, date, quantity, price, amount) to a column")
    parser.add_argument("--margin", type=float, default=0.30, help="profit share of revenue, as for rfm")
    parser.add_argument("--holdout-months", dest="holdout_months", type=int, default=6)
    parser.add_argument("--horizon-months", dest="horizon_months", type=int, default=DEFAULT_HORIZON_MONTHS,
                        help="H: months of future value in CLV")
    parser.add_argument("--monthly-discount", dest="monthly_discount", type=float,
                        default=DEFAULT_MONTHLY_DISCOUNT, help="discount rate per month (0.01 = 1%%)")
    parser.add_argument("--exclude-anomalies", dest="exclude_anomalies", action="store_true",
                        help="fit the models without the customers flagged as anomalies (they are still scored)")
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Entry point; :class:`~analysis.errors.AnalysisError` propagates to the CLI (exit 2)."""
    # Models and scikit-learn load only when the command runs, not when the CLI parses.
    from ..orders.roles import parse_column_roles
    from .outputs import model_json_section, write_customer_futures
    from .pipeline import compute_futures

    try:
        options = FuturesOptions(horizon_months=args.horizon_months, monthly_discount=args.monthly_discount,
                                 exclude_anomalies=args.exclude_anomalies)
    except ValueError as error:
        raise AnalysisError(f"--horizon-months/--monthly-discount: {error}") from None
    result = compute_futures(args.orders, args.as_of, roles=parse_column_roles(args.column), margin=args.margin,
                             holdout_months=args.holdout_months, options=options,
                             labels=args.labels)
    block = model_json_section(result)
    write_customer_futures(result, args.out_dir / CUSTOMER_FUTURES_FILE)
    with atomic_output(args.out_dir / MODEL_JSON_BLOCK_FILE) as temporary:
        temporary.write_text(json.dumps({"customer_futures": block}, indent=2, allow_nan=False) + "\n")
    print(format_log(result, args.out_dir), file=out if out is not None else sys.stdout)
    return 0


def format_log(result, out_dir: Path | None = None) -> str:
    """What was fitted, how well it predicted the holdout, and what was skipped."""
    lines = [f"read {result.source}: {len(result.customers):,} customers as of {result.as_of}, "
             f"{result.repeat_customers:,} with a repeat purchase; holdout {result.holdout_status} "
             f"({result.holdout_weeks:.1f} weeks)"]
    from ..orders.labels import segment_source_line  # the run has read the log: analysis.orders is loaded

    lines.append(segment_source_line(result.labels, result.as_of))
    if result.bgnbd:
        b = result.bgnbd
        lines.append(f"BG/NBD (weeks): r={b.r:.3g} alpha={b.alpha:.4g} a={b.a:.3g} b={b.b:.4g} "
                     f"on {result.fitted_customers:,} customers"
                     + (" (anomalies excluded)" if result.options.exclude_anomalies else ""))
    if result.gamma_gamma:
        g = result.gamma_gamma
        lines.append(f"Gamma-Gamma: p={g.p:.3g} q={g.q:.3g} gamma={g.gamma:.4g}; "
                     f"frequency-spend correlation {g.frequency_spend_correlation:+.2f}")
    if result.holdout:
        h = result.holdout
        used = "season-adjusted BG/NBD" if result.season_adjusted is not None else "BG/NBD"
        lines.append(f"holdout, {used} (used): predicted {h.predicted_purchases:,.0f} purchases, actual "
                     f"{h.actual_purchases:,.0f} ({h.purchases_error:+.1%}); revenue {h.revenue_error:+.1%}")
        if result.season_adjusted is not None:
            lines.append(f"holdout, plain BG/NBD: predicted {h.plain_predicted_purchases:,.0f} purchases "
                         f"({h.plain_purchases_error:+.1%}); holdout months' seasonal index "
                         f"{result.season_adjusted.holdout_index:.3f}")
    if result.churn:
        lines += [f"churn {row.label}: AUC {row.auc:.3f}, Brier {row.brier:.3f}"
                  for row in result.churn.metrics.itertuples()]
    if result.clusters:
        lines.append(f"clusters: k={result.clusters.k} (silhouette {result.clusters.silhouette:.2f}): "
                     + "; ".join(result.clusters.names))
    lines.append(f"anomalies: {result.anomalies.share_flagged:.1%} flagged for review")
    lines += [f"skipped {section}: {reason}" for section, reason in result.skipped.items()]
    if out_dir is not None:
        lines.append(f"wrote {out_dir / CUSTOMER_FUTURES_FILE} and {out_dir / MODEL_JSON_BLOCK_FILE}")
    return "\n".join(lines)
