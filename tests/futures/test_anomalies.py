"""The anomaly rule on planted cases."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.futures.anomalies import MAD_TO_SD, flag_anomalies, robust_z


def test_robust_z_uses_the_scaled_mad():
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    # median 3, MAD 1 -> scale 1.4826
    assert z[4] == pytest.approx(97 / MAD_TO_SD)
    assert np.all(robust_z(np.ones(5)) == 0)


def test_planted_cases_get_their_reasons():
    rng = np.random.default_rng(1)
    n = 500
    orders = rng.integers(1, 6, n)
    revenue = orders * rng.lognormal(3, 0.3, n)
    frame = pd.DataFrame({"CustomerID": [str(i) for i in range(n)], "orders": orders,
                          "calibration_revenue": revenue, "largest_order": revenue / orders * 1.2,
                          "most_orders_in_a_day": np.ones(n, int)})
    frame.loc[0, ["orders", "calibration_revenue", "largest_order"]] = [2, 50_020.0, 50_000.0]
    frame.loc[1, ["orders", "calibration_revenue", "largest_order"]] = [3, 0.03, 0.01]
    frame.loc[2, "most_orders_in_a_day"] = 12
    result = flag_anomalies(frame)
    assert "huge single order" in result.reasons[0] and "very high average order" in result.reasons[0]
    assert result.reasons[1] == "very low average order"
    assert result.reasons[2] == "many orders in one day"
    assert result.share_flagged == pytest.approx(result.flagged.sum() / n)
    assert result.flagged.sum() < 0.05 * n
    assert list(result.top["CustomerID"][:2]) == ["0", "1"] or list(result.top["CustomerID"][:2]) == ["1", "0"]
