"""The overview's map and chart are drawn at the same coordinates in Spanish as
in English: only their words change. (Spanish writes 224,0 for 224.0; an SVG
coordinate written that way is not a number, and the chart's lines were lost.)"""

from __future__ import annotations

import re

import pytest

from .area_pages import bulk_signers, geography, publish_now, svg_in
from .delivery_helpers import local_campaign

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def geometry(html: str, css_class: str) -> list[tuple[str, dict[str, str]]]:
    """Each element of the SVG with its attributes: everything but its words."""
    return [(element.tag, dict(element.attrib)) for element in svg_in(html, css_class).iter()]


def test_the_overview_draws_the_same_svg_in_english_and_spanish(client):
    areas = geography()
    campaign = local_campaign()
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 37, days=9)
    bulk_signers(campaign, [areas["oakland"], areas["ca"]], 12, start=100, days=4)
    publish_now(campaign)
    english = client.get(f"/c/{campaign.slug}/areas/").content.decode()
    spanish = client.get(f"/es/c/{campaign.slug}/areas/").content.decode()
    assert '<html lang="es"' in spanish
    for svg in ("chart", "us-map"):
        drawn = geometry(spanish, svg)
        assert drawn == geometry(english, svg), svg
        coordinates = [
            value
            for _tag, attributes in drawn
            for name, value in attributes.items()
            if name in {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"}
        ]
        assert coordinates, f"the {svg} has no coordinates to check"
        assert all(NUMBER.fullmatch(value) for value in coordinates), coordinates
    # The words do change.
    assert "Firmas confirmadas" in spanish
