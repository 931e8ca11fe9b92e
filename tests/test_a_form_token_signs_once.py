"""A sign form's token brings one signature. The same person sending it
twice gets the same page and nothing more; anyone else sending it gets the
check; the database settles it, whichever process takes the second POST."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from undersigned.abuse import tokens
from undersigned.abuse.models import SpentFormToken
from undersigned.abuse.timing import issue_form_token, read_form_token
from undersigned.outbox.models import Email
from undersigned.retention.rules import purge
from undersigned.signatures.models import Signature

from .conftest import make_campaign, needs_postgres
from .crowd import CHECK, solve_puzzle_in, token_in

pytestmark = pytest.mark.django_db


def details(email: str, token: str) -> dict:
    return {"first_name": "Ada", "last_name": "Lovelace", "email": email,
            "postal_code": "02143", "issued": token}  # fmt: skip


def post(client, campaign, data) -> str:
    return client.post(reverse("sign", args=[campaign.slug]), data).content.decode()


def test_a_double_click_gets_the_same_page_and_nothing_more(campaign):
    client = Client()
    data = details("ada@example.org", issue_form_token(time.time() - 30))
    first, second = post(client, campaign, data), post(client, campaign, data)
    assert first == second and "Check your e-mail" in first
    assert Signature.objects.count() == 1
    assert Email.objects.count() == 1  # no "you already signed" for a double click


def test_someone_else_on_the_same_page_is_checked_then_signs(campaign, settings):
    settings.POW_MAX_NUMBER = 2000
    client = Client()  # a household's one browser, the Back button pressed
    token = issue_form_token(time.time() - 30)
    post(client, campaign, details("ada@example.org", token))
    page = post(client, campaign, details("charles@example.org", token))
    assert CHECK in page and token_in(page) != token
    assert Signature.objects.count() == 1 and Email.objects.count() == 1
    data = {**details("charles@example.org", token_in(page)), "pow": solve_puzzle_in(page)}
    assert "Check your e-mail" in post(client, campaign, data)
    assert Signature.objects.get(signals="form already used").check_passed == "pow"
    assert Email.objects.count() == 2


def test_spent_tokens_are_purged_once_they_could_not_be_used_anyway(campaign):
    token = read_form_token(issue_form_token())
    assert tokens.spend(token) and not tokens.spend(token)
    purge(now=datetime.now(UTC) + timedelta(hours=23))
    assert SpentFormToken.objects.count() == 1
    purge(now=datetime.now(UTC) + timedelta(hours=25))
    assert SpentFormToken.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("_", [pytest.param(None, marks=needs_postgres("racing processes"))])
def test_racing_posts_of_one_token_bring_one_signature(_):
    campaign = make_campaign()
    token = issue_form_token(time.time() - 30)
    start = threading.Barrier(8)
    answers = []

    def sign(n: int) -> None:
        try:
            start.wait()
            answers.append(post(Client(), campaign, details(f"racer{n}@example.org", token)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Signature.objects.count() == 1
    assert Email.objects.count() == 1
    assert sum(CHECK in answer for answer in answers) == 7
