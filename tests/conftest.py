from __future__ import annotations

import os
import re
import signal
import time
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from undersigned.abuse.timing import issue_form_token
from undersigned.campaigns.actions import save_campaign, save_translation
from undersigned.campaigns.models import (
    Campaign,
    CampaignTranslation,
    FieldMode,
    Partner,
    Target,
)
from undersigned.memo import forget_all
from undersigned.outgoing.sender import drain

# The real-browser fixtures (browser, page, new_page, requests_seen).
from .browser import *  # noqa: F403
from .pooler import end_idle_sessions


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database; through PgBouncer (tests/pooler.py), its
    idle server connections are ended before pytest-django drops the database."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            connection.close()
            end_idle_sessions(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


def make_campaign(**fields) -> Campaign:
    """A live campaign built through the same action the admin uses."""
    defaults = {
        "slug": "stop-face-surveillance",
        "title": "Stop face surveillance",
        "summary": "Ask for a ban.",
        "body": "We ask for a **ban**.",
        "organisation": "Test Rights Group",
        "letter_subject": "Ban face surveillance",
        "letter_body": "Dear lawmaker,\n\nPlease ban it.",
        "status": Campaign.Status.LIVE,
        "goal": 100,
        "country": "US",
        "first_name_field": FieldMode.REQUIRED,
        "last_name_field": FieldMode.REQUIRED,
        "postal_code_field": FieldMode.REQUIRED,
        "comment_field": FieldMode.OPTIONAL,
    }
    defaults.update(fields)
    return save_campaign(Campaign(**defaults))


# A campaign's Spanish version, as an organiser would write it.
SPANISH = {
    "title": "Alto a la vigilancia facial",
    "summary": "Pide una prohibición.",
    "body": "Pedimos una **prohibición**.",
    "letter_subject": "Prohíban la vigilancia facial",
    "letter_body": "Estimada autoridad:\n\nProhíba la vigilancia facial.",
}


def translate_to_spanish(campaign: Campaign, **fields) -> CampaignTranslation:
    """The campaign in Spanish, through the action the admin uses."""
    return save_translation(
        CampaignTranslation(campaign=campaign, language="es", **{**SPANISH, **fields})
    )


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts with empty per-process caches (undersigned/memo.py):
    a rolled-back test's campaign must not outlive it under a reused id."""
    forget_all()
    yield
    forget_all()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Each test starts in the default language. A request to a Spanish page
    leaves Spanish active in its thread (LocaleMiddleware activates it and
    nothing turns it off), and a later test's reverse() would then make
    Spanish addresses."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def campaign(db) -> Campaign:
    campaign = make_campaign()
    partner = Partner.objects.create(name="Partner Org", url="https://partner.example.org/")
    campaign.partners.add(partner)
    Target.objects.create(campaign=campaign, name="A. Official", title="Director")
    return campaign


@pytest.fixture
def areas(db):
    """Massachusetts with Somerville and its neighbours (tests/area_pages.py)."""
    from .area_pages import geography

    return geography()


@pytest.fixture
def letter(areas):
    """The local sign-on letter: every 100 signers in a place, to its lawmakers."""
    from .delivery_helpers import local_campaign

    return local_campaign()


def needs_postgres(why: str) -> list:
    """Marks for a test module about PostgreSQL's own behaviour (races, plans)."""
    from django.db import connection

    return [
        pytest.mark.postgres_only,
        pytest.mark.skipif(connection.vendor != "postgresql", reason=f"needs PostgreSQL: {why}"),
    ]


def signed_in_with_second_factor(user):
    """A new client signed in as `user`, second factor verified.

    force_login alone is not enough while STAFF_2FA is on: the admin also
    wants the session to name a confirmed OTP device of the user's.
    """
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff_client(django_user_model):
    """A client signed in to the admin as superuser "staff", second factor verified."""
    user = django_user_model.objects.create_superuser("staff", "staff@example.org", "pw")
    return signed_in_with_second_factor(user)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's admin_client (superuser "admin"), with its second factor."""
    return signed_in_with_second_factor(admin_user)


def form_data(**overrides) -> dict:
    """What a person's browser posts: their details and the form's signed render time
    (a minute ago, as if they took a minute to read and type)."""
    data = {
        "issued": issue_form_token(time.time() - 60),
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.org",
        "postal_code": "02143",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def process_counts() -> int:
    """Run the tally processor until no count event is left, as the worker
    does every second; returns how many events it folded into tallies."""
    from undersigned.counting.actions import process_all_count_events

    return process_all_count_events()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


def run_worker() -> None:
    """Count, run every queued background task with the real worker, then send
    every e-mail and letter that is due with the real sender, and return.

    The worker calls close_old_connections() between tasks, which closes any
    connection inside a transaction, that is, the test's own. Inside a test
    that call is skipped; everything else is the worker as it runs in
    production (`undersigned worker` also runs the tally processor, and its
    sender thread sends; `drain` is that sender's loop until nothing is due).
    """
    process_counts()
    # The worker takes SIGINT, SIGTERM and SIGQUIT to stop gracefully, and
    # leaves its handlers behind when it returns: any of them reaching the
    # test run later would raise SystemExit(0) wherever the test happens to
    # be, instead of stopping pytest as it should. Put ours back.
    handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            # No random start-up delay: it only spreads out workers started together.
            call_command(
                "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--queue-name", "*",
                verbosity=0,
            )  # fmt: skip
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    drain()


# In any language: /confirm/… in English, /es/confirm/… in Spanish.
CONFIRM_LINK = re.compile(
    r"https?://[^/\s]+((?:/[a-z]{2}(?:-[a-z0-9]+)?)?/confirm/[0-9a-f-]+/[^/\s]+/)"
)


def confirm_path_from(message) -> str:
    match = CONFIRM_LINK.search(message.body)
    assert match, f"no confirmation link in: {message.body!r}"
    return match.group(1)


def mail_naming_the_signer(client, campaign, outbox, **details):
    """The first e-mail that may carry what a signer typed as their name.

    Mail to an address not yet confirmed names nobody (signatures/mail.py),
    so: sign, confirm from the e-mailed link, then sign again, which sends
    "you have already signed" to the now confirmed address, name and all.
    """
    from django.urls import reverse

    sign = reverse("sign", args=[campaign.slug])
    # Each post is a page of its own: the same page posted twice is one sign-up.
    details = {name: value for name, value in details.items() if name != "issued"}
    assert client.post(sign, form_data(**details)).status_code == 200
    run_worker()
    assert client.post(confirm_path_from(outbox[-1])).status_code == 302
    assert client.post(sign, form_data(**details)).status_code == 200
    run_worker()
    return outbox[-1]


@pytest.fixture
def outbox():
    """The messages sent by the worker during the test (Django's locmem backend)."""
    mail.outbox = []
    return mail.outbox
