"""A confirmation link works for CONFIRM_LINK_DAYS (14) from the e-mail that
carried it, stops working when its signer presses "Revoke this link", and is
never kept by a cache. An expired link does not strand a real signer: its
page offers to e-mail a fresh one."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from undersigned.signatures import rights
from undersigned.signatures.links import CONFIRM_LINK_DAYS
from undersigned.signatures.models import Signature

from .conftest import confirm_path_from, form_data, run_worker

pytestmark = pytest.mark.django_db


def days_later(days: float):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=True)


@pytest.fixture
def link(client, campaign, outbox) -> str:
    """A signer's confirmation link, as e-mailed."""
    client.post(reverse("sign", args=[campaign.slug]), form_data())
    run_worker()
    (message,) = outbox
    outbox.clear()
    return confirm_path_from(message)


def signature() -> Signature:
    return Signature.objects.get()


def test_the_lifetime_is_fourteen_days():
    assert CONFIRM_LINK_DAYS == 14


def test_a_link_still_confirms_on_its_last_day(link):
    with days_later(CONFIRM_LINK_DAYS - 0.1):
        assert Client().post(link).status_code == 302
    assert signature().status == Signature.Status.CONFIRMED


def test_an_expired_link_confirms_nothing_and_offers_a_fresh_one(link, outbox):
    with days_later(CONFIRM_LINK_DAYS + 1):
        client = Client()
        page = client.get(link)
        assert page.status_code == 410
        text = page.content.decode()
        assert "This confirmation link has expired" in text
        assert "E-mail me a new link" in text
        assert client.post(link).status_code == 410
        assert signature().status == Signature.Status.PENDING

        sent = client.post(link, {"resend": "1"})
        assert sent.status_code == 200
        assert "a new link is on its way" in sent.content.decode()
        run_worker()
        (message,) = outbox
        fresh = confirm_path_from(message)
        assert fresh != link
        assert client.post(fresh).status_code == 302
    assert signature().status == Signature.Status.CONFIRMED


def test_an_expired_link_gets_no_more_than_the_signatures_share_of_emails(link, outbox, settings):
    """Whoever holds an old link cannot make us mail its address again and
    again: fresh links count toward MAX_EMAILS_PER_SIGNATURE, like every
    other e-mail about the signature (the confirmation was the first)."""
    with days_later(CONFIRM_LINK_DAYS + 1):
        client = Client()
        for _ in range(settings.MAX_EMAILS_PER_SIGNATURE + 3):
            sent = client.post(link, {"resend": "1"})
            assert sent.status_code == 200
            assert "We send at most a few e-mails about one signature" in sent.content.decode()
        run_worker()
    assert len(outbox) == settings.MAX_EMAILS_PER_SIGNATURE - 1
    assert signature().emails_queued == settings.MAX_EMAILS_PER_SIGNATURE


def test_revoking_ones_links_revokes_the_confirmation_link_too(link, outbox):
    manage = urlsplit(rights.manage_url(signature())).path
    client = Client()
    assert client.post(manage, {"action": "revoke"}).status_code == 200
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    # Revoked is not expired: it offers no new link to whoever holds the old one.
    assert client.post(link, {"resend": "1"}).status_code == 404
    run_worker()
    assert outbox == []
    assert signature().status == Signature.Status.PENDING


def test_a_forged_or_mangled_link_is_not_valid(link):
    signature_id = signature().pk
    client = Client()
    for path in (link.rstrip("/") + "x/", f"/confirm/{signature_id}/0:1vXyZ:forged/"):
        assert client.get(path).status_code == 404
        assert client.post(path, {"resend": "1"}).status_code == 404


def test_confirmation_pages_are_never_cached(link):
    client = Client()
    pages = [client.get(link), client.get(link.rstrip("/") + "x/")]
    with days_later(CONFIRM_LINK_DAYS + 1):
        pages.append(client.get(link))
    for page in pages:
        assert "no-store" in page["Cache-Control"], page.status_code
