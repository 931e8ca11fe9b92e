"""The proof of work's difficulty follows the campaign's sign rate: as at
rest up to POW_SURGE_PER_MINUTE sign-ups a minute over the last ten minutes,
then in proportion, up to POW_MAX_FACTOR times. Held sign-ups do not count:
spam we refused must not make honest phones work harder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from undersigned.abuse import checks
from undersigned.memo import forget_all
from undersigned.signatures.bulk import write_signatures
from undersigned.signatures.models import Signature

from .conftest import make_campaign

pytestmark = pytest.mark.django_db


def sign_ups(campaign, count: int, *, start: int = 0, status=Signature.Status.PENDING) -> None:
    write_signatures(
        (
            (Signature(campaign=campaign, letter_version=campaign.current_letter(), status=status,
                       email_digest=n.to_bytes(32, "big"), email=f"s{n}@example.org"), ())
            for n in range(start, start + count)
        ),
        created_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def surge(settings):
    settings.POW_MAX_NUMBER = 1000
    settings.POW_SURGE_PER_MINUTE = 10
    settings.POW_MAX_FACTOR = 4


def test_at_rest_the_puzzle_is_as_configured(campaign, surge):
    sign_ups(campaign, 50)  # 5 a minute
    assert checks.difficulty(campaign) == 1000


def test_in_a_surge_it_grows_with_the_rate_up_to_the_cap(campaign, surge):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        sign_ups(campaign, 250)  # 25 a minute over ten minutes: 2.5 times the surge rate
        assert checks.difficulty(campaign) == 2500
        sign_ups(campaign, 2000, start=250)
        forget_all()  # what a process reads, it keeps for ten seconds
        assert checks.difficulty(campaign) == 4000  # capped
        clock.shift(timedelta(minutes=11))
        forget_all()
        assert checks.difficulty(campaign) == 1000  # the surge is over


def test_each_campaign_has_its_own_rate(campaign, surge):
    sign_ups(campaign, 400)
    quiet = make_campaign(slug="quiet")
    assert checks.difficulty(quiet) == 1000
    assert checks.difficulty(campaign) == 4000


def test_held_sign_ups_do_not_make_it_harder(campaign, surge):
    sign_ups(campaign, 2000, status=Signature.Status.QUARANTINED)  # forged tokens, honeypots
    sign_ups(campaign, 50, start=2000)  # 5 a minute that count
    assert checks.difficulty(campaign) == 1000
