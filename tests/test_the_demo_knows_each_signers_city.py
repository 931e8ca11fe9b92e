"""The demo loads the US areas from the installed packages, offline, its
local campaign writes to each signer's own (fictional) city lawmakers, and it
reads in Spanish under /es/."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from undersigned.areas.models import ContactPoint, Division, PostalCodeDivision, SignatureDivision
from undersigned.campaigns.models import Campaign, LetterVersion
from undersigned.demo.spanish import seed as seed_spanish
from undersigned.signatures.models import Signature

from .conftest import form_data

pytestmark = [
    pytest.mark.django_db,
    # The demo runs on SQLite (`make demo`). On PostgreSQL it loads some 300,000
    # rows inside one test transaction, about a minute on the 2-core machine;
    # the same loaders are tested on PostgreSQL by the importer tests, and the
    # demo itself was run there by hand (docs/data-sources.md).
    pytest.mark.skipif(
        connection.vendor == "postgresql", reason="the demo is SQLite's; see the comment"
    ),
]

LOCAL = "end-face-surveillance"
SAN_FRANCISCO = "ocd-division/country:us/state:ca/place:san_francisco"


def test_the_local_campaign_places_a_signer_in_their_city_and_names_its_lawmakers(client, settings):
    settings.DEMO = True
    output = io.StringIO()
    call_command("demo", stdout=output)
    assert "US default" in output.getvalue()
    assert Division.objects.filter(type="state").count() == 56
    assert PostalCodeDivision.objects.filter(postal_code="94103").exists()
    # Nothing in the demo can reach a real person.
    emails = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL)
    assert emails.exists()
    assert not emails.exclude(value__endswith="@example.org").exists()

    preview = client.get("/api/areas/lookup", {"campaign": LOCAL, "postal_code": "94103"})
    assert [(r["name"], r["office"]) for r in preview.json()["recipients"]] == [
        ("Dana Example (fictional)", "Mayor of San Francisco"),
        ("Lee Placeholder (fictional)", "San Francisco City Council"),
    ]
    response = client.post(
        reverse("sign", args=[LOCAL]), form_data(email="sf@example.org", postal_code="94103")
    )
    assert b"Check your e-mail" in response.content
    signature = Signature.objects.get(campaign__slug=LOCAL, postal_code="94103")
    assert SignatureDivision.objects.filter(
        signature=signature, division__ocd_id=SAN_FRANCISCO
    ).exists()

    # In Spanish too, with its own letter; seeding it again adds no version.
    page = client.get(f"/es/c/{LOCAL}/").content.decode()
    assert "Acabemos con la vigilancia facial en tu comunidad" in page
    assert "Le pedimos que apruebe una ordenanza" in page
    assert "Firma la carta" in page
    letters = LetterVersion.objects.filter(campaign__slug=LOCAL)
    assert sorted(letters.values_list("language", flat=True)) == ["en", "es"]
    seed_spanish(Campaign.objects.get(slug=LOCAL))
    assert letters.count() == 2
