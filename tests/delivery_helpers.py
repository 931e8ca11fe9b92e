"""Shared set-up for the delivery tests: places, fictional lawmakers, signers, and a
real SMTP server on loopback.

Every address here is on example.org: no test can write to a real person.
"""

from __future__ import annotations

import email
import logging
import socket
import threading
import time
from contextlib import closing
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.utils import timezone

from undersigned.areas.models import ContactPoint, Division, Official, TargetRule
from undersigned.campaigns.models import DeliveryRule
from undersigned.privacy.identity import email_digest
from undersigned.signatures import actions
from undersigned.signatures.bulk import write_signatures
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .conftest import make_campaign

STATE = "ocd-division/country:us/state:ma"
SOMERVILLE = f"{STATE}/place:somerville"
CAMBRIDGE = f"{STATE}/place:cambridge"


def division(ocd_id: str, name: str) -> Division:
    parent = Division.objects.filter(ocd_id=ocd_id.rsplit("/", 1)[0]).first()
    found = Division.objects.filter(ocd_id=ocd_id).first()
    if found:
        return found
    place = Division(ocd_id=ocd_id, name=name, parent=parent)
    place.save()
    return place


def places() -> tuple[Division, Division]:
    division(STATE, "Massachusetts")
    return division(SOMERVILLE, "Somerville"), division(CAMBRIDGE, "Cambridge")


def lawmaker(place: Division, name: str, role: str, *, email: str = "", postal: str = ""):
    """A fictional official of a place, with a delivery contact on example.org."""
    office = {"mayor": f"Mayor of {place.name}", "council": f"{place.name} City Council"}[role]
    official = Official.objects.create(
        key=f"{name}|{role}|{place.ocd_id}", name=name, office=office, role=role, division=place
    )
    if email:
        assert email.endswith(".example.org") or email.endswith("@example.org")
        ContactPoint.objects.create(
            official=official, kind=ContactPoint.Kind.EMAIL, value=email, for_delivery=True
        )
    if postal:
        ContactPoint.objects.create(
            official=official,
            kind=ContactPoint.Kind.POSTAL,
            value=postal,
            for_delivery=not email,
        )
    return official


def local_campaign(batch_size: int = 100, **fields):
    """The local sign-on letter: every `batch_size` signers in a place, to its lawmakers."""
    campaign = make_campaign(
        slug=fields.pop("slug", "end-face-surveillance"),
        title="End face surveillance in your community",
        **fields,
    )
    TargetRule.objects.create(campaign=campaign, division_type="place", roles="mayor,council")
    DeliveryRule.objects.create(
        campaign=campaign,
        kind=DeliveryRule.Kind.LOCAL,
        division_type="place",
        batch_size=batch_size,
    )
    return campaign


def sign_and_confirm(campaign, place, count: int, *, start: int = 0, **details) -> list:
    """Signers who sign and confirm through the same actions the web pages call."""
    ids = []
    for n in range(start, start + count):
        result = actions.sign(
            campaign,
            actions.SignerDetails(
                email=f"signer{n}@example.org",
                first_name=f"Signer{n}",
                last_name="Example",
                postal_code="02143",
                country="US",
                divisions=((place, "lookup"),) if place else (),
            ),
            **details,
        )
        actions.confirm(
            result.signature.pk, confirm_token(result.signature.pk, result.signature.link_version)
        )
        ids.append(result.signature.pk)
    return ids


def bulk_signatures(campaign, places, count: int, *, start: int = 0, pending: bool = False,
                    listed: bool = False, confirmed_at=None) -> list:  # fmt: skip
    """Many signers at once, for tests that are not about signing: the rows the
    actions would write, placed in each of `places`, and the count events they
    would record. `confirmed_at(n)` is signer n's time (by default in order, as
    if they confirmed one after another)."""
    letter = campaign.current_letter()
    now = timezone.now()
    confirmed_at = confirmed_at or (lambda n: now + timedelta(microseconds=n - start))
    placed = [(place.pk, "lookup") for place in places]
    return write_signatures(
        (
            Signature(
                campaign=campaign,
                letter_version=letter,
                email_digest=email_digest(f"bulk{n}@example.org"),
                email=f"bulk{n}@example.org",
                first_name=f"Bulk{n}",
                last_name="Example",
                postal_code="02143",
                country="US",
                status=Signature.Status.PENDING if pending else Signature.Status.CONFIRMED,
                listed=listed,
                confirmed_at=None if pending else confirmed_at(n),
            ),
            placed,
        )
        for n in range(start, start + count)
    )


def bulk_confirmed(campaign, place, count: int, *, start: int = 0, pending: bool = False):
    """bulk_signatures in one place (or none); their ids."""
    places = [place] if place is not None else []
    signatures = bulk_signatures(campaign, places, count, start=start, pending=pending)
    return [s.pk for s in signatures]


# A real SMTP server -----------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts, after refusing as told.

    `refusals` are replies given, in order, before accepting; `delay` holds
    the answer to each accepted message that long; `arrived` is set when the
    first message has been kept (before the delay); `on_accept`, if set, is
    called with each message kept, before the answer (to break something
    just then).
    """

    def __init__(self):
        self.received: list[EmailMessage] = []
        self.refusals: list[str] = []
        self.delay = 0.0
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        self.on_accept = None

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.refusals:
            return self.refusals.pop(0)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Test-Rcpt"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.received.append(message)
        self.arrived.set()
        if self.on_accept is not None:
            self.on_accept(message)
        # Kept, but the answer is late: a sender that dies now never learns
        # the message was accepted, and will send it again.
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def letters(self) -> list[EmailMessage]:
        """The delivery letters received (not the signers' own e-mail)."""
        with self.lock:
            return [m for m in self.received if m["Message-ID"].startswith("<delivery-")]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.letters() if address in m["X-Test-Rcpt"]]


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller: Controller | None = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port
        )

    def __enter__(self) -> SMTPServer:
        # aiosmtpd logs every SMTP command at INFO.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.controller is not None:
            self.controller.stop()

    def down(self) -> None:
        """An outage: the port refuses connections until up()."""
        self.controller.stop()
        self.controller = None

    def up(self) -> None:
        """Back on the same port (a stopped controller cannot start again)."""
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def settings(self, timeout: int = 5) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": timeout,
        }


@pytest.fixture(name="smtp")
def smtp_server():
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    with SMTPServer() as server, override_settings(**server.settings()):
        yield server.mailbox


def wait_for(predicate, timeout: float = 30.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
