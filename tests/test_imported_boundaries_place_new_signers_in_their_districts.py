"""Once a boundary file is imported, a campaign writing to state house
districts places a signer from Somerville (02144) in their district, through
the real sign form, like links from any other importer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.models import SignatureDivision
from undersigned.signatures.models import Signature

from .areas import csv_text, target_by_area
from .boundaries import MA, centre, feature, geojson, make_divisions, polygon, square
from .conftest import form_data, make_campaign

pytestmark = pytest.mark.django_db

DISTRICT = f"{MA}/sldl:27th_middlesex"


def test_a_signer_is_placed_in_the_district_the_boundaries_put_their_zip_in(client):
    make_divisions(f"{MA},Massachusetts", f"{DISTRICT},Massachusetts 27th Middlesex district")
    import_postal_csv(csv_text("country,postal_code,division_id", f"US,02144,{MA}"))
    campaign = make_campaign()
    target_by_area(campaign, "sldl", "lower")

    import_boundaries(geojson(feature(polygon(square(*centre("02144"), 0.01)), ocd_id=DISTRICT)))
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(postal_code="02144"))

    assert b"Check your e-mail" in response.content
    placed = SignatureDivision.objects.filter(signature=Signature.objects.get())
    assert dict(placed.values_list("division__ocd_id", "how")) == {
        MA: "lookup",
        DISTRICT: "lookup",
    }
