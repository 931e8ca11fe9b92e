"""`undersigned purge` deletes and erases on schedule, keeping anonymous counts."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from undersigned.campaigns.actions import close_campaign
from undersigned.counting.counts import confirmed_count
from undersigned.outbox.models import Email
from undersigned.privacy.models import AuditEntry
from undersigned.retention.rules import purge
from undersigned.signatures.models import Signature

from .conftest import confirm_path_from, form_data, run_worker

pytestmark = pytest.mark.django_db


def sign(client, campaign, email):
    client.post(reverse("sign", args=[campaign.slug]), form_data(email=email))


def test_unconfirmed_signatures_go_after_fourteen_days(client, campaign, outbox):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=15)):
        sign(client, campaign, "old@example.org")
    with time_machine.travel(start - timedelta(days=13)):
        sign(client, campaign, "recent@example.org")
    counts = purge(dry_run=True)
    assert counts["unconfirmed signatures deleted"] == 1
    assert Signature.objects.count() == 2  # the dry run changed nothing
    purge()
    assert Signature.objects.count() == 1
    assert Email.objects.count() == 1  # the old one's e-mail row went with it


def test_network_digests_are_cleared_after_thirty_days(client, campaign):
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        sign(client, campaign, "net@example.org")
    Signature.objects.update(network_digest=b"x" * 32, status=Signature.Status.CONFIRMED)
    assert purge()["network digests cleared"] == 1
    assert Signature.objects.get().network_digest is None


def test_the_keys_the_mail_caps_count_are_cleared_after_a_day(client, campaign):
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        sign(client, campaign, "old@example.org")
    sign(client, campaign, "new@example.org")
    assert Email.objects.filter(domain__isnull=False).count() == 2
    assert purge()["e-mail cap keys cleared"] == 1
    assert Email.objects.filter(domain__isnull=True, network__isnull=True).count() == 1
    assert Email.objects.filter(domain__isnull=False).count() == 1


def test_personal_data_goes_months_after_close_but_counts_stay(client, campaign, outbox, settings):
    settings.RETENTION_MONTHS_AFTER_CLOSE = 6
    sign(client, campaign, "kept@example.org")
    run_worker()
    client.post(confirm_path_from(outbox[0]))
    close_campaign(campaign)
    with time_machine.travel(timezone.now() + timedelta(days=150)):
        assert purge(dry_run=True)["signers' personal data erased"] == 0
    with time_machine.travel(timezone.now() + timedelta(days=190)):
        out = StringIO()
        call_command("purge", "--dry-run", stdout=out)
        assert "signers' personal data erased: 1" in out.getvalue()
        call_command("purge", stdout=StringIO())
    signature = Signature.objects.get()
    assert signature.email == "" and signature.first_name == ""
    assert signature.status == Signature.Status.CONFIRMED
    assert confirmed_count(campaign) == 1
    assert AuditEntry.objects.filter(action="purge").count() == 1


def test_staff_sign_in_records_go_after_thirty_days():
    from axes.models import AccessAttempt

    for days in (31, 29):
        attempt = AccessAttempt.objects.create(
            username=f"organiser{days}",
            ip_address="192.0.2.1",
            user_agent="",
            failures_since_start=1,
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=timezone.now() - timedelta(days=days)
        )
    assert purge()["staff sign-in records deleted (accessattempt)"] == 1
    assert AccessAttempt.objects.count() == 1
