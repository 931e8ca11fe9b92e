"""A sign-up held as near-certain abuse is sent nothing (abuse/assess.py).
The campaign page's answer says so truthfully ("the e-mail we send";
held sign-ups are e-mailed once released); the embedded form's answer must
not claim "We have sent you an e-mail" or that the signature "counts once
you confirm" either: the frame and the page say the same true thing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from undersigned.integrations.embeds import set_embed_origins
from undersigned.signatures.models import Signature

from .conftest import form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db

FALSE_WHILE_HELD = ["We have sent you", "counts once you confirm", "it counts"]


def test_a_held_sign_up_in_the_frame_is_told_nothing_false(outbox):
    campaign = make_campaign()
    set_embed_origins(campaign, ["https://partner.example.org"], actor="organiser")
    client = Client()
    page = client.get(f"/embed/c/{campaign.slug}/").content.decode()
    frame = re.search(r'name="frame" value="([^"]+)"', page).group(1)
    answer = client.post(
        f"/embed/c/{campaign.slug}/sign/",
        form_data(frame=frame, website="https://spam.example"),
        HTTP_ORIGIN="http://testserver",
    )
    run_worker()
    assert answer.status_code == 200
    assert Signature.objects.get().status == Signature.Status.QUARANTINED and outbox == []
    main = answer.content.decode().split("<main", 1)[-1]
    assert "Check your e-mail" in main
    assert not any(claim in main for claim in FALSE_WHILE_HELD), main
