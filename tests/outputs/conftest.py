"""Shared fixtures for the output tests (tables, downloads, prose, figures)."""
from __future__ import annotations

import pytest

from analysis.cache import load_results
from analysis.results import ModelResults


@pytest.fixture(scope="session")
def results() -> ModelResults:
    """The report's own fitted model on ``data/customers.csv`` (cached after the first fit)."""
    return load_results()


@pytest.fixture(scope="session")
def simulated_results(tmp_path_factory) -> ModelResults:
    """The fit of the cohort with a known linear truth (``simulate --n 5000``, default seed).

    Prose rules are checked in both directions; this is the case where the labels and
    the basket carry clear value, as the simulator's documented truth says.
    """
    from analysis.data import load_customers
    from analysis.model import fit_model
    from analysis.simulate import DEFAULT_SEED, write_simulated

    path = tmp_path_factory.mktemp("simulated") / "customers.csv"
    write_simulated(path, n=5000, seed=DEFAULT_SEED)
    return fit_model(load_customers(path))
