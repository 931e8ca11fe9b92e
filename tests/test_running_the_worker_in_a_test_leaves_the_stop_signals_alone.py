"""The test helper that runs the real task worker (conftest.run_worker)
leaves the test process's SIGINT, SIGTERM and SIGQUIT handlers as it found
them. The worker installs its own, to stop gracefully, and does not remove
them when it returns: a stop signal reaching the test run afterwards was
turned into SystemExit(0) inside whatever test was running (the honest
crowd's test failed that way, interrupted while it ran the worker hour
after hour)."""

from __future__ import annotations

import signal

import pytest

from .conftest import STOP_SIGNALS, run_worker

pytestmark = pytest.mark.django_db


def test_the_worker_helper_puts_the_stop_signal_handlers_back():
    def ours(signum, frame):
        raise AssertionError("not called")

    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    try:
        for signum in STOP_SIGNALS:
            signal.signal(signum, ours)
        run_worker()
        assert {signum: signal.getsignal(signum) for signum in STOP_SIGNALS} == {
            signum: ours for signum in STOP_SIGNALS
        }
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
