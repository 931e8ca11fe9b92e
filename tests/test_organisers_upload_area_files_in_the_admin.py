"""Organisers import areas and officials from the admin: the same importers as
the console, a dry run first, every bad line listed, nothing half-imported."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from undersigned.areas.models import Division, Official

from .areas import OPENSTATES, csv_text, needs_shared_data

pytestmark = pytest.mark.django_db

DIVISIONS_URL = "/admin/areas/division/import/"
OFFICIALS_URL = "/admin/areas/official/import/"
CA = "ocd-division/country:ca"
DIVISIONS = csv_text(
    "id,name,validFrom,validThrough",
    f"{CA},Canada,,",
    f"{CA}/province:on,Ontario,,",
    f"{CA}/ed:35075,Ottawa Centre,2013-01-01,",
)


def upload(client, url, content: bytes, name: str, **fields):
    data = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post(url, data)


def test_the_changelists_offer_an_import_page(staff_client):
    page = staff_client.get("/admin/areas/division/").content.decode()
    assert f'href="{DIVISIONS_URL}"' in page
    form = staff_client.get(DIVISIONS_URL).content.decode()
    assert "Divisions: Open Civic Data CSV" in form
    assert "Officials: CSV" not in form
    assert "Open States people" in staff_client.get(OFFICIALS_URL).content.decode()


def test_a_dry_run_shows_what_would_change_and_saves_nothing(staff_client):
    response = upload(
        staff_client, DIVISIONS_URL, DIVISIONS, "ca.csv", importer="divisions", dry_run="on"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dry run: nothing was saved" in page
    assert "divisions: 3 created" in page
    assert f"{CA}/province:on (Ontario)" in page
    assert Division.objects.count() == 0


def test_an_upload_imports_and_a_second_changes_nothing(staff_client):
    upload(staff_client, DIVISIONS_URL, DIVISIONS, "ca.csv", importer="divisions")
    assert Division.objects.get(ocd_id=f"{CA}/ed:35075").parent.ocd_id == CA
    again = upload(staff_client, DIVISIONS_URL, DIVISIONS, "ca.csv", importer="divisions")
    assert "divisions: 3 unchanged" in again.content.decode()
    assert Division.objects.count() == 3


def test_a_file_with_bad_lines_lists_each_one_and_imports_nothing(staff_client):
    bad = csv_text(
        "id,name,validFrom,validThrough",
        f"{CA},Canada,,",
        "ocd-division/country:ca/Province:ON,Ontario,,",
        f"{CA}/ed:35075,,2013-01-01,",
        f"{CA}/ed:35079,Ottawa South,2013-13-01,",
    )
    response = upload(staff_client, DIVISIONS_URL, bad, "bad.csv", importer="divisions")
    assert response.status_code == 400
    page = response.content.decode()
    assert "bad.csv, line 3:" in page and "is not an OCD division id" in page
    assert "bad.csv, line 4: the name is empty" in page
    assert "bad.csv, line 5: validFrom:" in page
    assert Division.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused_with_its_line(staff_client):
    content = DIVISIONS + "ocd-division/country:ca/province:qc,Qu\xe9bec,,\n".encode("latin-1")
    response = upload(staff_client, DIVISIONS_URL, content, "latin1.csv", importer="divisions")
    assert response.status_code == 400
    assert "line 5: cannot read this line" in response.content.decode()
    assert Division.objects.count() == 0


@needs_shared_data
def test_open_states_people_upload_as_a_zip_of_a_states_folder(staff_client):
    upload(
        staff_client,
        DIVISIONS_URL,
        csv_text(
            "id,name",
            "ocd-division/country:us,United States",
            "ocd-division/country:us/state:ma,Massachusetts",
        ),
        "us.csv",
        importer="divisions",
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted((OPENSTATES / "ma").rglob("*.yml")):
            if "legislature" not in path.parts:  # districts are not loaded here
                handle.write(path, path.relative_to(OPENSTATES).as_posix())
    response = upload(
        staff_client, OFFICIALS_URL, archive.getvalue(), "ma.zip", importer="openstates"
    )
    assert response.status_code == 200, response.content.decode()
    assert "officials:" in response.content.decode()
    wu = Official.objects.get(name="Michelle Wu")
    assert wu.division.ocd_id == "ocd-division/country:us/state:ma/place:boston"
    assert wu.division.name == "Boston"  # named by municipalities.yml


def test_only_staff_reach_the_import_page(client, db):
    response = client.get(DIVISIONS_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
