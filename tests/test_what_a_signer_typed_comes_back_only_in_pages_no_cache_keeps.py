"""The sign form's answers carry what the signer typed back to them (the form
with its errors, the check page with the form filled in): no browser,
proxy or back-forward cache may keep them, on our page or in the frame."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from undersigned.abuse.timing import issue_form_token
from undersigned.integrations.embeds import set_embed_origins

from .conftest import form_data
from .crowd import CHECK

pytestmark = pytest.mark.django_db

PARTNER = "https://partner.example.org"


def posted(campaign, **fields):
    data = form_data(**fields)
    return Client().post(reverse("sign", args=[campaign.slug]), data)


def framed(campaign, **fields):
    client = Client()
    page = client.get(f"/embed/c/{campaign.slug}/").content.decode()
    frame = re.search(r'name="frame" value="([^"]+)"', page).group(1)
    data = form_data(frame=frame, **fields)
    return client.post(f"/embed/c/{campaign.slug}/sign/", data, HTTP_ORIGIN="http://testserver")


@pytest.mark.parametrize("send", [posted, framed])
def test_the_check_and_the_errors_are_never_stored(campaign, send):
    set_embed_origins(campaign, [PARTNER], actor="organiser")
    # Sent 1 s after the page opened: the check, with the form filled in.
    check = send(campaign, email="ada@example.org", issued=issue_form_token(time.time() - 1))
    assert CHECK in check.content.decode() and "ada@example.org" in check.content.decode()
    # An address that is not one: the form again, with the error.
    errors = send(campaign, email="ada@", issued=issue_form_token(time.time() - 60))
    assert errors.status_code == 400 and "ada@" in errors.content.decode()
    # Accepted: the check-your-e-mail page.
    answer = send(campaign, email="grace@example.org", issued=issue_form_token(time.time() - 60))
    assert answer.status_code == 200 and CHECK not in answer.content.decode()
    for response in (check, errors, answer):
        assert "no-store" in response["Cache-Control"], response.status_code
