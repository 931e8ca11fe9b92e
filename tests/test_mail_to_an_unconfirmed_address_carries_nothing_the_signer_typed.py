"""Mail to an address nobody has confirmed carries no text the signer typed.

Issue 11 (item 1): the first name went into the greeting, so anyone could
write their own words into mail sent in the organisation's name to any
address ("Hello Visit https://… to keep your account,"). Until the address
is confirmed, whoever typed it may not own it: the confirmation and the
"already signed" e-mails name nobody, in the greeting or the To header.
Once confirmed, the owner's own name is theirs to read.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import confirm_path_from, form_data, run_worker

pytestmark = pytest.mark.django_db

TYPED = {
    "first_name": "Visit https://evil.example to keep your account",
    "last_name": "Call +1 617 555 0100 now",
    "comment": "www.evil.example/login",
}
WORDS = ["evil.example", "Visit", "keep your account", "555 0100", "Call", "www."]


def everything_in(message) -> str:
    """Headers and every part, decoded, as a recipient's mail program sees them."""
    return message.message().as_bytes().decode("utf-8", "replace") + "".join(
        [message.body, *(content for content, _type in message.alternatives)]
    )


def sign(client, campaign, **typed) -> None:
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(**typed))
    assert response.status_code == 200


def test_the_confirmation_email_carries_nothing_the_signer_typed(client, campaign, outbox):
    sign(client, campaign, **TYPED)
    run_worker()
    [confirmation] = outbox
    text = everything_in(confirmation)
    for word in WORDS:
        assert word not in text
    assert confirmation.body.startswith("Hello,")
    assert confirmation.to == ["jane@example.org"]
    assert campaign.title in confirmation.subject  # the organiser's words are fine


def test_signing_again_for_an_unconfirmed_address_names_nobody_either(client, campaign, outbox):
    sign(client, campaign, first_name="Jane")
    sign(client, campaign, **TYPED)  # someone else types Jane's address
    run_worker()
    confirmation, already = outbox
    assert "You have already signed" in already.subject
    for message in (confirmation, already):
        text = everything_in(message)
        for word in [*WORDS, "Jane"]:
            assert word not in text.replace("jane@example.org", "")


def test_once_confirmed_the_owner_is_greeted_by_the_name_they_typed(client, campaign, outbox):
    sign(client, campaign, first_name="Jane", last_name="Doe")
    run_worker()
    assert client.post(confirm_path_from(outbox[0])).status_code == 302
    sign(client, campaign, **TYPED)  # the same address again, another name typed
    run_worker()
    already = outbox[-1]
    assert "Hello Jane," in already.body  # the confirmed owner's name, not the new one
    assert already.to == ["Jane Doe <jane@example.org>"]
    for word in WORDS:
        assert word not in everything_in(already)
