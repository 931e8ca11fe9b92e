"""The Census Bureau's boundary files need no ocd_id: each feature finds its
division by the census GEOID in the division's codes, else by the OCD id its
district number or name spells; shapefiles come zipped, as Census ships them."""

from __future__ import annotations

import csv

import pytest

from undersigned.areas.importers.base import ImportFailed
from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.importers.census import district_slug
from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.importers.us import STATES
from undersigned.areas.models import PostalCodeDivision

from .areas import OCD, csv_text, needs_shared_data
from .boundaries import US, centre, feature, geojson, polygon, square, zipped_shapefile

pytestmark = pytest.mark.django_db

MA, NH, DC = f"{US}/state:ma", f"{US}/state:nh", f"{US}/state:dc"


@pytest.fixture
def divisions():
    """As the OCD ids have them (us-ocd-divisions.csv's columns)."""
    import_ocd_divisions(
        csv_text(
            "id,name,validFrom,validThrough,census_geoid",
            f"{US},United States,,,",
            f"{MA},Massachusetts,,,",
            f"{MA}/cd:9,Massachusetts's 9th congressional district,,,cd-2509",
            f"{MA}/sldl:1st_barnstable,Massachusetts 1st Barnstable district,,,",
            f"{MA}/sldl:2nd_barnstable,Massachusetts 2nd Barnstable district,,,",
            f"{MA}/sldl:cape_test,A district whose GEOID is on record,,,sldl-25061",
            f"{MA}/sldl:barnstable_dukes_and_nantucket,Barnstable Dukes & Nantucket,,,",
            f"{MA}/sldu:1st_plymouth_and_bristol,First Plymouth & Bristol,,2023-01-03,",
            f"{NH},New Hampshire,,,",
            f"{NH}/sldl:carroll_1,New Hampshire State House district Carroll County No. 1,,,",
            f"{NH}/sldu:3,New Hampshire State Senate district 3,,,",
            f"{DC},District of Columbia,,,",
            f"{DC}/cd:at-large,District of Columbia's at-large congressional district,,,",
        )
    )


def around(code: str) -> list:
    return [square(*centre(code), 0.001)]


def at(code: str, **attributes) -> dict:
    """A feature with these attributes, drawn tightly around a ZIP's centre."""
    return feature(polygon(*around(code)), **attributes)


def linked() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for code, ocd_id in PostalCodeDivision.objects.values_list("postal_code", "division__ocd_id"):
        out.setdefault(code, set()).add(ocd_id.removeprefix(f"{US}/"))
    return out


def test_a_zipped_tiger_shapefile_of_state_house_districts(divisions):
    def district(code: str, name: str) -> dict:
        return {"STATEFP": "25", "SLDLST": code, "GEOID": f"25{code}", "NAMELSAD": name}

    content = zipped_shapefile(
        "tl_2024_25_sldl",
        [
            (district("060", "1st Barnstable District"), around("02601")),
            (district("061", "2nd Barnstable District"), around("02630")),
            (district("064", "Barnstable, Dukes & Nantucket District"), around("02554")),
            (district("ZZZ", "State House Districts not defined"), around("02540")),
        ],
    )

    report = import_boundaries(content, file="tl_2024_25_sldl.zip")

    assert linked() == {
        "02601": {"state:ma/sldl:1st_barnstable"},
        # The census GEOID on record wins over the name.
        "02630": {"state:ma/sldl:cape_test"},
        "02554": {"state:ma/sldl:barnstable_dukes_and_nantucket"},
    }
    assert report.total("boundaries", "matched by number or name") == 2
    assert report.total("boundaries", "matched by census GEOID") == 1
    assert report.total("boundaries", "with no district (ZZZ), skipped") == 1


def test_2020_attribute_names_numbers_and_new_hampshires_county_districts(divisions):
    content = geojson(
        at(
            "03813",
            STATEFP20="33",
            SLDLST20="001",
            GEOID20="33001",
            NAMELSAD20="Carroll County No. 1",
        ),
        at(
            "03301",
            STATEFP20="33",
            SLDUST20="003",
            GEOID20="33003",
            NAMELSAD20="State Senate District 3",
        ),
    )

    import_boundaries(content)

    assert linked() == {"03813": {"state:nh/sldl:carroll_1"}, "03301": {"state:nh/sldu:3"}}


def test_congressional_districts_by_geoid_and_a_delegates_district_by_number(divisions):
    content = geojson(
        at("02155", STATEFP="25", CD119FP="09", GEOID="2509"),
        at("20001", STATEFP="11", CD119FP="98", GEOID="1198"),
    )

    report = import_boundaries(content)

    assert linked() == {"02155": {"state:ma/cd:9"}, "20001": {"state:dc/cd:at-large"}}
    assert report.total("boundaries", "matched by census GEOID") == 1
    assert report.total("boundaries", "matched by number or name") == 1


def test_an_ended_district_is_matched_and_said_to_have_ended(divisions):
    content = geojson(
        at(
            "02360",
            STATEFP="25",
            SLDUST="013",
            GEOID="25013",
            NAME="First Plymouth and Bristol",
        ),
    )

    report = import_boundaries(content)

    assert linked() == {"02360": {"state:ma/sldu:1st_plymouth_and_bristol"}}
    assert report.details["boundaries matched to an ended division"] == [
        f"{MA}/sldu:1st_plymouth_and_bristol"
    ]


def test_a_district_no_division_matches_is_named_with_what_was_tried(divisions):
    content = geojson(
        at(
            "02601",
            STATEFP="25",
            SLDLST="070",
            GEOID="25070",
            NAMELSAD="3rd Barnstable District",
        ),
        at("02630", STATEFP="25", COUNTYFP="001", GEOID="25001"),
    )

    with pytest.raises(ImportFailed) as failure:
        import_boundaries(content, file="sldl.geojson")

    assert [str(error) for error in failure.value.errors] == [
        "sldl.geojson, feature 1: GEOID 25070, '3rd Barnstable District': no sldl division "
        f"has census GEOID 25070 or is {MA}/sldl:70 or {MA}/sldl:3rd_barnstable; import "
        "the OCD divisions first, or give the feature an ocd_id property",
        "sldl.geojson, feature 2: GEOID 25001: no county division has census GEOID 25001; "
        "import the OCD divisions first, or give the feature an ocd_id property",
    ]
    assert not PostalCodeDivision.objects.exists()


@needs_shared_data
def test_the_ocd_ids_own_district_names_spell_their_ids():
    """The name rule, on the 7,048 state legislative districts of the shared
    OCD ids: 'Massachusetts 10th Bristol district' -> sldl:10th_bristol. The
    misses are South Carolina's 'HD-001' (its census code gives sldl:1),
    California's deferred areas of 2013, four Vermont spellings and Maine's
    two tribal seats."""
    spelt = total = 0
    with open(OCD, encoding="utf-8") as lines:
        for row in csv.DictReader(lines):
            kind, _, slug = row["id"].rsplit("/", 1)[-1].partition(":")
            if kind not in {"sldu", "sldl"}:
                continue
            state = STATES[row["id"].split("/")[2].removeprefix("state:").upper()]
            name = row["name"].removeprefix(state.name).removesuffix(" (obsolete)")
            total += 1
            spelt += district_slug(name) == slug
    print(f"\nOCD district names that spell their id: {spelt:,} of {total:,} ({spelt / total:.1%})")
    assert total > 7000
    assert spelt / total >= 0.97
