"""The importers on the real public data in ../shared/data: every row loads,
people land on the right divisions, re-imports change nothing, and a file
with bad lines imports nothing and names every bad line."""

from __future__ import annotations

import csv
import datetime

import pytest
import time_machine

from undersigned.areas.importers.base import ImportFailed
from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.lookup import place
from undersigned.areas.models import ContactPoint, Division, Official, PostalCodeDivision

from .areas import (
    CONGRESS,
    MA,
    OCD,
    OPENSTATES,
    SOMERVILLE,
    ZCTA,
    data_lines,
    load,
    needs_shared_data,
)

pytestmark = [pytest.mark.django_db, needs_shared_data]

# The day the shared data was taken: who holds an office, and which terms have
# ended, are read as of that day, not as of whenever the suite happens to run.
SNAPSHOT_DAY = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _on_the_snapshot_day():
    with time_machine.travel(SNAPSHOT_DAY, tick=False):
        yield


def test_every_ocd_division_loads_with_its_parent_and_dates_and_reloads_unchanged():
    report = load("divisions", OCD)
    rows = data_lines(OCD)
    assert report.rows == rows == 31_764
    assert report.total("divisions", "created") == rows
    assert Division.objects.count() == rows
    somerville = Division.objects.get(ocd_id=SOMERVILLE)
    assert (somerville.name, somerville.type, somerville.country) == (
        "Somerville city",
        "place",
        "US",
    )
    assert somerville.parent.ocd_id == MA
    assert somerville.codes == {"census_geoid": "place-2562535"}
    obsolete = Division.objects.get(ocd_id=f"{MA}/cd:10")
    assert obsolete.valid_through == datetime.date(2013, 1, 3)
    assert not Division.objects.current().filter(pk=obsolete.pk).exists()
    assert Division.objects.current().filter(ocd_id=f"{MA}/cd:7").exists()

    again = load("divisions", OCD)
    assert again.total("divisions", "unchanged") == rows
    assert again.total("divisions", "created") == again.total("divisions", "updated") == 0
    assert Division.objects.count() == rows


def test_every_zcta_row_links_and_a_zip_spanning_two_districts_links_to_both():
    load_default_us(states=[])  # the states, which the districts belong to
    report = load("zcta-districts", ZCTA)
    assert report.rows == data_lines(ZCTA) == 42_033
    assert PostalCodeDivision.objects.count() == 42_033
    assert set(
        PostalCodeDivision.objects.filter(country="US", postal_code="02145").values_list(
            "division__ocd_id", flat=True
        )
    ) == {f"{MA}/cd:5", f"{MA}/cd:7"}
    # Districts not imported yet are created under their states.
    with open(ZCTA, newline="") as handle:
        seats = {(row["state_abbr"], row["cd"]) for row in csv.DictReader(handle)}
    assert len(seats) == 437  # 435 seats, and the delegates of DC and Puerto Rico
    assert report.total("divisions", "created") == len(seats)
    assert Division.objects.filter(type="cd").count() == len(seats)
    dc = PostalCodeDivision.objects.get(postal_code="20001").division
    assert (dc.ocd_id, dc.parent.ocd_id) == (
        "ocd-division/country:us/state:dc/cd:at-large",
        "ocd-division/country:us/state:dc",
    )
    vermont = PostalCodeDivision.objects.filter(postal_code="05401").get().division
    assert vermont.ocd_id == "ocd-division/country:us/state:vt/cd:at-large"
    assert load("zcta-districts", ZCTA).total("postal links", "unchanged") == 42_033


def test_somerville_zip_codes_resolve_to_the_place_county_state_and_districts():
    load_default_us(states=["MA"])
    load("zcta-districts", ZCTA)
    expected = {
        "02143": {f"{MA}/cd:7"},
        "02144": {f"{MA}/cd:7"},
        "02145": {f"{MA}/cd:5", f"{MA}/cd:7"},
    }
    for code, districts in expected.items():
        placement = place("US", code)
        by_type = {
            d.type: {x.ocd_id for x in placement.of_type(d.type)} for d in placement.divisions
        }
        assert by_type == {
            "state": {MA},
            "county": {f"{MA}/county:middlesex"},
            "place": {SOMERVILLE},
            "cd": districts,
        }, code


