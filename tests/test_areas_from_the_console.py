"""`undersigned areas …`: the same importers from the console, with a dry run,
every bad line on stderr and a failing exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.models import Division, Official, PostalCodeDivision

from .areas import CONGRESS, csv_text, needs_shared_data

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("areas", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_default_for_some_states_then_look_a_zip_up():
    out, _ = run("load-default", "us", "--state", "ma")
    assert out.startswith("US default (zipcodes 3.0.0, us 4.0.0):")
    assert Division.objects.filter(type="state").count() == 56
    assert not Division.objects.filter(
        ocd_id__startswith="ocd-division/country:us/state:ca/"
    ).exists()
    out, _ = run("lookup", "US", "02143")
    assert "ocd-division/country:us/state:ma/place:somerville  Somerville" in out
    out, _ = run("lookup", "US", "99999")
    assert out.strip() == "US 99999: unknown"
    with pytest.raises(CommandError, match="Enter a 5-digit ZIP code"):
        run("lookup", "US", "2143")


@needs_shared_data
def test_a_dry_run_prints_what_would_change_and_saves_nothing():
    run("load-default", "us", "--state", "dc")
    out, _ = run("import", "congress-legislators", str(CONGRESS), "--dry-run")
    assert out.startswith("DRY RUN, nothing saved. Congress legislators: 537 rows read;")
    assert "officials created (537):" in out
    assert "… and 517 more" in out
    assert Official.objects.count() == 0


def test_a_bad_file_prints_each_bad_line_and_fails(tmp_path):
    run("load-default", "us", "--state", "ma")
    path = tmp_path / "links.csv"
    path.write_bytes(
        csv_text(
            "country,postal_code,division_id",
            "US,02143,ocd-division/country:us/state:ma",
            "US,ABCDE,ocd-division/country:us/state:ma",
            "US,02144,not-an-id",
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 bad lines; nothing was imported"):
        call_command("areas", "import", "postal-codes", str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 3: postal code 'ABCDE'")
    assert lines[1].startswith("line 4: 'not-an-id' is not an OCD division id")
    assert not PostalCodeDivision.objects.exclude(source="default:us").exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("import", "divisions", str(tmp_path / "missing.csv"))


def test_reloading_the_default_keeps_what_an_organiser_imported():
    run("load-default", "us", "--state", "ma")  # USPS names the place "Somerville"
    import_ocd_divisions(
        csv_text("id,name", "ocd-division/country:us/state:ma/place:somerville,Somerville city")
    )
    out, _ = run("load-default", "us", "--state", "ma")
    assert "1 kept as imported" in out
    assert "updated" not in out.splitlines()[0]
    assert Division.objects.get(ocd_id__endswith="/place:somerville").name == "Somerville city"
