"""Customer futures: purchase, churn, lifetime value, clusters and anomalies from the order log.

The public surface (imported from its module, so that ``python -m analysis`` can
parse commands without loading pymc or scikit-learn):

* :func:`analysis.futures.pipeline.compute_futures` → :class:`~analysis.futures.pipeline.FuturesRun`;
* :func:`analysis.futures.pipeline.brief_line` – the executive brief's sentence;
* :func:`analysis.futures.environment.futures_from_environment` – the chapter's entry point;
* :func:`analysis.futures.outputs.write_customer_futures`, :func:`~analysis.futures.outputs.model_json_section`;
* :func:`analysis.futures.churn.overlap` – the win-back list against another list of customers;
* :mod:`analysis.futures.report` – the chapter's tables, figures and sentences;
* :mod:`analysis.futures.command` – ``python -m analysis futures``.

Definitions and rules: ``analysis/futures/README.md``.
"""
