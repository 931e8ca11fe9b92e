"""An import renames "Somerville" to "Somerville city": the import reports the
rename, and an organiser's display name, which no import ever changes, keeps
the public pages and the delivered lists as they were."""

from __future__ import annotations

import pytest

from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.models import Division
from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.models import Delivery
from undersigned.deliveries.rendering import render_delivery
from undersigned.participation.actions import publish

from .areas import MA, SOMERVILLE, csv_text
from .delivery_helpers import bulk_confirmed, lawmaker, local_campaign, places

pytestmark = pytest.mark.django_db


def rename(name: str):
    return import_ocd_divisions(csv_text("id,name", f"{MA},Massachusetts", f"{SOMERVILLE},{name}"))


def test_a_rename_is_reported_and_shows_unless_an_organiser_named_the_place():
    places()
    report = rename("Somerville city")
    assert report.total("divisions", "renamed") == 1
    assert any(
        "'Somerville' → 'Somerville city' (public pages and new letters show the new name; "
        "set a display name to keep the old)" in line
        for line in report.lines()
    )
    Division.objects.filter(ocd_id=SOMERVILLE).update(display_name="Somerville")

    report = rename("City of Somerville")
    assert any(
        "'Somerville city' → 'City of Somerville' (pages keep showing the display name "
        "'Somerville')" in line
        for line in report.lines()
    )
    division = Division.objects.get(ocd_id=SOMERVILLE)
    assert (division.name, division.display_name, division.public_name) == (
        "City of Somerville", "Somerville", "Somerville",
    )  # fmt: skip
    assert rename("City of Somerville").total("divisions", "renamed") == 0


def test_public_pages_and_delivered_lists_keep_the_display_name(client):
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign(batch_size=10)
    Division.objects.filter(ocd_id=SOMERVILLE).update(display_name="Somerville, the Paris of NE")
    rename("Somerville city")
    bulk_confirmed(campaign, somerville, 10)
    process_all_count_events()
    publish(campaign)
    delivery = Delivery.objects.get()
    assert delivery.label == "Signers 1–10 from Somerville, the Paris of NE, MA"  # noqa: RUF001
    rendered = render_delivery(delivery)
    assert "Somerville, the Paris of NE" in rendered.csv
    assert "Somerville city" not in rendered.csv
    page = client.get(f"/c/{campaign.slug}/areas/country:us/state:ma/place:somerville/")
    text = page.content.decode()
    assert "Somerville, the Paris of NE" in text and "Somerville city" not in text
