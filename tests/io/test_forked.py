"""A computation run in a forked child comes back whole, or is run again here with its real outcome."""
from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from analysis.io.forked import forked

PARENT = os.getpid()


def _pid_and_sum(values):
    return os.getpid(), sum(values)


def _dies_in_the_child():
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return "computed here"


def _raises():
    raise KeyError("no such column")


def test_the_result_comes_from_another_process():
    with forked(_pid_and_sum, [1, 2, 3]) as result:
        here = sum(range(10))
    pid, total = result()
    assert total == 6 and here == 45 and pid != PARENT
    assert multiprocessing.active_children() == []


def test_a_child_killed_by_a_signal_is_replaced_by_running_here():
    with forked(_dies_in_the_child) as result:
        pass
    assert result() == "computed here"


def test_an_exception_reaches_the_caller_with_its_own_type():
    with pytest.raises(KeyError, match="no such column"):
        with forked(_raises) as result:
            result()


def test_a_failing_block_stops_the_child():
    with pytest.raises(RuntimeError):
        with forked(signal.pause):  # would wait for ever
            raise RuntimeError("the other half failed")
    assert multiprocessing.active_children() == []
