from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from undersigned.campaigns.actions import save_campaign
from undersigned.campaigns.models import Campaign, FieldMode, Partner, Target


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


@pytest.fixture
def campaign(db) -> Campaign:
    campaign = make_campaign()
    partner = Partner.objects.create(name="Partner Org", url="https://partner.example.org/")
    campaign.partners.add(partner)
    Target.objects.create(campaign=campaign, name="A. Official", title="Director")
    return campaign


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.org",
        "postal_code": "02143",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def run_worker() -> None:
    """Run every queued background task with the real worker, then return.

    The worker calls close_old_connections() between tasks, which closes any
    connection inside a transaction, that is, the test's own. Inside a test
    that call is skipped; everything else is the worker as it runs in
    production.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-reload", "--queue-name", "*", verbosity=0)


CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/confirm/[0-9a-f-]+/[0-9a-f]+/)")


def confirm_path_from(message) -> str:
    match = CONFIRM_LINK.search(message.body)
    assert match, f"no confirmation link in: {message.body!r}"
    return match.group(1)


@pytest.fixture
def outbox():
    """The messages sent by the worker during the test (Django's locmem backend)."""
    mail.outbox = []
    return mail.outbox
