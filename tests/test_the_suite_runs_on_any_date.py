"""The last pass of `make test` moves every process's clock years ahead
(tests/clock/sitecustomize.py); these tests prove, in that pass, that the
move really reached this process and the processes tests start, so the guard
against date-dependent tests cannot silently stop guarding."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest
from django.utils import timezone

MOVED_TO = os.environ.get("UNDERSIGNED_TEST_CLOCK")
pytestmark = pytest.mark.skipif(not MOVED_TO, reason="only in the clock-moved pass")


def moved_day() -> datetime.date:
    return datetime.datetime.fromisoformat(MOVED_TO).date()


def test_this_process_lives_on_the_moved_date():
    assert timezone.now().date() in {moved_day(), moved_day() + datetime.timedelta(days=1)}


def test_a_process_started_by_a_test_lives_on_the_moved_date_too():
    printed = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.date.today().isoformat())"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert datetime.date.fromisoformat(printed) - moved_day() in {
        datetime.timedelta(0),
        datetime.timedelta(days=1),
    }
