"""BG/NBD and Gamma-Gamma reproduce the published CDNOW fits to three significant figures."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.futures.models import MIN_REPEAT_CUSTOMERS, fit_bgnbd, fit_gamma_gamma


def three_significant(value: float) -> float:
    return float(f"{value:.3g}")


def test_cdnow_sample_has_the_papers_counts(cdnow):
    # Fader, Hardie & Lee (2005): 2,357 customers, 946 of them with a repeat purchase in 39 weeks.
    assert len(cdnow) == 2357
    assert int((cdnow["frequency"] > 0).sum()) == 946


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow):
    fit = fit_bgnbd(cdnow)
    published = {"r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}  # 4.414 and 2.426 to 3 s.f.
    assert {name: three_significant(value) for name, value in fit.as_dict().items()} == published


def test_gamma_gamma_reproduces_fader_hardie_2013(cdnow):
    fit = fit_gamma_gamma(cdnow)
    assert (three_significant(fit.p), three_significant(fit.q), three_significant(fit.gamma)) == (6.25, 3.74, 15.4)
    assert fit.customers == 946
    # The paper reports a weak correlation (0.11) between frequency and spend on these customers.
    assert fit.frequency_spend_correlation == pytest.approx(0.11, abs=0.01)


def test_p_alive_is_one_without_repeat_purchases_and_lower_for_long_silences(cdnow):
    fit = fit_bgnbd(cdnow)
    p_alive = fit.p_alive(cdnow)
    assert np.allclose(p_alive[cdnow["frequency"].to_numpy() == 0], 1.0)
    quiet = cdnow.assign(frequency=3, recency=2.0, T=38.0).head(1)
    recent = cdnow.assign(frequency=3, recency=37.0, T=38.0).head(1)
    assert fit.p_alive(quiet)[0] < 0.5 < fit.p_alive(recent)[0]


def test_expected_purchases_match_the_closed_form(cdnow):
    # E[X(t) | x, t_x, T] of Fader, Hardie & Lee (2005), eq. 10, written out with scipy's 2F1.
    from scipy.special import hyp2f1

    fit = fit_bgnbd(cdnow)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    one = cdnow[cdnow["frequency"] == 2].head(1)
    row = one.iloc[0]
    x, tx, T, t = row["frequency"], row["recency"], row["T"], 39.0
    z = t / (alpha + T + t)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                             * hyp2f1(r + x, b + x, a + b + x - 1, z))
    denominator = 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    assert fit.expected_purchases(one, t)[0] == pytest.approx(
        numerator / denominator, rel=1e-6)


def test_too_few_repeat_customers_is_refused_with_the_count(cdnow):
    few = cdnow[cdnow["frequency"] > 0].head(MIN_REPEAT_CUSTOMERS - 1)
    with pytest.raises(ValueError, match=f"only {MIN_REPEAT_CUSTOMERS - 1} customers"):
        fit_bgnbd(few)
