"""A remembered signer's signature counts at once and their receipt brings
the private link (to see, change, withdraw or erase it). When the sign-up
is held as near-certain abuse (a staff block rule caught a real person),
nothing is sent; once staff release it, the receipt must follow, as the
confirmation follows for a held signer who had to confirm. Without it the
released signature counts and its signer can never withdraw or erase it."""

from __future__ import annotations

import pytest

from undersigned.abuse.actions import release
from undersigned.outbox.models import Email
from undersigned.signatures.actions import Screening, SignerDetails, confirm, recognise, sign
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .conftest import make_campaign

pytestmark = pytest.mark.django_db


def test_a_released_remembered_signer_gets_a_receipt():
    earlier = make_campaign(slug="earlier")
    jane = SignerDetails(email="jane@example.org", first_name="Jane")
    first = sign(earlier, jane, remember=True).signature
    device = recognise(confirm(first.pk, confirm_token(first.pk, first.link_version)).device_token)
    campaign = make_campaign()
    held = sign(campaign, jane, device=device, screening=Screening(held=("block list",)))
    assert held.signature.status == Signature.Status.QUARANTINED
    assert not Email.objects.filter(signature=held.signature).exists()

    release(Signature.objects.filter(pk=held.signature.pk), actor="reviewer")

    signature = Signature.objects.get(pk=held.signature.pk)
    assert signature.status == Signature.Status.CONFIRMED
    kinds = list(Email.objects.filter(signature=signature).values_list("kind", flat=True))
    assert kinds == [Email.Kind.RECEIPT]
