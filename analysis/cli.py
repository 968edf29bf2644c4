"""Command line: ``python -m analysis {validate,fit,simulate,render,preview,rfm}``.

Every user-facing failure is an :class:`~analysis.errors.AnalysisError`; it is
printed without a traceback and turned into a non-zero exit status. Commands
write their outputs atomically, so a failure leaves nothing behind.
"""
from __future__ import annotations

import argparse
import importlib
import os
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
    fit.add_argument("path", help="customer CSV, or an Ibis URL with #table (duckdb:///shop.db#customers): "
                                  "then the model is fitted inside that engine")
    fit.add_argument("--scores-table", dest="scores_table", default=None, metavar="NAME",
                     help="with an Ibis URL: write the per-customer scores back to the engine as this table")
    fit.add_argument("--reference", default=None,
                     help='reference segment (default: "Low Value" when present, else the largest)')
    fit.add_argument("--json", dest="json_out", type=Path, required=True, metavar="OUT")
    fit.add_argument("--evidence", action="store_true",
                     help="also write the model-evidence keys the site's model.json carries (validation, "
                          "gains, best_model, prediction_intervals, specification, models, claims, ...; "
                          "data/README.md), from the same code; a CSV only. Off by default: the competing "
                          "models and cross-validation cost far more than the fit (about 20-40 s at 1M customers)")

    simulate = sub.add_parser("simulate", help="write a synthetic customer cohort")
    simulate.add_argument("--n", type=int, default=5000)
    simulate.add_argument("--seed", type=int, default=None, help="random seed (default: that of data/customers.csv)")
    simulate.add_argument("--out", type=Path, required=True)

    render = sub.add_parser("render", help="build the website and the executive PDF")
    render.add_argument("--data", type=str, default=None,
                        help="customer table: a CSV, or an Ibis URL such as 'duckdb:///shop.db#customers' "
                             "(fitted in the engine) (default: $CUSTOMER_DATA, else data/customers.csv)")
    render.add_argument("--out", type=Path, default=None, help="output folder (default: _site)")
    render.add_argument("--engine", choices=("auto", "quarto", "builtin"), default="auto")
    render.add_argument("--previous", type=Path, default=None,
                        help="model.json of the last published build, for 'what changed'")

    preview = sub.add_parser("preview", help="build the site, serve it on 127.0.0.1 and rebuild on changes")
    preview.add_argument("--data", type=Path, default=None,
                         help="customer table (default: $CUSTOMER_DATA, else data/customers.csv)")
    preview.add_argument("--out", type=Path, default=None, help="output folder (default: _site)")
    preview.add_argument("--port", type=int, default=4321, help="loopback port (default 4321, as quarto preview)")

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
    # rfm and futures read the log the same way, so they take the same label file.
    for command in (rfm, futures_command.add_parser(sub)):
        _add_labels_option(command)
    return parser


def _add_labels_option(command: argparse.ArgumentParser) -> None:
    """``--labels CSV``: the CRM's labels as Segment (:mod:`analysis.orders.labels`)."""
    command.add_argument("--labels", type=Path, default=None, metavar="CSV",
                         help="CRM labels (CustomerID, Segment) to use as Segment instead of the R x F rule")


def _run(args: argparse.Namespace) -> int:
    # Imports are per command so `validate` does not pay for statsmodels or Jupyter.
    if args.command == "validate":
        from .data import load_customers

        table = load_customers(args.path)
        print(table.summary_line())
        return 0
    if args.command == "fit":
        return _fit_command(args)
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
    if args.command == "preview":
        return _preview(args)
    if args.command == "rfm":
        from .orders import run_rfm_command

        checked_output_file(args.out, [args.orders], "--out")
        return run_rfm_command(args)
    if args.command == "futures": return futures_command.run(args)  # noqa: E701 (3-line hook, see notes/futures.md)
    raise AssertionError(f"unhandled command {args.command}")  # argparse guarantees a known command


def _is_url(location: str) -> bool:
    from .orders.read import is_url

    return is_url(location)


