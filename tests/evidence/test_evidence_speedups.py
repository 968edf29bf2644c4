"""The shortcuts the evidence layer takes at scale give the numbers of the long way round."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.simulate import simulate_customers
from analysis.evidence.build import prepare_frame
from analysis.evidence.influence import without_rows
from analysis.evidence.overlap import percentile_ranks
from analysis.evidence.fit_specs import Design, fit_spec, shared_designs
from analysis.evidence.specs import MODEL_SPECS, SPECS_BY_NAME


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    table = simulate_customers(3000, seed=8)
    # Positive values, so that the log-scale specs apply and all six are compared.
    table["CustomerValue"] = table["CustomerValue"].abs() + 1.0
    return prepare_frame(table)


def test_percentile_ranks_equal_pandas_average_ranks(frame):
    expected = np.column_stack([frame[v].rank(method="average", pct=True).to_numpy()
                                for v in ("Recency", "Frequency", "MonetaryValue")])
    assert np.array_equal(percentile_ranks(frame), expected)


def test_exact_deletion_equals_a_refit_without_the_rows(frame):
    linear = SPECS_BY_NAME["linear"]
    design = Design.build(linear, frame, "Low Value")
    model = fit_spec(linear, frame, "Low Value", design=design)
    drop = np.zeros(len(frame), dtype=bool)
    drop[np.argsort(-np.abs(frame["CustomerValue"].to_numpy() - model.fitted))[:40]] = True
    deleted = without_rows(model, design, frame["CustomerValue"].to_numpy(float), drop)
    refit = fit_spec(linear, frame.loc[~drop].reset_index(drop=True), "Low Value")
    np.testing.assert_allclose(deleted.params.to_numpy(), refit.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(deleted.cov, refit.cov, rtol=1e-9)
    assert deleted.df_resid == refit.df_resid and deleted.n == refit.n == len(frame) - 40


def test_shared_designs_give_the_fits_of_designs_built_alone(frame):
    designs = shared_designs(frame, "Low Value")
    # one design for linear, loglinear, gamma_log and median; fxm and flexible their own
    assert designs["linear"] is designs["loglinear"] is designs["gamma_log"] is designs["median"]
    assert len({id(d) for d in designs.values()}) == 3
    for spec in MODEL_SPECS:
        shared = fit_spec(spec, frame, "Low Value", design=designs[spec.name])
        alone = fit_spec(spec, frame, "Low Value")
        assert shared.basis.spec_name == spec.name
        np.testing.assert_allclose(shared.params.to_numpy(), alone.params.to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(shared.cov, alone.cov, rtol=1e-12)


def test_a_design_for_other_rows_is_not_reused(frame):
    linear = SPECS_BY_NAME["linear"]
    design = Design.build(linear, frame, "Low Value")
    half = frame.iloc[: len(frame) // 2].reset_index(drop=True)
    assert not design.serves(linear, half)
    assert not design.serves(SPECS_BY_NAME["fxm"], frame)
    assert not design.serves(linear, frame, rfm_only=True)
    assert fit_spec(linear, half, "Low Value", design=design).n == len(half)
