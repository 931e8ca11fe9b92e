"""Confirmation e-mail goes through a real SMTP server, and its link confirms.

Each test starts its own SMTP server (aiosmtpd) on a free loopback port and
points Django's SMTP backend at it: the worker talks SMTP exactly as it does in
production, and no mail can leave the machine.
"""

from __future__ import annotations

import email
import socket
from contextlib import closing
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from undersigned.counting.counts import confirmed_count
from undersigned.outbox.models import Email
from undersigned.signatures.models import Signature

from .conftest import CONFIRM_LINK, form_data, run_worker

pytestmark = pytest.mark.django_db


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts, after refusing as told."""

    def __init__(self):
        self.received: list[tuple[list[str], EmailMessage]] = []
        # SMTP replies to give, in order, before accepting: e.g. {"DATA": [...]}.
        self.refusals: dict[str, list[str]] = {"RCPT": [], "DATA": []}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusals["RCPT"]:
            return self.refusals["RCPT"].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusals["DATA"]:
            return self.refusals["DATA"].pop(0)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=5,
        ):
            yield mailbox
    finally:
        controller.stop()


def sign(client, campaign, **overrides):
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(**overrides))
    assert response.status_code == 200


def test_the_confirmation_email_arrives_over_smtp_and_its_link_confirms(
    client, campaign, smtp_server
):
    sign(client, campaign)
    run_worker()

    [(recipients, message)] = smtp_server.received
    assert recipients == ["jane@example.org"]
    queued = Email.objects.get()
    assert queued.state == Email.State.SENT
    assert message["Message-ID"] == queued.message_id
    assert message["Subject"] == f"Please confirm your signature: {campaign.title}"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hello,")  # not confirmed yet: no name (signatures/mail.py)
    assert "Confirm my signature" in html
    path = CONFIRM_LINK.search(text).group(1)
    assert f'href="http://testserver{path}"' in html

    assert confirmed_count(campaign) == 0
    response = client.post(path)
    assert response.status_code == 302
    assert confirmed_count(campaign) == 1


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(("Jane\r\nBcc: victim@attacker.example", "Doe"), id="a header in a name"),
        pytest.param(('Jane "JD"', "O'Doe, Esq."), id="quotes and a comma"),
        pytest.param(("Zoë", "Łukasiewicz-Nuñez"), id="accents"),
        pytest.param(("李", "小龍"), id="Chinese"),
        pytest.param(("Jane", "<victim@attacker.example>"), id="an address in a name"),
    ],
)
def test_mail_reaches_only_the_typed_address_whatever_the_name(client, campaign, smtp_server, name):
    first, last = name
    sign(client, campaign, first_name=first, last_name=last)
    run_worker()
    [(_, confirmation)] = smtp_server.received
    path = CONFIRM_LINK.search(confirmation.get_body(("plain",)).get_content()).group(1)
    assert client.post(path).status_code == 302
    sign(client, campaign, first_name=first, last_name=last)  # "you have already signed"
    run_worker()
    for recipients, message in smtp_server.received:
        assert recipients == ["jane@example.org"]
        [to] = message["To"].addresses
        assert to.addr_spec == "jane@example.org"
        assert "Bcc" not in message
    # The confirmed address is named as typed (line breaks become spaces).
    [to] = smtp_server.received[-1][1]["To"].addresses
    assert to.display_name == " ".join(f"{first} {last}".split())


def test_an_address_at_an_internationalised_domain_gets_its_confirmation(
    client, campaign, smtp_server
):
    sign(client, campaign, email="jane@bücher.example")
    run_worker()
    [(recipients, message)] = smtp_server.received
    assert recipients == ["jane@xn--bcher-kva.example"]
    assert message["To"].addresses[0].addr_spec == "jane@xn--bcher-kva.example"
    assert Email.objects.get().state == Email.State.SENT


@pytest.mark.parametrize(
    ("stage", "error"),
    [("RCPT", "SMTPRecipientsRefused 451"), ("DATA", "SMTPDataError 451")],
)
def test_a_refused_email_stays_queued_without_the_address_and_is_sent_once_later(
    client, campaign, smtp_server, stage, error
):
    smtp_server.refusals[stage].append("451 4.3.0 <jane@example.org> try later")
    sign(client, campaign)
    run_worker()

    assert smtp_server.received == []
    queued = Email.objects.get()
    assert queued.state == Email.State.PENDING
    assert queued.attempts == 1
    assert queued.last_error == error
    assert queued.sent_at is None

    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        run_worker()  # the backoff has passed: the second try
        run_worker()  # already sent: a second run changes nothing
    [(recipients, message)] = smtp_server.received
    assert recipients == ["jane@example.org"]
    assert message["Message-ID"] == queued.message_id
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.last_error) == (Email.State.SENT, 2, "")
    assert Signature.objects.get().status == Signature.Status.PENDING
