"""The comment: the form says who reads it. Where the letter is delivered, a
signer may tick a box to send it, with their name, to the lawmakers (the
consent kept with its words); only then is it in the delivered letter's list.
Staff exports carry it. Where nothing is delivered, the form says only the
organisers read it."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from undersigned.areas.importers.postal import import_postal_csv
from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.models import Delivery
from undersigned.deliveries.rendering import render_delivery
from undersigned.signatures import exports
from undersigned.signatures.models import Consent, Signature

from .areas import SOMERVILLE, csv_text
from .conftest import confirm_path_from, form_data, make_campaign, run_worker
from .delivery_helpers import lawmaker, local_campaign, places

pytestmark = pytest.mark.django_db


def sign(client, campaign, outbox, **details):
    client.post(reverse("sign", args=[campaign.slug]), form_data(**details))
    run_worker()
    client.post(confirm_path_from(outbox[-1]))


def test_the_form_says_where_the_comment_goes(client, db):
    places()
    letter = local_campaign()
    page = html.unescape(client.get(letter.get_absolute_url()).content.decode())
    assert (
        "Test Rights Group reads your comment. It goes to the lawmakers, with your name, only "
        "if you tick the box below. It is never shown on this site." in page
    )
    assert "Include my comment, with my name, in the letter delivered to the lawmakers" in page
    petition = make_campaign(slug="no-delivery")
    page = html.unescape(client.get(petition.get_absolute_url()).content.decode())
    assert "Only Test Rights Group reads your comment. It is not published or sent on." in page
    assert "Include my comment" not in page


def test_only_consenting_signers_comments_reach_the_lawmakers(client, outbox, db):
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    import_postal_csv(csv_text("country,postal_code,division_id", f"US,02143,{SOMERVILLE}"))
    campaign = local_campaign(batch_size=2)
    sign(client, campaign, outbox, email="ann@example.org", first_name="Ann",
         comment="Please ban it.", consent_comment="on")  # fmt: skip
    sign(client, campaign, outbox, email="bo@example.org", first_name="Bo",
         comment="Private note for the organisers.")  # fmt: skip
    consent = Consent.objects.get(kind=Consent.Kind.COMMENT)
    assert consent.text == (
        "Include my comment, with my name, in the letter delivered to the lawmakers"
    )
    assert consent.signature.first_name == "Ann"
    process_all_count_events()
    rendered = render_delivery(Delivery.objects.get())
    lines = rendered.csv.splitlines()
    assert lines[0] == "number,name,city or postal code,comment"
    assert "Ann Doe,Somerville,Please ban it." in rendered.csv
    assert "Private note" not in rendered.csv

    rows = list(exports.export_signatures(Signature.objects.all(), actor="staff"))
    assert exports.HEADER[-1] == "comment"
    assert sorted(row[-1] for row in rows) == ["Please ban it.", "Private note for the organisers."]


def test_a_comment_without_the_box_ticked_records_no_consent(client, outbox, db):
    places()
    campaign = local_campaign()
    sign(client, campaign, outbox, consent_comment="on")  # no comment typed
    assert not Consent.objects.filter(kind=Consent.Kind.COMMENT).exists()