def _fit_command(args: argparse.Namespace) -> int:
    checked_output_file(args.json_out, [args.path], "--json")
    # An existing file is a CSV: checked first so that the in-memory path never imports
    # ibis (orders.read does, at about 1 s of a 1M-customer command's 2 s).
    if not Path(args.path).is_file() and _is_url(args.path):
        if args.evidence:
            raise AnalysisError(f"{args.path}: --evidence needs a customer CSV (the competing models and the "
                                "cross-validation read every row); drop --evidence for the in-engine fit")
        from .data.public_url import public_url
        from .model.engine import fit_in_engine, open_customer_table
        from .model.engine.contract import write_engine_json

        table = open_customer_table(args.path)
        try:
            fit = fit_in_engine(table, reference=args.reference, source=public_url(args.path))
        except AnalysisError:
            raise
        except Exception as error:  # the engine's own failure (memory, permissions): say which
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise AnalysisError(f"{args.path}: the engine could not run the fit ({first})") from error
        write_engine_json(fit, args.json_out)
        if args.scores_table:
            from .model.engine.scores import write_scores

            write_scores(fit, table._find_backend(), args.scores_table)
        print(f"fitted {fit.results.n:,} customers in the engine (reference: {fit.results.reference}); "
              f"wrote {args.json_out}" + (f" and table {args.scores_table}" if args.scores_table else ""))
        return 0
    # pandas, scipy.special and the model layer (about 0.7 s of pure-Python imports at 1M
    # customers' scale) load on a second thread while the file is read: reading needs only
    # Arrow and numpy until the last chunk (analysis/data imports pandas where it uses it),
    # and Arrow's reader and kernels release the GIL, so on a second core the imports
    # overlap with the read instead of queueing before and after it.
    warm = threading.Thread(target=importlib.import_module, args=("analysis.io.export",), daemon=True)
    warm.start()
    from .data import load_customers

    table = load_customers(Path(args.path))
    warm.join()
    from .io.export import write_model_json
    from .model.fit import fit_model

    results = fit_model(table, reference=args.reference)
    evidence = None
    if args.evidence:  # the very sections the site's model.json gets (report.setup -> io.downloads)
        from .model.evidence import build_model_evidence

        evidence = build_model_evidence(results).contract()
    write_model_json(results, args.json_out, evidence)
    print(f"fitted {results.n:,} customers (reference: {results.reference}); wrote {args.json_out}"
          + (" with the model evidence" if evidence else ""))
    return 0


def _preview(args: argparse.Namespace) -> int:
    """Build once, then serve on loopback and rebuild when a source, the data or the code changes.

    The builtin engine is used because it is the one whose unchanged rebuild is a
    cache hit (a preview rebuilds on every save). A failing first build stops here
    with the usual message; a failing rebuild is reported by the preview loop and
    the last good site stays served.
    """
    from renderer.preview import preview

    from . import config
    from .io.site import render_report

    out = args.out.expanduser().resolve() if args.out is not None else config.SITE_DIR
    render_report(data=args.data, out=out, engine="builtin")
    # Named sources only, never the project root as a whole: the output folder is skipped
    # by the watcher only when it is called _site, and --out may name another folder.
    watch = [config.ROOT / "index.qmd", config.ROOT / "executive.qmd", config.ROOT / "chapters",
             config.ROOT / "_quarto.yml", config.ROOT / "styles.css", config.ROOT / "data",
             config.ROOT / "analysis"]
    if args.data is not None:  # a table outside data/ is an input too
        watch.append(args.data.expanduser().resolve())
    preview(out, watch, lambda changed: render_report(data=args.data, out=out, engine="builtin"),
            port=args.port, suffixes=(".qmd", ".yml", ".css", ".py", ".csv", ".parquet"))
    return 0


def main(argv: list[str] | None = None) -> int:
    # numpy asks the kernel for transparent huge pages for every large array; on a busy
    # machine (THP defrag "madvise") each fresh 2 MB page can stall in direct compaction.
    # Our arrays are short-lived: the fit command's system time was 0.20-0.88 s with huge
    # pages and 0.28-0.33 s without (1M customers, 5 runs each), and the 1M build's read,
    # fit and evidence took 7.8-8.1 s of system time with them, 3.7 s without (wall 23-29 s
    # against 18-19 s; two runs each, 2026-12-01). The documented switch is read when numpy
    # is imported, which has not happened yet here; the build's kernels inherit it; a
    # user's own setting wins.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    args = _build_parser().parse_args(argv)
    try:
        return _run(args)
    except AnalysisError as error:
        from .data.public_url import scrub_urls  # a URL's password never reaches the terminal or a CI log

        print(f"error: {scrub_urls(error)}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except OSError as error:  # unreadable input, read-only or full disk: the path and the cause, no traceback
        from renderer.publish import os_error_message

        print(f"error: {os_error_message(error, 'use')}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
