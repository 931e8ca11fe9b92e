"""Looking a postal code up: one area, several, none, and outside the US.

The non-US data here is a small, made-up set of Canadian postal areas and UK
postcode districts with their divisions and (fictional) officials, loaded
through the same importers an organiser would use.
"""

from __future__ import annotations

import pytest

from undersigned.areas.importers.base import ImportFailed
from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.importers.officials import import_officials_csv
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.lookup import place, recipients_for
from undersigned.areas.models import Division, Official, PostalCodeDivision

from .areas import csv_text, target_by_area
from .conftest import make_campaign

pytestmark = pytest.mark.django_db

CA = "ocd-division/country:ca"
GB = "ocd-division/country:gb"

CANADA_DIVISIONS = csv_text(
    "id,name,validFrom,validThrough",
    f"{CA},Canada,,",
    f"{CA}/province:on,Ontario,,",
    f"{CA}/province:on/csd:3506008,Ottawa,,",
    f"{CA}/ed:35075,Ottawa Centre,2013-01-01,",
    f"{CA}/ed:35079,Ottawa South,2013-01-01,",
    f"{CA}/ed:35999,Ottawa Old District,,2012-12-31",
)
CANADA_POSTAL = csv_text(
    "country,postal_code,division_id,weight,method,source",
    f"CA,K1A,{CA}/province:on,1,concordance,made-up",
    f"CA,K1A,{CA}/province:on/csd:3506008,1,concordance,made-up",
    f"CA,K1A,{CA}/ed:35075,0.7,area share,made-up",
    f"CA,K1A,{CA}/ed:35079,0.3,area share,made-up",
    f"CA,K1A,{CA}/ed:35999,1,concordance,made-up",
    f"CA,k1p 1j1,{CA}/province:on,,,made-up",
    f"CA,K1P1J1,{CA}/ed:35075,1,centroid,made-up",
    f"CA,K1P,{CA}/ed:35079,1,centroid,made-up",
)
CANADA_OFFICIALS = csv_text(
    "name,office,role,division_id,email,postal_address",
    f"Alex Example (fictional),Member of Parliament,mp,{CA}/ed:35075,mp.centre@example.org,",
    f"Sam Sample (fictional),Member of Parliament,mp,{CA}/ed:35079,,"
    '"House of Commons\\nOttawa ON K1A 0A6"',
    f"Robin Placeholder (fictional),Mayor of Ottawa,mayor,{CA}/province:on/csd:3506008,"
    "mayor@ottawa.example.org,",
)


def load_canada():
    import_ocd_divisions(CANADA_DIVISIONS)
    import_postal_csv(CANADA_POSTAL)
    import_officials_csv(CANADA_OFFICIALS)


def ids(divisions) -> set[str]:
    return {division.ocd_id for division in divisions}


def test_a_code_in_one_district_places_the_signer_there():
    load_canada()
    placement = place("CA", "K1P 1J1")
    assert placement.known
    # The full code has its own links: its prefix's are not mixed in.
    assert ids(placement.divisions) == {f"{CA}/province:on", f"{CA}/ed:35075"}
    assert placement.choices(["ed"]) == {}


def test_a_code_spanning_two_districts_offers_both_and_drops_ended_ones():
    load_canada()
    placement = place("CA", "K1A 0B1")  # found through its prefix, K1A
    assert placement.postal_code == "K1A 0B1"
    assert set(placement.choices(["ed", "csd"])) == {"ed"}
    assert ids(placement.choices(["ed"])["ed"]) == {f"{CA}/ed:35075", f"{CA}/ed:35079"}
    # Placing without a choice leaves the ambiguous type out: no guessing.
    placed = {division.ocd_id: how for division, how in placement.assign({})}
    assert placed == {f"{CA}/province:on": "lookup", f"{CA}/province:on/csd:3506008": "lookup"}
    south = Division.objects.get(ocd_id=f"{CA}/ed:35079")
    placed = dict(placement.assign({"ed": south}))
    assert placed[south] == "chosen"


