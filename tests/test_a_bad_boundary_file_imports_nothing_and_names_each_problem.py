"""A boundary file with any problem imports nothing, not even its good
features, and every problem is named with the feature it is in."""

from __future__ import annotations

import io
import zipfile

import pytest

from undersigned.areas.importers.base import ImportFailed
from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.models import PostalCodeDivision

from .boundaries import MA, centre, feature, geojson, make_divisions, polygon, square

pytestmark = pytest.mark.django_db

DISTRICT = f"{MA}/sldl:1st_test"


@pytest.fixture
def district():
    make_divisions(f"{MA},Massachusetts", f"{DISTRICT},1st Test district")


def problems(content: bytes, file: str = "districts.geojson") -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        import_boundaries(content, file=file)
    return [str(error) for error in failure.value.errors]


def test_every_bad_feature_is_named_and_the_good_one_is_not_imported(district):
    lon, lat = centre("02144")
    good = feature(polygon(square(lon, lat, 0.01)), ocd_id=DISTRICT)
    content = geojson(
        good,
        feature(
            {"type": "LineString", "coordinates": [[lon, lat], [lon + 1, lat]]}, ocd_id=DISTRICT
        ),
        feature(None, ocd_id=DISTRICT),
        feature(polygon([[lon, lat], [lon + 1, lat], [lon, lat]]), ocd_id=DISTRICT),
        feature(polygon(square(lon, lat, 0.01)), ocd_id=f"{MA}/sldl:99th_test"),
        feature(polygon(square(231_000.0, 901_000.0, 500.0)), ocd_id=DISTRICT),
        feature(polygon(square(lon, lat, 0.01)), name="Somewhere"),
        feature(polygon(square(lon, lat, 0.01)), ocd_id="MA-1"),
        feature(polygon([["x", "y"], [1, 2], [3, 4], ["x", "y"]]), ocd_id=DISTRICT),
    )

    found = problems(content)

    assert found == [
        "districts.geojson, feature 2: a LineString is not an area (Polygon or MultiPolygon)",
        "districts.geojson, feature 3: it has no geometry",
        "districts.geojson, feature 4: its shape encloses no area",
        f"districts.geojson, feature 5: unknown division '{MA}/sldl:99th_test'",
        "districts.geojson, feature 6: its coordinates (e.g. 230500, 900500) are not "
        "longitude/latitude; convert it to longitude/latitude first, e.g. "
        "`ogr2ogr -t_srs EPSG:4326 out.geojson in.shp`",
        "districts.geojson, feature 7: it names no division: give it an ocd_id property, "
        "or use a Census file (STATEFP with SLDUST, SLDLST, CD119FP, COUNTYFP or PLACEFP)",
        "districts.geojson, feature 8: 'MA-1' is not an OCD division id "
        "(like ocd-division/country:us/state:ma)",
        "districts.geojson, feature 9: its coordinates cannot be read "
        "(could not convert string to float: 'x')",
    ]
    assert not PostalCodeDivision.objects.exists()


def test_a_failed_import_leaves_the_earlier_links_as_they_were(district):
    lon, lat = centre("02144")
    import_boundaries(geojson(feature(polygon(square(lon, lat, 0.002)), ocd_id=DISTRICT)))
    before = list(PostalCodeDivision.objects.values_list("postal_code", "division_id"))

    moved_but_broken = geojson(
        feature(polygon(square(lon + 0.01, lat, 0.002)), ocd_id=DISTRICT),
        feature(polygon(square(lon, lat, 0.002)), ocd_id=f"{MA}/sldl:2nd_test"),
    )
    assert problems(moved_but_broken) == [
        f"districts.geojson, feature 2: unknown division '{MA}/sldl:2nd_test'"
    ]
    assert list(PostalCodeDivision.objects.values_list("postal_code", "division_id")) == before
    assert before == [("02144", PostalCodeDivision.objects.get().division_id)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [', "invalid JSON at line 1, column 44"),
        (b'{"type": "caf\xe9"}', "not a GeoJSON file: the text is not UTF-8"),
        (b'{"type": "Polygon", "coordinates": []}', "not a GeoJSON FeatureCollection or Feature"),
        (b'{"type": "FeatureCollection", "features": []}', "the file holds no features"),
        (b"\x00\x00\x27\x0a" + bytes(96), "a .shp file alone has no attributes"),
        (b"PK\x03\x04 truncated", "not a readable .zip archive"),
    ],
)
def test_a_file_that_is_not_a_boundary_file_says_why(district, content, message):
    [problem] = problems(content, file="upload")
    assert problem.startswith("upload: ")
    assert message in problem


def zipped(**members: bytes) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        for name, content in members.items():
            handle.writestr(name.replace("_", "."), content)
    return archive.getvalue()


def test_a_zip_must_hold_one_shapefile_in_longitude_and_latitude(district):
    assert problems(zipped(readme_txt=b"hello"), file="x.zip") == [
        "x.zip: the .zip holds no .shp file; it must hold exactly one"
    ]
    assert problems(zipped(a_shp=b"", b_shp=b""), file="x.zip") == [
        "x.zip: the .zip holds 2 shapefiles (a.shp, b.shp); it must hold exactly one"
    ]
    assert problems(zipped(a_shp=b"", a_shx=b""), file="x.zip") == [
        "x.zip: the .zip has no a.dbf (the attributes)"
    ]
    projected = b'PROJCS["NAD83 / Massachusetts Mainland",GEOGCS["NAD83"]]'
    [problem] = problems(zipped(a_shp=b"", a_dbf=b"", a_prj=projected), file="x.zip")
    assert problem.startswith(
        "x.zip: its coordinates are projected (NAD83 / Massachusetts Mainland); convert it"
    )
