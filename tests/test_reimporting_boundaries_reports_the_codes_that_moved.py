"""Importing a boundary file again changes nothing; importing it after a
boundary moved moves the links of the ZIPs it crossed, reports each of them,
and leaves every other kind of link, state and source alone."""

from __future__ import annotations

import pytest

from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.models import PostalCodeDivision

from .areas import csv_text
from .boundaries import MA, US, box, centre, feature, geojson, make_divisions, polygon

pytestmark = pytest.mark.django_db

NH = f"{US}/state:nh"
WEST, EAST = f"{MA}/sldl:west_test", f"{MA}/sldl:east_test"
SENATE = f"{MA}/sldu:1st_test"
NH_DISTRICT = f"{NH}/sldl:carroll_1"
# Every ZIP centre in the area drawn below, west to east (Somerville and Cambridge).
CODES = ["02140", "02138", "02144", "02238", "02139", "02143", "02145", "02141", "02142"]


@pytest.fixture
def state():
    make_divisions(
        f"{MA},Massachusetts",
        f"{WEST},West Test district",
        f"{EAST},East Test district",
        f"{SENATE},1st Test senate district",
        f"{NH},New Hampshire",
        f"{NH_DISTRICT},Carroll County No. 1",
    )
    import_postal_csv(
        csv_text("country,postal_code,division_id", *(f"US,{code},{MA}" for code in CODES))
    )


def split_at(longitude: float, *, east_edge: float = -71.07) -> bytes:
    """West and east of a north-south line through Somerville and Cambridge."""
    south, north = 42.361, 42.41
    return geojson(
        feature(polygon(box(-71.14, south, longitude, north)), ocd_id=WEST),
        feature(polygon(box(longitude, south, east_edge, north)), ocd_id=EAST),
    )


def placed() -> dict[str, str]:
    return dict(
        PostalCodeDivision.objects.filter(division__type="sldl").values_list(
            "postal_code", "division__ocd_id"
        )
    )


def test_the_same_file_again_changes_nothing(state):
    first = import_boundaries(split_at(-71.11))
    again = import_boundaries(split_at(-71.11))

    assert first.total("postal links", "created") == 9
    assert again.total("postal links", "unchanged") == 9
    assert again.total("postal links", "created") == 0
    assert again.total("postal links", "removed") == 0
    assert again.total("postal codes", "unchanged") == 9
    assert again.postal_codes_changed == set()


def test_a_moved_boundary_moves_the_zips_it_crossed_and_reports_them(state):
    import_boundaries(split_at(-71.11))
    assert [code for code in CODES if placed()[code] == WEST] == ["02140", "02138", "02144"]

    # The line moves east past 02238 (-71.1056), 02139 (-71.1042) and 02143 (-71.1028).
    report = import_boundaries(split_at(-71.10))

    assert [code for code in CODES if placed()[code] == WEST] == CODES[:6]
    assert report.postal_codes_changed == {("US", "02238"), ("US", "02139"), ("US", "02143")}
    assert report.details["postal codes moved"] == [
        "US 02139: state:ma/sldl:east_test → state:ma/sldl:west_test",
        "US 02143: state:ma/sldl:east_test → state:ma/sldl:west_test",
        "US 02238: state:ma/sldl:east_test → state:ma/sldl:west_test",
    ]
    assert report.total("postal links", "created") == 3
    assert report.total("postal links", "removed") == 3
    assert report.total("postal codes", "unchanged") == 6


def test_a_zip_left_outside_every_boundary_loses_its_link(state):
    import_boundaries(split_at(-71.11))
    lon, _ = centre("02142")  # the easternmost

    report = import_boundaries(split_at(-71.11, east_edge=lon - 0.0001))

    assert "02142" not in placed()
    assert placed()["02141"] == EAST
    assert report.postal_codes_changed == {("US", "02142")}
    assert report.details["postal codes unlinked"] == ["US 02142: was state:ma/sldl:east_test"]
    assert report.details["postal codes outside every boundary"] == ["US 02142"]


def test_other_kinds_states_and_sources_keep_their_links(state):
    import_postal_csv(
        csv_text(
            "country,postal_code,division_id,source",
            f"US,02143,{SENATE},",  # another kind of district, same source name
            f"US,03813,{NH_DISTRICT},boundaries",  # another state
            f"US,02144,{EAST},hand-made",  # another source, same kind and state
        ),
        source="boundaries",
    )
    import_boundaries(split_at(-71.11))
    report = import_boundaries(split_at(-71.10))

    kept = set(
        PostalCodeDivision.objects.filter(
            division__ocd_id__in=[SENATE, NH_DISTRICT, EAST],
            postal_code__in=["02143", "03813", "02144"],
        ).values_list("postal_code", "division__ocd_id", "source")
    )
    assert kept == {
        ("02143", SENATE, "boundaries"),
        ("03813", NH_DISTRICT, "boundaries"),
        ("02144", EAST, "hand-made"),
    }
    assert report.total("postal links", "removed") == 3  # three ZIPs left the east
