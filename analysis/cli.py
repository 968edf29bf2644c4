"""Command line: ``python -m analysis {validate,fit,simulate,render,rfm}``.

Every user-facing failure is an :class:`~analysis.errors.AnalysisError`; it is
printed without a traceback and turned into a non-zero exit status. Commands
write their outputs atomically, so a failure leaves nothing behind.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import threading
from pathlib import Path

from .errors import AnalysisError
from .futures import command as futures_command
from .io.output_paths import checked_output_file

EXIT_INVALID_INPUT = 2


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Customer-value model: validate data, fit, simulate, render the report.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check a customer table against the data contract")
    validate.add_argument("path", type=Path)

    fit = sub.add_parser("fit", help="fit the customer-value model and write the JSON contract")
    fit.add_argument("path", type=Path)
    fit.add_argument("--reference", default=None,
                     help='reference segment (default: "Low Value" when present, else the largest)')
    fit.add_argument("--json", dest="json_out", type=Path, required=True, metavar="OUT")

    simulate = sub.add_parser("simulate", help="write a synthetic customer cohort")
    simulate.add_argument("--n", type=int, default=5000)
    simulate.add_argument("--seed", type=int, default=None, help="random seed (default: that of data/customers.csv)")
    simulate.add_argument("--out", type=Path, required=True)

    render = sub.add_parser("render", help="build the website and the executive PDF")
    render.add_argument("--data", type=Path, default=None,
                        help="customer table (default: $CUSTOMER_DATA, else data/customers.csv)")
    render.add_argument("--out", type=Path, default=None, help="output folder (default: _site)")
    render.add_argument("--engine", choices=("auto", "quarto", "builtin"), default="auto")
    render.add_argument("--previous", type=Path, default=None,
                        help="model.json of the last published build, for 'what changed'")

    rfm = sub.add_parser("rfm", help="derive the customer table from an order log")
    rfm.add_argument("orders", help="order log: a CSV or Parquet file, or an Ibis URL with #table")
    rfm.add_argument("--as-of", dest="as_of", required=True, metavar="YYYY-MM-DD")
    rfm.add_argument("--out", type=Path, required=True)
    rfm.add_argument("--column", action="append", default=[], metavar="ROLE=NAME",
                     help="map a role (customer, order, date, quantity, price, amount) to a column")
    rfm.add_argument("--margin", type=float, default=0.30)
    rfm.add_argument("--holdout-months", dest="holdout_months", type=int, default=6)
    rfm.add_argument("--dedupe", choices=("auto", "always", "never"), default="auto",
                     help="remove identical lines: auto = only when the log has an order column")
    rfm.add_argument("--labels", type=Path, default=None, metavar="CSV",
                     help="CRM labels (CustomerID, Segment) to use as Segment instead of the R x F rule")
    futures_command.add_parser(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    # Imports are per command so `validate` does not pay for statsmodels or Jupyter.
    if args.command == "validate":
        from .data import load_customers

        table = load_customers(args.path)
        print(table.summary_line())
        return 0
    if args.command == "fit":
        from .data import load_customers
        from .io.export import write_model_json
        from .model.fit import fit_model

        # statsmodels takes about a second to import, all of it Python; Arrow's CSV reader
        # releases the GIL, so the two overlap on a second core instead of queueing.
        warm = threading.Thread(target=importlib.import_module,
                                args=("statsmodels.regression.linear_model",), daemon=True)
        warm.start()
        checked_output_file(args.json_out, [args.path], "--json")
        table = load_customers(args.path)
        warm.join()
        results = fit_model(table, reference=args.reference)
        write_model_json(results, args.json_out)
        print(f"fitted {results.n:,} customers (reference: {results.reference}); wrote {args.json_out}")
        return 0
    if args.command == "simulate":
        from .data.simulate import write_simulated

        from .data.simulate import DEFAULT_SEED

        checked_output_file(args.out, [], "--out")
        seed = DEFAULT_SEED if args.seed is None else args.seed
        frame = write_simulated(args.out, n=args.n, seed=seed)
        print(f"wrote {len(frame):,} simulated customers to {args.out}")
        return 0
    if args.command == "render":
        from .io.site import render_report

        return render_report(data=args.data, out=args.out, engine=args.engine, previous=args.previous)
    if args.command == "rfm":
        from .orders import run_rfm_command

        checked_output_file(args.out, [args.orders], "--out")
        return run_rfm_command(args)
    if args.command == "futures": return futures_command.run(args)  # noqa: E701 (3-line hook, see notes/futures.md)
    raise AssertionError(f"unhandled command {args.command}")  # argparse guarantees a known command


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return _run(args)
    except AnalysisError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except OSError as error:  # unreadable input, read-only or full disk: the path and the cause, no traceback
        from renderer.publish import os_error_message

        print(f"error: {os_error_message(error, 'use')}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
