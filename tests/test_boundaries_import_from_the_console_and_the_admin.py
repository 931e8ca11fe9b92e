"""The boundary importer is reachable like every other: `undersigned areas
import boundaries FILE [--postal-areas FILE] [--dry-run]`, and the admin's
import page on Divisions, with an optional second file."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from undersigned.areas.models import PostalCodeDivision

from .boundaries import MA, centre, feature, geojson, make_divisions, polygon, square

pytestmark = pytest.mark.django_db

DISTRICT = f"{MA}/sldl:1st_test"
URL = "/admin/areas/division/import/"


@pytest.fixture
def district():
    make_divisions(f"{MA},Massachusetts", f"{DISTRICT},1st Test district")


def boundaries() -> bytes:
    return geojson(feature(polygon(square(*centre("02144"), 0.002)), ocd_id=DISTRICT))


def zip_area() -> bytes:
    lon, lat = centre("02144")
    return geojson(feature(polygon(square(lon, lat, 0.001)), postal_code="02144"))


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("areas", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_console_imports_boundaries_with_a_dry_run_first(district, tmp_path):
    path = tmp_path / "districts.geojson"
    path.write_bytes(boundaries())

    out, _ = run("import", "boundaries", str(path), "--dry-run")
    assert out.startswith("DRY RUN, nothing saved. Boundaries, by postal-code centre: 1 rows read;")
    assert f"US 02144 → {DISTRICT}" in out
    assert not PostalCodeDivision.objects.exists()

    out, _ = run("import", "boundaries", str(path))
    assert "postal links: 1 created" in out
    assert PostalCodeDivision.objects.get().method == "centroid"


def test_the_console_takes_postal_code_areas(district, tmp_path):
    (tmp_path / "districts.geojson").write_bytes(boundaries())
    (tmp_path / "zctas.geojson").write_bytes(zip_area())

    out, _ = run(
        "import",
        "boundaries",
        str(tmp_path / "districts.geojson"),
        "--postal-areas",
        str(tmp_path / "zctas.geojson"),
    )

    assert out.startswith("Boundaries, by share of postal area: 1 rows read;")
    link = PostalCodeDivision.objects.get()
    assert (link.method, link.weight) == ("area_share", 1.0)


def test_the_console_lists_each_problem_and_fails(district, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_bytes(geojson(feature(None, ocd_id=DISTRICT)))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem; nothing was imported"):
        call_command("areas", "import", "boundaries", str(path), stderr=err)
    assert err.getvalue().strip() == "feature 1: it has no geometry"


def upload(client, content: bytes, name: str, **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **fields})


def test_the_admin_offers_boundaries_and_imports_an_upload(staff_client, district):
    page = staff_client.get(URL).content.decode()
    assert "Boundaries: GeoJSON or zipped shapefile" in page
    assert "Postal-code areas (boundaries only, optional)" in page

    dry = upload(staff_client, boundaries(), "ma.geojson", importer="boundaries", dry_run="on")
    assert dry.status_code == 200
    assert "Dry run: nothing was saved" in dry.content.decode()
    assert not PostalCodeDivision.objects.exists()

    response = upload(
        staff_client,
        boundaries(),
        "ma.geojson",
        importer="boundaries",
        postal_areas=SimpleUploadedFile("zctas.geojson", zip_area()),
    )
    assert response.status_code == 200
    assert "postal links: 1 created" in response.content.decode()
    assert PostalCodeDivision.objects.get().method == "area_share"


def test_the_admin_names_the_problem_and_imports_nothing(staff_client, district):
    response = upload(staff_client, b"{oops", "ma.geojson", importer="boundaries")
    assert response.status_code == 400
    assert "ma.geojson: not a GeoJSON file: invalid JSON at line 1, column 2" in (
        response.content.decode()
    )

    wrong = upload(
        staff_client,
        b"id,name\n",
        "divisions.csv",
        importer="divisions",
        postal_areas=SimpleUploadedFile("zctas.geojson", zip_area()),
    )
    assert wrong.status_code == 400
    assert "the divisions importer takes no postal-code areas" in wrong.content.decode()
    assert not PostalCodeDivision.objects.exists()
