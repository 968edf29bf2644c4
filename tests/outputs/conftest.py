"""Shared fixtures for the output tests (tables, downloads, prose, figures)."""
from __future__ import annotations

import pytest

from analysis.cache import load_results
from analysis.results import ModelResults


@pytest.fixture(scope="session")
def results() -> ModelResults:
    """The report's own fitted model on ``data/customers.csv`` (cached after the first fit)."""
    return load_results()
