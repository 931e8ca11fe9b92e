"""A supporter signing from a remembered device counts at once, with no
confirmation to make; they still get an e-mail with their private link (to
see, change, withdraw or erase that signature), and coming back to a campaign
they signed they see when they signed it, not the form again."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from undersigned.outbox.models import Email
from undersigned.signatures.models import Signature
from undersigned.signatures.rights import withdraw

from .conftest import make_campaign, run_worker
from .test_remembered_supporters import form_data, sign_and_confirm

pytestmark = pytest.mark.django_db

MANAGE_LINK = re.compile(r"https?://[^/\s]+(/my/[^/\s]+/)")


def test_signing_from_a_remembered_device_sends_a_receipt_with_the_private_link(
    client, campaign, outbox
):
    sign_and_confirm(client, campaign, outbox, remember="on")
    other = make_campaign(slug="second-campaign", title="Second campaign")
    client.post(reverse("sign", args=[other.slug]), {"issued": form_data()["issued"]})
    run_worker()
    receipt = outbox[-1]
    assert receipt.subject == "You signed: Second campaign"
    assert receipt.to == ["Jane Doe <jane@example.org>"]
    assert "from a device you asked us to remember" in receipt.body
    assert "confirm" not in receipt.body.lower()
    manage = MANAGE_LINK.search(receipt.body).group(1)
    # The link works: the signer can withdraw what the device signed for them.
    page = client.get(manage).content.decode()
    assert "Second campaign" in page
    signature = Signature.objects.get(campaign=other)
    assert Email.objects.filter(signature=signature, kind=Email.Kind.RECEIPT).count() == 1
    assert signature.emails_queued == 1


def test_a_recognised_signer_sees_when_they_signed_instead_of_the_form(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox, remember="on")
    page = client.get(campaign.get_absolute_url()).content.decode()
    signed_on = timezone.localtime(Signature.objects.get(campaign=campaign).created_at)
    assert f"You signed this on {signed_on.day} {signed_on:%B %Y}." in page
    assert 'action="/c/stop-face-surveillance/sign/"' not in page
    assert "Not Jane? Click here." in page

    withdraw(Signature.objects.get(campaign=campaign))
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "You withdrew your signature on" in page

    other = make_campaign(slug="second-campaign", title="Second campaign")
    page = client.get(other.get_absolute_url()).content.decode()
    assert "You signed this on" not in page
    assert "Signing as <strong>Jane D.</strong>" in page


def test_nobody_else_is_told_who_signed(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox, remember="on")
    client.cookies.clear()
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "You signed this on" not in page
    assert 'name="email"' in page