def test_an_unknown_code_is_not_placed_anywhere():
    load_canada()
    placement = place("CA", "H0H 0H0")
    assert not placement.known
    assert placement.divisions == []
    assert not place("US", "02143").known  # no US data loaded here


def test_uk_postcodes_are_found_by_their_district():
    import_ocd_divisions(
        csv_text(
            "id,name",
            f"{GB},United Kingdom",
            f"{GB}/ward:st_james~s,St James's (made-up ward)",
        )
    )
    import_postal_csv(
        csv_text(
            "country,postal_code,division_id,weight,method,source",
            f"GB,SW1A,{GB}/ward:st_james~s,1,manual,made-up",
        )
    )
    assert ids(place("GB", "SW1A 1AA").divisions) == {f"{GB}/ward:st_james~s"}


def test_recipients_are_the_fixed_targets_then_the_officials_of_the_signers_areas():
    load_canada()
    campaign = make_campaign(country="CA")
    campaign.targets.create(name="Prime Minister (fictional)", title="Office of the PM")
    target_by_area(campaign, "ed", roles="mp")
    target_by_area(campaign, "csd")
    divisions = place("CA", "K1P 1J1").divisions
    assert [str(r) for r in recipients_for(campaign, divisions)] == [
        "Prime Minister (fictional), Office of the PM",
        "Alex Example (fictional), Member of Parliament",
    ]
    everyone = place("CA", "K1A 0B1").divisions
    names = [r.name for r in recipients_for(campaign, everyone)]
    assert names[0] == "Prime Minister (fictional)"
    assert set(names[1:]) == {
        "Alex Example (fictional)",
        "Sam Sample (fictional)",
        "Robin Placeholder (fictional)",
    }
    posted = Official.objects.get(name="Sam Sample (fictional)").delivery_contact()
    assert (posted.kind, posted.value) == ("postal", "House of Commons\nOttawa ON K1A 0A6")


def test_the_generic_postal_file_reports_each_bad_line_and_imports_nothing():
    import_ocd_divisions(CANADA_DIVISIONS)
    bad = csv_text(
        "country,postal_code,division_id,weight,method,source",
        f"CA,K1A,{CA}/province:on,1,concordance,made-up",
        f"CA,12345,{CA}/province:on,,,",
        f"CAN,K1A,{CA}/province:on,,,",
        f"CA,K1A,{CA}/province:qc,,,",
        f"CA,K1A,{CA}/ed:35075,1.5,guess,",
        f"CA,K1A,{CA}/province:on,,,",
    )
    with pytest.raises(ImportFailed) as failure:
        import_postal_csv(bad)
    assert [(e.line, e.message.split(":")[0]) for e in failure.value.errors] == [
        (3, "postal code '12345'"),
        (4, "country 'CAN' is not a two-letter ISO code"),
        (5, "unknown division 'ocd-division/country"),
        (6, "weight '1.5' is not a number from 0 to 1"),
        (6, "method 'guess' is not one of"),
        (7, "repeats line 2"),
    ]
    assert PostalCodeDivision.objects.count() == 0


def test_reimporting_a_postal_file_replaces_that_sources_links_for_its_codes():
    load_canada()
    moved = csv_text(
        "country,postal_code,division_id,weight,method,source",
        f"CA,K1P,{CA}/ed:35075,1,centroid,made-up",
    )
    report = import_postal_csv(moved)
    assert report.total("postal links", "created") == 1
    assert report.total("postal links", "removed") == 1  # K1P was in Ottawa South
    assert ids(place("CA", "K1P 5G4").divisions) == {f"{CA}/ed:35075"}
    # Codes the file does not mention keep their links.
    assert PostalCodeDivision.objects.filter(postal_code="K1A").count() == 5
    again = import_postal_csv(moved)
    assert again.total("postal links", "unchanged") == 1
    assert not again.total("postal links", "created")
