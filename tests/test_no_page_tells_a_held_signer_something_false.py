"""A signature held for review does not count. Nothing a held signer sees
says it does: not the thank-you page, the confirmation page, their private
page or the e-mails; all say something true for everyone ("Thank you for
signing.", "Only confirmed signatures are counted."), with the counts
shown on their own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from undersigned.abuse.actions import quarantine
from undersigned.signatures.models import Signature

from .conftest import confirm_path_from, form_data, run_worker

pytestmark = pytest.mark.django_db

FALSE_WHILE_HELD = ["signature counts", "it counts", "and counts", "counts once you confirm"]


def test_a_signature_held_after_signing_is_told_nothing_false(campaign, outbox):
    signer = Client()
    answer = signer.post(f"/c/{campaign.slug}/sign/", form_data()).content.decode()
    run_worker()
    # Staff hold it (a burst they spotted) before the signer confirms.
    quarantine(Signature.objects.all(), actor="reviewer")
    confirm = confirm_path_from(outbox[0])
    before = signer.get(confirm).content.decode()
    thanks = signer.get(signer.post(confirm)["Location"]).content.decode()
    again = signer.get(confirm).content.decode()
    fresh = signer.post(confirm, {"resend": "1"}).content.decode()  # "send me a new link"
    manage = re.search(r"https?://[^/\s]+(/my/[^/\s]+/)", outbox[0].body).group(1)
    private = signer.get(manage).content.decode()
    signer.post(f"/c/{campaign.slug}/sign/", form_data())  # signs again: "already signed"
    run_worker()
    mails = [message.body for message in outbox] + [
        message.alternatives[0][0] for message in outbox if message.alternatives
    ]
    pages = {"answer": answer, "confirm": before, "thanks": thanks, "again": again,
             "fresh link": fresh, "private": private}  # fmt: skip
    for name, text in [*pages.items(), *((f"mail {n}", m) for n, m in enumerate(mails))]:
        main = text.split("<main", 1)[-1].split("</main>", 1)[0]
        assert not any(claim in main for claim in FALSE_WHILE_HELD), (name, main)
    assert "Thank you for signing." in thanks and "Thank you for confirming." in again
    assert "uarantin" not in private, private[
        private.find("uarantin") - 300 : private.find("uarantin") + 100
    ]
    assert len(outbox) == 2
    assert Signature.objects.get().held_status == Signature.Status.CONFIRMED
