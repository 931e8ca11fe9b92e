"""Given postal-code areas (Census ZCTAs, or any country's postal polygons),
each code is linked to every district covering at least 1 % of it, weighted
by that share; a sliver below 1 % is a drawing error, not a neighbour."""

from __future__ import annotations

import pytest

from undersigned.areas.importers.base import ImportFailed
from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.lookup import place
from undersigned.areas.models import PostalCodeDivision

from .areas import csv_text
from .boundaries import US, box, feature, geojson, make_divisions, polygon

pytestmark = pytest.mark.django_db

RI = f"{US}/state:ri"
WEST, EAST = f"{RI}/sldl:west_test", f"{RI}/sldl:east_test"
# Two districts side by side, each 0.1 degree wide, meeting at 71.5 W.
DISTRICTS = geojson(
    feature(polygon(box(-71.6, 41.7, -71.5, 41.8)), ocd_id=WEST),
    feature(polygon(box(-71.5, 41.7, -71.4, 41.8)), ocd_id=EAST),
)


@pytest.fixture
def state():
    make_divisions(f"{RI},Rhode Island", f"{WEST},West", f"{EAST},East")
    # The state's ZIPs, as the default data links them.
    import_postal_csv(
        csv_text("country,postal_code,division_id", *(f"US,0290{n},{RI}" for n in range(1, 6)))
    )


def zip_area(code: str, west: float, east: float, field: str = "ZCTA5CE20") -> dict:
    return feature(polygon(box(west, 41.74, east, 41.76)), **{field: code})


AREAS = geojson(
    zip_area("02901", -71.57, -71.47),  # 70 % west, 30 % east
    zip_area("02902", -71.59, -71.52, field="postal_code"),  # all west
    zip_area("02903", -71.5995, -71.4995),  # 99.5 % west, a 0.5 % sliver east
    zip_area("02904", -71.39, -71.35),  # beyond both
)


def weights() -> dict[tuple[str, str], float]:
    return {
        (code, ocd_id.rsplit(":", 1)[-1]): weight
        for code, ocd_id, weight in PostalCodeDivision.objects.filter(
            division__type="sldl"
        ).values_list("postal_code", "division__ocd_id", "weight")
    }


def test_each_code_is_linked_by_its_share_of_area(state):
    report = import_boundaries(DISTRICTS, postal_areas=AREAS)

    assert weights() == {
        ("02901", "west_test"): 0.7,
        ("02901", "east_test"): 0.3,
        ("02902", "west_test"): 1.0,
        ("02903", "west_test"): 0.995,
    }
    assert set(
        PostalCodeDivision.objects.filter(division__type="sldl").values_list("method", flat=True)
    ) == {"area_share"}
    assert report.what == "Boundaries, by share of postal area"
    assert report.details["postal codes outside every boundary"] == ["US 02904"]
    assert report.details["postal codes without a known position"] == ["US 02905"]
    assert [d.ocd_id for d in place("US", "02901").of_type("sldl")] == [EAST, WEST]


def test_postal_areas_again_change_nothing_and_a_moved_share_is_an_update(state):
    import_boundaries(DISTRICTS, postal_areas=AREAS)
    again = import_boundaries(DISTRICTS, postal_areas=AREAS)
    assert again.total("postal links", "unchanged") == 4
    assert again.postal_codes_changed == set()

    wider = geojson(zip_area("02901", -71.57, -71.42), zip_area("02902", -71.59, -71.52))
    report = import_boundaries(DISTRICTS, postal_areas=wider)

    assert report.details["postal links updated"] == [
        f"US 02901 → {WEST}",
        f"US 02901 → {EAST}",
    ]
    assert weights()[("02901", "west_test")] == pytest.approx(0.4667, abs=1e-4)
    # 02903 is in no area this time: its link goes, it is reported.
    assert ("02903", "west_test") not in weights()
    assert report.postal_codes_changed == {("US", "02903")}


def test_a_postal_area_without_a_good_code_is_a_problem(state):
    with pytest.raises(ImportFailed, match="2 problems; nothing was imported") as failure:
        import_boundaries(
            DISTRICTS,
            postal_areas=geojson(zip_area("", -71.57, -71.47), zip_area("2901", -71.5, -71.4)),
            postal_areas_file="zctas.geojson",
        )
    assert [str(error) for error in failure.value.errors] == [
        "zctas.geojson, feature 1: it has no postal code (a postal_code or ZCTA5CE20 property)",
        "zctas.geojson, feature 2: postal code '2901': Enter a 5-digit ZIP code, like 02143.",
    ]
    assert not PostalCodeDivision.objects.filter(division__type="sldl").exists()
