"""A yes/no setting spelled wrong stops the process at start-up, saying which
one; it is never read as "no" (STAFF_2FA=ture must not turn two-factor off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOAD = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def start(**environment: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "UNDERSIGNED_TESTING": "1",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-c", LOAD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("typo", ["ture", "yess", "2", "enabled"])
def test_a_misspelt_boolean_stops_the_start_up_and_names_the_setting(typo):
    started = start(UNDERSIGNED_DEBUG=typo)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert f"UNDERSIGNED_DEBUG={typo!r} is not a yes/no value" in started.stderr


@pytest.mark.parametrize(
    ("spelling", "value"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
     ("0", False), ("false", False), ("No", False), ("off", False), ("", False)],
)  # fmt: skip
def test_the_usual_spellings_of_yes_and_no_are_read(spelling, value):
    started = start(UNDERSIGNED_DEBUG=spelling)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == str(value)
