"""A fast form, a busy network, a disposable-looking domain or a page left
open overnight: a real person can trip each. They are asked for a check
they can pass, with their browser or by waiting, and then sign like anyone
else; the signal is recorded for staff. Nothing is stored before."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from undersigned.abuse.timing import issue_form_token
from undersigned.outbox.models import Email
from undersigned.signatures.models import Signature

from .crowd import CHECK, seconds_to_wait_in, solve_puzzle_in, token_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_puzzles(settings):
    settings.POW_MAX_NUMBER = 2000


def details(**extra) -> dict:
    return {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org",
            "postal_code": "02143", **extra}  # fmt: skip


def post(client, campaign, data):
    return client.post(reverse("sign", args=[campaign.slug]), data).content.decode()


def test_an_autofilled_form_is_checked_then_signs_with_the_browsers_proof_of_work(campaign):
    client = Client(REMOTE_ADDR="192.0.2.1")
    page = post(client, campaign, details(issued=issue_form_token(time.time() - 1.2)))
    assert CHECK in page
    assert 'value="Ada"' in page and 'value="ada@example.org"' in page  # nothing to retype
    assert not Signature.objects.exists() and not Email.objects.exists()

    answer = post(client, campaign, details(issued=token_in(page), pow=solve_puzzle_in(page)))

    assert "Check your e-mail" in answer
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.PENDING
    assert (signature.signals, signature.check_passed) == ("submitted too fast", "pow")
    assert Email.objects.filter(signature=signature, kind=Email.Kind.CONFIRM).count() == 1


def test_without_javascript_a_person_waits_and_presses_sign_again(campaign, settings):
    client = Client(REMOTE_ADDR="192.0.2.1")
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        page = post(client, campaign, details(issued=issue_form_token(time.time() - 1)))
        assert seconds_to_wait_in(page) == settings.SIGN_CHECK_WAIT_SECONDS
        clock.shift(4)
        # Too early: the same token, and the seconds left.
        early = post(client, campaign, details(issued=token_in(page)))
        assert CHECK in early and token_in(early) == token_in(page)
        assert seconds_to_wait_in(early) == settings.SIGN_CHECK_WAIT_SECONDS - 4
        clock.shift(seconds_to_wait_in(early))
        answer = post(client, campaign, details(issued=token_in(early)))
    assert "Check your e-mail" in answer
    assert Signature.objects.get().check_passed == "wait"


def test_a_busy_network_waits_longer_without_javascript_but_always_passes(campaign, settings):
    settings.WAIT_PASSES_PER_HOUR = 2
    campaign.rate_limit_per_hour = 1
    campaign.save()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        waits = []
        for n in range(4):
            client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
            data = details(email=f"p{n}@example.org", issued=issue_form_token(time.time() - 60))
            page = post(client, campaign, data)
            if n == 0:
                assert "Check your e-mail" in page  # under the hourly limit: no check
                continue
            waits.append(seconds_to_wait_in(page))
            if n == 3:  # an hour's wait is said in minutes
                assert "press Sign again in about 60 minutes" in page
            clock.shift(waits[-1] + 1)
            assert "Check your e-mail" in post(client, campaign, {**data, "issued": token_in(page)})
    assert waits[:2] == [settings.SIGN_CHECK_WAIT_SECONDS] * 2
    assert waits[2] > 3000  # the network's two waits this hour: until the first leaves it
    assert Signature.objects.filter(status=Signature.Status.PENDING).count() == 4


def test_a_page_left_open_for_more_than_a_day_asks_for_the_check(campaign):
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        token = issue_form_token()
        clock.shift(25 * 3600)
        page = post(Client(), campaign, details(issued=token))
    assert CHECK in page and not Signature.objects.exists()


def test_a_disposable_looking_domain_signs_after_the_check(campaign):
    client = Client()
    data = details(email="me@mailinator.com", issued=issue_form_token(time.time() - 60))
    page = post(client, campaign, data)
    assert CHECK in page
    post(client, campaign, {**data, "issued": token_in(page), "pow": solve_puzzle_in(page)})
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.PENDING
    assert signature.signals == "disposable e-mail domain"


def test_a_held_sign_up_is_never_offered_the_check(campaign):
    page = post(Client(), campaign, details(website="x", email="me@mailinator.com",
                                            issued=issue_form_token(time.time() - 1)))  # fmt: skip
    assert CHECK not in page and "Check your e-mail" in page
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.QUARANTINED
    assert signature.emails_queued == 0 and not Email.objects.exists()
