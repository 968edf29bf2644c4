"""k comes from the data; names come from profiles; stable partitions have ARI 1."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.futures.clusters import K_RANGE, choose_clusters, cluster_name


def blobs(centres, n=300, seed=0) -> pd.DataFrame:
    """Customers around given (Recency, Frequency, MonetaryValue) centres, tight on the log scale."""
    rng = np.random.default_rng(seed)
    rows = [np.exp(np.log1p(np.array(c)) + rng.normal(0, 0.05, (n, 3))) - 1 for c in centres]
    values = np.vstack(rows)
    return pd.DataFrame({"Recency": values[:, 0], "Frequency": values[:, 1], "MonetaryValue": values[:, 2],
                         "Revenue12m": values[:, 1] * values[:, 2]})


def test_k_follows_the_data_not_a_constant():
    three = choose_clusters(blobs([(5, 20, 200), (200, 1, 20), (60, 5, 60)]))
    four = choose_clusters(blobs([(5, 20, 200), (200, 1, 20), (60, 5, 60), (5, 1, 500)]))
    assert (three.k, four.k) == (3, 4)
    assert list(three.selection["k"]) == list(K_RANGE)
    assert three.silhouette == three.selection["silhouette"].max()
    assert min(three.stability_ari) > 0.99


def test_names_are_rule_based_and_unique():
    clusters = choose_clusters(blobs([(5, 20, 200), (200, 1, 20), (60, 5, 60)]))
    assert len(set(clusters.names)) == clusters.k
    by_name = clusters.profiles.set_index("name")
    assert by_name.loc["Recent, frequent, high spend", "frequency_median"] > 15
    assert cluster_name(100, 1, 10, {"Recency": 50, "Frequency": 2, "MonetaryValue": 20}) == \
        "Lapsing, infrequent, low spend"


def test_name_rule_doctests_and_average_band():
    import doctest

    import analysis.futures.clusters as module

    assert doctest.testmod(module).failed == 0
    assert cluster_name(55, 2.1, 26, {"Recency": 60, "Frequency": 2, "MonetaryValue": 25}) == \
        "Average recency, average frequency, average spend"


def test_lapsed_customers_are_their_own_group(simulated_run):
    from analysis.futures.clusters import LAPSED, cross_tab

    customers = simulated_run.customers
    assert (customers["cluster"] != LAPSED).all()  # as of 2011-01-03 every simulated customer ordered in 12 months
    lapsed = customers.head(7).assign(Frequency=0, MonetaryValue=0.0, Segment="Low Value")
    table = cross_tab(simulated_run.clusters, pd.concat([customers, lapsed], ignore_index=True), "Segment")
    assert table.loc[LAPSED].sum() == 7 and table.loc[LAPSED, "Low Value"] == 7
    assert table.to_numpy().sum() == len(customers) + 7
