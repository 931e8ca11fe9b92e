"""Abuse resistance: near-certain abuse is quarantined silently and counted only if
released; what an honest person can trip asks for a check (see also
test_signals_an_honest_person_can_trip_ask_for_a_check.py)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.db import connection
from django.urls import reverse

from undersigned.abuse import challenge, checks
from undersigned.abuse.actions import invalidate, quarantine, release
from undersigned.abuse.assess import forget_cached_rules
from undersigned.abuse.models import ListRule
from undersigned.counting.counts import confirmed_count
from undersigned.privacy.audit import verify
from undersigned.privacy.identity import email_digest
from undersigned.privacy.models import AuditEntry
from undersigned.signatures.models import Signature

from .conftest import confirm_path_from, form_data, process_counts, run_worker

pytestmark = pytest.mark.django_db

Status = Signature.Status
# What the check page says (front/signing.py's ask_for_check).
CHECK = b"One more step: your signature is not sent yet."


@pytest.fixture(autouse=True)
def fresh_rules():
    forget_cached_rules()
    yield
    forget_cached_rules()


def sign(client, campaign, ip="192.0.2.10", **overrides):
    return client.post(
        reverse("sign", args=[campaign.slug]), form_data(**overrides), REMOTE_ADDR=ip
    )


def sign_and_confirm(client, campaign, outbox, **kwargs):
    response = sign(client, campaign, **kwargs)
    run_worker()
    client.post(confirm_path_from(outbox[-1]))
    return response


def test_a_filled_honeypot_is_quarantined_silently_and_sent_nothing(client, campaign, outbox):
    normal = sign(client, campaign, email="real@example.org")
    bot = sign(client, campaign, email="bot@example.org", website="spam")
    run_worker()
    assert bot.status_code == normal.status_code == 200
    assert bot.content.replace(b"bot@", b"") == normal.content.replace(b"real@", b"")
    assert [message.to for message in outbox] == [["real@example.org"]]  # no name: unconfirmed
    held = Signature.objects.get(status=Status.QUARANTINED)
    assert held.quarantine_reason == "honeypot filled"
    assert (held.held_status, held.emails_queued) == (Status.PENDING, 0)
    assert confirmed_count(campaign) == 0


def test_a_post_without_the_page_is_quarantined(client, campaign, outbox):
    data = form_data()
    del data["issued"]
    client.post(reverse("sign", args=[campaign.slug]), data)
    run_worker()
    assert Signature.objects.get().quarantine_reason == "no valid form token"
    assert outbox == []


def test_a_forged_token_is_quarantined(client, campaign, outbox):
    sign(client, campaign, issued="WzEyMy40NV0:1tVd2Q:forged")
    run_worker()
    assert Signature.objects.get().quarantine_reason == "no valid form token"
    assert outbox == []


def test_signers_over_the_network_rate_limit_are_checked_per_network(client, campaign):
    campaign.rate_limit_per_hour = 3
    campaign.save()
    for n in range(4):
        sign(client, campaign, ip=f"203.0.113.{n + 1}", email=f"n{n}@example.org")
    sign(client, campaign, ip="198.51.100.7", email="elsewhere@example.org")
    assert Signature.objects.filter(status=Status.PENDING).count() == 4
    assert not Signature.objects.filter(status=Status.QUARANTINED).exists()
    # The fourth from 203.0.113.0/24 was asked for a check, and nothing was stored.
    assert not Signature.objects.filter(email_digest=email_digest("n3@example.org")).exists()


def test_ipv6_signers_are_limited_per_64(client, campaign):
    campaign.rate_limit_per_hour = 1
    campaign.save()
    first = sign(client, campaign, ip="2001:db8:1:2::1", email="a@example.org")
    same_64 = sign(client, campaign, ip="2001:db8:1:2:ffff::9", email="b@example.org")
    other_64 = sign(client, campaign, ip="2001:db8:1:3::1", email="c@example.org")
    assert CHECK in same_64.content
    assert CHECK not in first.content and CHECK not in other_64.content
    assert Signature.objects.count() == 2


def test_addresses_are_kept_only_as_keyed_network_hashes(client, campaign):
    sign(client, campaign, ip="203.0.113.77")
    signature = Signature.objects.get()
    assert len(bytes(signature.network_digest)) == 32
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM signatures_signature")
        raw = repr(cursor.fetchall())
    assert "203.0.113" not in raw


def test_blocked_domains_match_wildcards_and_are_quarantined(client, campaign):
    ListRule.objects.create(kind="email_domain", pattern="*.spam.example", verdict="block")
    sign(client, campaign, email="x@mail.spam.example")
    sign(client, campaign, email="y@spam.example")
    sign(client, campaign, email="z@notspam.example")
    reasons = dict(Signature.objects.values_list("email_digest", "quarantine_reason"))
    assert sorted(reasons.values()) == ["", "block list", "block list"]


def test_blocked_networks_are_quarantined(client, campaign):
    ListRule.objects.create(kind="network", pattern="198.51.100.0/24", verdict="block")
    sign(client, campaign, ip="198.51.100.200")
    assert Signature.objects.get().quarantine_reason == "block list"


def test_disposable_domains_are_checked_unless_allowed(client, campaign):
    asked = sign(client, campaign, email="throwaway@mailinator.com")
    assert CHECK in asked.content and not Signature.objects.exists()
    ListRule.objects.create(kind="email_domain", pattern="mailinator.com", verdict="allow")
    forget_cached_rules()
    sign(client, campaign, email="second@mailinator.com")
    assert Signature.objects.get().status == Status.PENDING


def test_proof_of_work_off_adds_nothing_to_the_page(client, campaign):
    page = client.get(campaign.get_absolute_url()).content
    assert b"data-pow" not in page and b"pow.js" not in page


def test_proof_of_work_on_asks_unsolved_and_replayed_solutions_for_the_check(client, campaign):
    campaign.proof_of_work = True
    campaign.save()
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "data-pow" in page and "pow.js" in page
    # A token without the check's wait (a page from before it was switched on).
    unsolved = sign(client, campaign, email="lazy@example.org")
    assert CHECK in unsolved.content
    assert Signature.objects.count() == 0
    solution = challenge.solve(challenge.issue(scope=checks.scope_of(campaign)))
    assert CHECK not in sign(client, campaign, email="worker@example.org", pow=solution).content
    replay = sign(client, campaign, email="replayer@example.org", pow=solution)
    assert CHECK in replay.content
    assert Signature.objects.count() == 1


def test_forged_expired_or_malformed_solutions_are_refused(settings):
    settings.POW_MAX_NUMBER = 50
    genuine = json.loads(base64.b64decode(challenge.solve(challenge.issue())))

    def encoded(**changes) -> str:
        return base64.b64encode(json.dumps({**genuine, **changes}).encode()).decode()

    assert not challenge.verify_and_spend(encoded(number=genuine["number"] + 1))
    assert not challenge.verify_and_spend(encoded(signature="0" * 64))
    stale_salt = genuine["salt"].rsplit(".", 1)[0] + f".{int(time.time()) - 1}"
    assert not challenge.verify_and_spend(encoded(salt=stale_salt))
    assert not challenge.verify_and_spend("bm90IGpzb24=")  # base64 of 'not json'
    assert not challenge.verify_and_spend(None)
    assert challenge.verify_and_spend(encoded())  # the genuine one still works, once


def test_release_makes_a_confirmed_quarantined_signature_count(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox)
    quarantine(Signature.objects.all(), actor="organiser")
    assert confirmed_count(campaign) == 0
    assert release(Signature.objects.all(), actor="organiser") == 1
    process_counts()
    assert confirmed_count(campaign) == 1
    entry = AuditEntry.objects.filter(action="release").get()
    assert entry.detail == {"signatures": 1}
    assert verify().ok


def test_invalidated_signatures_never_count(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox)
    assert confirmed_count(campaign) == 1
    invalidate(Signature.objects.all(), actor="organiser")
    assert confirmed_count(campaign) == 0
    assert Signature.objects.get().status == Status.INVALIDATED


def test_the_review_queue_shows_counts_before_acting(admin_client, client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox)
    quarantine(Signature.objects.all(), actor="organiser")
    sign(client, campaign, email="second-bot@example.org", website="bot")
    url = reverse("admin:abuse_reviewsignature_changelist")
    opening = admin_client.get(url)
    assert opening.status_code == 302 and "status__exact=quarantined" in opening["Location"]
    listing = admin_client.get(opening["Location"])
    assert listing.status_code == 200
    assert b"honeypot filled" in listing.content
    ids = [str(pk) for pk in Signature.objects.values_list("pk", flat=True)]
    asked = admin_client.post(url, {"action": "release_selected", "_selected_action": ids})
    assert b"2 signatures will be released" in asked.content
    assert Signature.objects.filter(status=Status.QUARANTINED).count() == 2  # nothing yet
    admin_client.post(
        url, {"action": "release_selected", "_selected_action": ids, "confirmed": "yes"}
    )
    assert Signature.objects.filter(status=Status.QUARANTINED).count() == 0
    process_counts()
    assert confirmed_count(campaign) == 1
    assert Signature.objects.filter(status=Status.PENDING).count() == 1


def test_the_review_queue_groups_bursts_by_network(admin_client, client, campaign):
    for n in range(3):
        sign(client, campaign, ip=f"203.0.113.{n}", email=f"burst{n}@example.org")
    listing = admin_client.get(reverse("admin:abuse_reviewsignature_changelist") + "?status=all")
    assert b"(3)" in listing.content
