"""A boundary file links each ZIP code whose shipped centre lies inside a
division's area to that division: squares, rings with holes, areas in
several pieces; a centre on the line between two districts belongs to both
(and the sign form asks); ZIPs of the state in no district are reported."""

from __future__ import annotations

import pytest

from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.lookup import place
from undersigned.areas.models import PostalCodeDivision

from .areas import csv_text
from .boundaries import MA, box, centre, feature, geojson, make_divisions, multipolygon, polygon
from .boundaries import square as ring

pytestmark = pytest.mark.django_db

DISTRICTS = ["1st", "2nd", "3rd", "4th", "5th"]
# ZIPs the state is known to hold (as the default data would link them).
STATE_ZIPS = ["01002", "02138", "02139", "02143", "02144", "02145", "02155"]


def sldl(name: str) -> str:
    return f"{MA}/sldl:{name}_test"


@pytest.fixture
def state():
    make_divisions(
        f"{MA},Massachusetts",
        *(f"{sldl(name)},{name} Test district" for name in DISTRICTS),
    )
    import_postal_csv(
        csv_text("country,postal_code,division_id", *(f"US,{code},{MA}" for code in STATE_ZIPS))
    )


def districts() -> bytes:
    """Five districts drawn around real ZIP centres (see STATE_ZIPS)."""
    lon, lat = centre("02139")
    return geojson(
        # 02144 in a plain square.
        feature(polygon(ring(*centre("02144"), 0.002)), ocd_id=sldl("1st")),
        # 02143 in a ring whose hole holds 02145.
        feature(
            polygon(box(-71.106, 42.378, -71.089, 42.394), ring(*centre("02145"), 0.002)),
            ocd_id=sldl("2nd"),
        ),
        # Two pieces, 80 km apart: Cambridge's 02138 and Amherst's 01002.
        feature(
            multipolygon([ring(*centre("02138"), 0.002)], [ring(*centre("01002"), 0.002)]),
            ocd_id=sldl("3rd"),
        ),
        # Two districts whose shared edge runs through 02139's centre.
        feature(polygon(box(lon - 0.004, lat - 0.002, lon, lat + 0.002)), ocd_id=sldl("4th")),
        feature(polygon(box(lon, lat - 0.002, lon + 0.004, lat + 0.002)), ocd_id=sldl("5th")),
    )


def links() -> set[tuple[str, str]]:
    return set(
        PostalCodeDivision.objects.filter(division__type="sldl").values_list(
            "postal_code", "division__ocd_id"
        )
    )


def test_each_zip_centre_is_linked_to_the_districts_that_hold_it(state):
    report = import_boundaries(districts(), file="ma.geojson")

    assert links() == {
        ("02144", sldl("1st")),
        ("02143", sldl("2nd")),
        ("02138", sldl("3rd")),
        ("01002", sldl("3rd")),
        ("02139", sldl("4th")),
        ("02139", sldl("5th")),
    }
    assert report.total("postal links", "created") == 6
    assert report.total("postal codes", "linked") == 5
    assert report.postal_codes_changed == {
        ("US", code) for code in ["01002", "02138", "02139", "02143", "02144"]
    }
    made = PostalCodeDivision.objects.filter(division__type="sldl")
    assert {(link.method, link.weight, link.source) for link in made} == {
        ("centroid", None, "boundaries")
    }


def test_a_zip_in_a_hole_or_in_no_district_is_reported_as_outside(state):
    report = import_boundaries(districts())

    assert report.total("postal codes", "outside every boundary") == 2
    assert report.details["postal codes outside every boundary"] == ["US 02145", "US 02155"]
    assert not PostalCodeDivision.objects.filter(
        postal_code__in=["02145", "02155"], division__type="sldl"
    ).exists()


def test_a_centre_on_a_shared_edge_leaves_the_choice_to_the_signer(state):
    import_boundaries(districts())

    placement = place("US", "02139")
    assert [d.ocd_id for d in placement.of_type("sldl")] == [sldl("4th"), sldl("5th")]
    assert list(placement.choices(["sldl"])) == ["sldl"]


def test_a_dry_run_reports_the_same_and_saves_nothing(state):
    dry = import_boundaries(districts(), dry_run=True)
    assert dry.dry_run
    assert dry.total("postal links", "created") == 6
    assert links() == set()

    real = import_boundaries(districts())
    assert real.counts == dry.counts
    assert real.postal_codes_changed == dry.postal_codes_changed
