"""The futures run is computed once per log, as-of, options and code version, then read back."""
from __future__ import annotations

import dataclasses

from analysis.futures import cache
from analysis.futures.environment import FuturesRequest, futures_request
from analysis.futures.options import FuturesOptions


def test_second_load_reads_the_cached_run_and_a_changed_request_is_a_new_key(simulated_log, tmp_path):
    request = FuturesRequest(location=str(simulated_log), as_of="2011-01-03", columns=(), options=FuturesOptions())
    first = cache.load_futures(request, tmp_path)
    files = list(tmp_path.glob("*.pkl"))
    assert len(files) == 1 and first.bgnbd.model is None  # fitted graphs are not pickled
    stamp = files[0].stat().st_mtime_ns
    second = cache.load_futures(request, tmp_path)
    assert files[0].stat().st_mtime_ns == stamp  # not rewritten: read from the cache
    assert second.bgnbd.as_dict() == first.bgnbd.as_dict()
    assert second.customers.equals(first.customers)
    other_options = dataclasses.replace(request, options=FuturesOptions(exclude_anomalies=True))
    other_as_of = dataclasses.replace(request, as_of="2010-12-31")
    keys = {cache.futures_cache_key(r) for r in (request, other_options, other_as_of)}
    assert len(keys) == 3


def test_default_request_is_the_default_customer_table_s_derivation():
    request = futures_request({})
    assert request.location.endswith("data/orders.parquet")
    assert request.as_of == "2024-12-31"  # data/README.md: rfm ... --as-of 2024-12-31 --labels data/crm_labels.csv
    assert request.labels.endswith("data/crm_labels.csv")
    configured = futures_request({"ORDER_LOG": "elsewhere/log.csv", "ORDER_LOG_COLUMNS": "customer=c, date=d"})
    assert configured.location.endswith("elsewhere/log.csv") and configured.labels is None
    assert configured.columns == ("customer=c", "date=d") and configured.as_of is None
