"""The proof of work grows harder as a campaign's sign-ups surge
(abuse/checks.py). A puzzle is only worth that difficulty if it is solved
for the campaign that asks: a script must not fetch easy puzzles from a
quiet campaign's page and spend them on the one in a surge."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from undersigned.abuse.timing import issue_form_token
from undersigned.signatures.actions import SignerDetails, sign
from undersigned.signatures.models import Signature

from .conftest import make_campaign
from .crowd import CHECK, PUZZLE, solve_puzzle_in, token_in

pytestmark = pytest.mark.django_db


def test_a_quiet_campaigns_puzzle_does_not_pass_in_a_surge(settings):
    settings.POW_MAX_NUMBER = 500
    settings.POW_SURGE_PER_MINUTE = 0.05  # a few sign-ups make a surge here
    quiet = make_campaign(slug="quiet", proof_of_work=True)
    busy = make_campaign(slug="busy", proof_of_work=True)
    for n in range(4):
        sign(busy, SignerDetails(email=f"early{n}@example.org", first_name="Early"))
    client = Client(REMOTE_ADDR="192.0.2.1")
    quiet_page = client.get(quiet.get_absolute_url()).content.decode()
    busy_page = client.get(busy.get_absolute_url()).content.decode()
    assert int(PUZZLE.search(busy_page).group(5)) > int(PUZZLE.search(quiet_page).group(5))

    data = {"first_name": "Bot", "last_name": "Bot", "email": "bot@example.org",
            "postal_code": "02143", "issued": issue_form_token(time.time() - 5),
            "pow": solve_puzzle_in(quiet_page)}  # fmt: skip
    answer = client.post(reverse("sign", args=[busy.slug]), data).content.decode()

    assert CHECK in answer
    assert Signature.objects.filter(campaign=busy).count() == 4  # the early ones only
    # The busy campaign's own puzzle passes.
    data.update(issued=token_in(answer), pow=solve_puzzle_in(answer))
    answer = client.post(reverse("sign", args=[busy.slug]), data).content.decode()
    assert "Check your e-mail" in answer
    assert Signature.objects.filter(campaign=busy).count() == 5
