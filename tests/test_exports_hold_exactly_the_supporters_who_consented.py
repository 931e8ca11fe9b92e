"""Supporters' CSV exports hold exactly the people they should, with the
columns a CRM import needs, formula-safe, and each export is on record.

A partner's export: the confirmed signers of a campaign it co-sponsors who
agreed to hear from that partner and have not taken it back; for a partner
with a local group, only those placed in its group's area. The organisers'
export: those who agreed to hear from the organisers (or every confirmed
signer, with the opt-in column saying who agreed).
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.urls import reverse

from undersigned.campaigns.models import Partner
from undersigned.participation.models import LocalGroup
from undersigned.privacy.models import AuditEntry
from undersigned.signatures import actions, rights
from undersigned.signatures.exports import SUPPORTER_HEADER
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Consent
from undersigned.staff.roles import Role

from .conftest import make_campaign, process_counts
from .workspace import account, districts, signed_in

pytestmark = pytest.mark.django_db


def consent(kind, partner=None):
    text = f"Yes, {partner.name if partner else 'Test Rights Group'} may e-mail me."
    return actions.ConsentGiven(kind=kind, text=text, partner=partner)


def signer(campaign, name, areas, consents, *, confirm=True, code="02143"):
    result = actions.sign(
        campaign,
        actions.SignerDetails(
            email=f"{name.lower()}@example.org",
            first_name=name,
            last_name="Example",
            postal_code=code,
            country="US",
            divisions=tuple((area, "lookup") for area in areas),
        ),
        consents=consents,
    )
    signature = result.signature
    if confirm:
        actions.confirm(signature.pk, confirm_token(signature.pk, signature.link_version))
    signature.refresh_from_db()
    return signature


@pytest.fixture
def world():
    areas = districts()
    campaign = make_campaign()
    network = Partner.objects.create(name="National Network")
    local = Partner.objects.create(name="Somerville Group")
    campaign.partners.add(network, local)
    LocalGroup.objects.create(partner=local, division=areas["somerville"], email="g@example.org")
    organiser = consent(Consent.Kind.ORGANISER)
    to_network, to_local = consent("partner", network), consent("partner", local)
    somerville, cambridge = [areas["somerville"], areas["ma"]], [areas["cambridge"], areas["ma"]]
    signer(campaign, "Ann", somerville, [organiser, to_network, to_local])
    signer(campaign, "Ben", cambridge, [to_network, to_local])  # outside the group's area
    signer(campaign, "Cy", somerville, [to_local])
    signer(campaign, "Di", somerville, [organiser])
    signer(campaign, "Ed", somerville, [])
    signer(campaign, "Fay", somerville, [to_network, to_local], confirm=False)  # unconfirmed
    gone = signer(campaign, "Gus", somerville, [organiser, to_network, to_local])
    rights.withdraw_consents(gone)  # unsubscribed
    left = signer(campaign, "Hal", somerville, [organiser, to_network, to_local])
    rights.withdraw(left)
    signer(campaign, "=Ivy", cambridge, [organiser, to_network])  # types a formula
    process_counts()
    # Another campaign the network co-sponsors: its supporters are not in this one's file.
    other = make_campaign(slug="another", title="Another campaign")
    other.partners.add(network)
    signer(other, "Joe", somerville, [consent("partner", network)])
    clients = {
        "network": signed_in(account(Role.PARTNER, "network-user", network)),
        "local": signed_in(account(Role.PARTNER, "local-user", local)),
        "organiser": signed_in(account(Role.ORGANISER, "organiser")),
    }
    return campaign, network, local, clients


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    return text, rows


def emails(rows) -> set[str]:
    return {row["email"] for row in rows}


def test_a_national_partner_gets_exactly_its_consenting_confirmed_supporters(world):
    campaign, network, _local, clients = world
    url = reverse("organise:partner_export_csv", args=[campaign.pk])
    text, rows = download(clients["network"], url)
    assert emails(rows) == {"ann@example.org", "ben@example.org", "'=ivy@example.org"}
    assert "Somerville Group" not in text  # no word of another partner's consents
    ann = next(row for row in rows if row["first_name"] == "Ann")
    assert ann["email_opt_in"] == "yes"
    words = "Yes, National Network may e-mail me."
    assert ann["opt_in_text_sha256"] == hashlib.sha256(words.encode()).hexdigest()
    assert ann["consents"].startswith("partner:National Network|")
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert (entry.actor, entry.detail["rows"], entry.detail["partner"]) == (
        "network-user", 3, network.pk,
    )  # fmt: skip


def test_a_local_group_gets_only_the_consenting_supporters_in_its_area(world):
    campaign, _network, local, clients = world
    url = reverse("organise:partner_export_csv", args=[campaign.pk])
    _text, rows = download(clients["local"], url)
    assert emails(rows) == {"ann@example.org", "cy@example.org"}
    assert {row["areas"] for row in rows} == {"Massachusetts; Somerville"}
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert (entry.actor, entry.detail["rows"], entry.detail["partner"]) == (
        "local-user", 2, local.pk,
    )  # fmt: skip


def test_the_organisers_export_holds_those_who_agreed_to_hear_from_them(world):
    campaign, _network, _local, clients = world
    url = reverse("organise:export_csv", args=[campaign.pk]) + "?who=opted_in"
    text, rows = download(clients["organiser"], url)
    assert text.splitlines()[0] == ",".join(SUPPORTER_HEADER)
    assert emails(rows) == {"ann@example.org", "di@example.org", "'=ivy@example.org"}
    ivy = next(row for row in rows if row["email"].startswith("'"))
    assert ivy["first_name"] == "'=Ivy"  # a spreadsheet shows it, never runs it
    ann = next(row for row in rows if row["first_name"] == "Ann")
    assert ann["zip_code"] == "02143" and ann["country"] == "US"
    assert ann["status"] == "confirmed" and ann["signed_at"] and ann["confirmed_at"]
    assert ann["email_opt_in"] == "yes" and ann["campaign"] == campaign.slug
    kinds = [part.split("|")[0] for part in ann["consents"].split("; ")]
    assert kinds == ["organiser", "partner:National Network", "partner:Somerville Group"]
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert (entry.actor, entry.detail["rows"]) == ("organiser", 3)
    assert entry.detail["what"] == "supporters (opted_in)"


def test_every_confirmed_signer_with_the_opt_in_column_saying_who_agreed(world):
    campaign, _network, _local, clients = world
    url = reverse("organise:export_csv", args=[campaign.pk]) + "?who=confirmed"
    _text, rows = download(clients["organiser"], url)
    opted = {row["first_name"]: row["email_opt_in"] for row in rows}
    assert opted == {
        "Ann": "yes", "Ben": "no", "Cy": "no", "Di": "yes", "Ed": "no", "Gus": "no",
        "'=Ivy": "yes",
    }  # fmt: skip


@pytest.mark.parametrize("query", ["", "?who=everyone", "?who=opted_in&who=", "?who=%00"])
def test_an_export_asked_for_wrongly_is_refused_and_leaves_no_record(world, query):
    campaign, _network, _local, clients = world
    response = clients["organiser"].get(reverse("organise:export_csv", args=[campaign.pk]) + query)
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode() or (
        "This field is required." in response.content.decode()
    )
    assert not AuditEntry.objects.filter(action="export").exists()