def test_members_of_congress_land_on_their_state_or_district_with_postal_delivery():
    load_default_us(states=[])
    report = load("congress-legislators", CONGRESS)
    assert report.rows == data_lines(CONGRESS) == 537
    assert Official.objects.count() == 537
    senators = Official.objects.filter(role="sen", division__ocd_id=MA)
    assert senators.count() == 2
    rep = Official.objects.get(role="rep", division__ocd_id=f"{MA}/cd:7")
    assert rep.office == "U.S. Representative for Massachusetts's 7th congressional district"
    delivery = rep.delivery_contact()
    assert delivery.kind == ContactPoint.Kind.POSTAL
    assert "Washington DC" in delivery.value
    assert not ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL).exists()
    assert Official.objects.filter(division__ocd_id__endswith="/cd:at-large").count() == 12
    # The newest members have no full_name yet: their name is built from its parts.
    assert Official.objects.filter(name="James Gallagher", role="rep").exists()
    assert load("congress-legislators", CONGRESS).total("officials", "unchanged") == 537


def test_open_states_people_of_ma_and_ca_land_on_the_right_divisions():
    load("divisions", OCD)
    ma = load("openstates", OPENSTATES / "ma")
    ca = load("openstates", OPENSTATES / "ca")
    assert (
        ma.total("officials", "created")
        == Official.objects.filter(division__ocd_id__startswith=MA).count()
    )
    assert ca.total("officials", "created") > 200

    def official(name):
        return Official.objects.current().select_related("division").get(name=name)

    saunders = official("Aaron Saunders")
    assert (saunders.role, saunders.division.ocd_id) == ("lower", f"{MA}/sldl:7th_hampden")
    assert saunders.delivery_contact().value == "aaron.saunders@mahouse.gov"
    # Open States writes "Fifth Middlesex"; the OCD id says 5th_middlesex.
    assert Official.objects.current().get(role="upper", division__ocd_id=f"{MA}/sldu:5th_middlesex")
    healey = official("Maura Healey")
    assert (healey.role, healey.division.ocd_id, healey.office) == (
        "governor",
        MA,
        "Governor of Massachusetts",
    )
    assert healey.delivery_contact().kind == ContactPoint.Kind.POSTAL
    assert healey.contacts.filter(kind=ContactPoint.Kind.WEB_FORM).exists()
    wu = Official.objects.get(name="Michelle Wu")
    assert (wu.role, wu.division.ocd_id) == ("mayor", f"{MA}/place:boston")
    assert wu.office == "Mayor of Boston"
    garcia = Official.objects.filter(name="Robert Garcia").select_related("division")
    assert {(o.role, o.division.ocd_id) for o in garcia} == {
        ("lower", "ocd-division/country:us/state:ca/sldl:50"),
        ("mayor", "ocd-division/country:us/state:ca/place:long_beach"),
    }
    # Ended roles are kept as history and are not current.
    assert not Official.objects.current().filter(name="Robert Garcia", role="mayor").exists()
    assert (
        Official.objects.current()
        .filter(role="upper", division__ocd_id__startswith="ocd-division/country:us/state:ca/sldu:")
        .count()
        == 40
    )
    # Municipalities missing from the divisions file come from municipalities.yml.
    ventura = Division.objects.get(ocd_id="ocd-division/country:us/state:ca/place:ventura")
    assert ventura.name == "Ventura"
    again = load("openstates", OPENSTATES / "ma")
    assert again.total("officials", "unchanged") == ma.total("officials", "created")
    assert not again.total("contact lists", "updated")


def test_a_file_with_bad_lines_imports_nothing_and_names_every_bad_line():
    lines = ZCTA.read_text().splitlines()
    lines[10] = "25,MA,0214,7"  # four-digit ZCTA, on line 11
    lines[20_000] = "99,MA,02145,7"  # wrong FIPS for MA, on line 20,001
    lines[-1] = lines[-1] + ",extra"  # one value too many, on the last line
    load_default_us(states=[])
    with pytest.raises(ImportFailed) as failure:
        load("zcta-districts", ("\n".join(lines) + "\n").encode())
    assert [(e.line, e.message) for e in failure.value.errors] == [
        (11, "zcta '0214' is not five digits"),
        (20_001, "state_fips '99' is not MA's (25)"),
        (42_034, "more values than columns"),
    ]
    assert PostalCodeDivision.objects.count() == 0
    assert not Division.objects.filter(type="cd").exists()


def test_a_dry_run_reports_the_changes_and_saves_nothing():
    load_default_us(states=[])
    report = load("congress-legislators", CONGRESS, dry_run=True)
    assert report.dry_run
    assert report.total("officials", "created") == 537
    assert "DRY" not in report.summary() and "would change" in report.summary()
    assert any("U.S. Senator for" in line for line in report.lines())
    assert Official.objects.count() == 0
    assert not Division.objects.filter(type="cd").exists()
