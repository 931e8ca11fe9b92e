"""Each key may make API_REQUESTS_PER_MINUTE requests a minute, across every
process (the count lives on the key's row); past it, 429 with Retry-After,
and the next minute it may go on. Another key is not held back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from undersigned.integrations.keys import create_key

pytestmark = pytest.mark.django_db

# Twenty seconds into a minute.
START = datetime(2030, 5, 1, 12, 0, 20, tzinfo=UTC)


def get(token: str):
    return Client().get("/api/v1/petitions", HTTP_OSDI_API_TOKEN=token)


def test_a_key_over_its_rate_waits_for_the_next_minute(settings):
    settings.API_REQUESTS_PER_MINUTE = 3
    with time_machine.travel(START, tick=False) as clock:
        busy = create_key("Busy", actor="test").token
        other = create_key("Other", actor="test").token
        assert [get(busy).status_code for _ in range(3)] == [200, 200, 200]
        refused = get(busy)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "40"
        codes = [d["error_code"] for d in refused.json()["osdi:error"]["resource_status"][0][
            "error_descriptions"
        ]]  # fmt: skip
        assert codes == ["RATE_LIMITED"]
        assert get(other).status_code == 200

        clock.move_to(START + timedelta(seconds=39))
        assert get(busy).status_code == 429
        clock.move_to(START + timedelta(seconds=40))
        assert [get(busy).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_requests_without_a_valid_key_are_not_counted_against_anyone(settings):
    settings.API_REQUESTS_PER_MINUTE = 2
    with time_machine.travel(START, tick=False):
        token = create_key("Mine", actor="test").token
        for _ in range(5):
            assert get(token[:-1] + "x").status_code == 401
        assert [get(token).status_code for _ in range(3)] == [200, 200, 429]
