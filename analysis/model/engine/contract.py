"""The ``fit --json`` contract for an in-engine fit: the in-memory contract, counts from the engine."""
from __future__ import annotations

import json
from pathlib import Path

from ...io.atomic import atomic_output
from ...io.export import model_contract
from .fit import EngineFit


def engine_contract(fit: EngineFit) -> dict:
    """:func:`analysis.io.export.model_contract`, with the misaligned counts the engine computed.

    ``results.customers`` is empty for an in-engine fit, so the counts the in-memory
    contract reads from it come from the engine's third round instead.

    Data identity differs from the in-memory contract (see :mod:`analysis.io.export`):

    - ``data_sha256`` is ``null``: a warehouse table has no file whose bytes could be hashed;
    - ``data_fingerprint`` is the table's content fingerprint, computed in the engine in
      the first round's scan (:func:`.fit.data_fingerprint`): the same rows in any order
      give the same value on the same backend, one changed cell another;
    - ``code_version`` is the same hash of the ``analysis`` sources as in memory.
    """
    contract = model_contract(fit.results)
    contract["misaligned_count"] = sum(fit.misaligned_by_segment.values())
    contract["misaligned_by_segment"] = dict(fit.misaligned_by_segment)
    contract["data_sha256"] = None
    contract["data_fingerprint"] = fit.data_fingerprint
    contract["fitted_in"] = "engine"
    return contract


def write_engine_json(fit: EngineFit, out: str | Path) -> Path:
    out = Path(out)
    with atomic_output(out) as temporary:
        temporary.write_text(json.dumps(engine_contract(fit), indent=2) + "\n", encoding="utf-8")
    return out
