"""Whatever a boundary file holds, the import either succeeds or fails with
its problems listed: never an unexpected exception (a 500 in the admin), never
a partial write.

Hypothesis builds GeoJSON-shaped documents with wrong types, wrong nesting,
odd numbers and odd properties in every place, and plain bytes.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undersigned.areas.importers.base import ImportFailed
from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.models import PostalCodeDivision
from undersigned.areas.shapes import read_shapes

from .boundaries import MA, make_divisions, square, zipped_shapefile

pytestmark = pytest.mark.django_db

DISTRICT = f"{MA}/sldl:1st_test"
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([-71.12, 42.4, -71.1, 42.41, 0, 180, -90]),
)
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=5)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
POSITION = st.one_of(st.lists(NUMBERS, min_size=0, max_size=3), JUNK)
RING = st.one_of(st.lists(POSITION, max_size=6), JUNK)
GEOMETRY = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "Nope"]),
            "coordinates": st.one_of(
                st.lists(RING, max_size=3), st.lists(st.lists(RING, max_size=2), max_size=2), JUNK
            ),
        }
    ),
    JUNK,
)
PROPERTIES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "ocd_id": st.one_of(st.just(DISTRICT), JUNK),
            "STATEFP": st.one_of(st.sampled_from(["25", "99", ""]), JUNK),
            "SLDLST": st.one_of(st.sampled_from(["001", "ZZZ", "1st"]), JUNK),
            "GEOID": JUNK,
            "NAMELSAD": st.one_of(st.just("1st Test District"), JUNK),
        },
    ),
    JUNK,
)
FEATURE = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("Feature"), "properties": PROPERTIES, "geometry": GEOMETRY}
    ),
    JUNK,
)
DOCUMENT = st.one_of(
    st.builds(
        lambda features: {"type": "FeatureCollection", "features": features},
        st.lists(FEATURE, max_size=3),
    ),
    FEATURE,
    JUNK,
)


@pytest.fixture
def district():
    make_divisions(f"{MA},Massachusetts", f"{DISTRICT},1st Test district")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=DOCUMENT)
def test_any_geojson_imports_or_lists_its_problems(district, document):
    content = json.dumps(document, allow_nan=True).encode()
    try:
        import_boundaries(content, dry_run=True)
    except ImportFailed as failure:
        assert failure.errors
        assert all(str(error) for error in failure.errors)
    assert not PostalCodeDivision.objects.exists()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=200).map(lambda raw: raw[:1] + raw))
def test_any_bytes_import_or_list_their_problems(district, content):
    for prefix in (b"", b"PK\x03\x04", b"\x00\x00\x27\x0a", b"[" * 100_000):
        with pytest.raises(ImportFailed):
            import_boundaries(prefix + content)


SHAPEFILE = zipped_shapefile(
    "tl_2024_25_sldl",
    [({"STATEFP": "25", "SLDLST": "001", "NAMELSAD": "1st Test"}, [square(-71.1, 42.4, 0.01)])],
)


@settings(max_examples=200, deadline=None)
@given(
    member=st.sampled_from([".shp", ".shx", ".dbf", ".prj", ".cpg"]),
    changes=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 400)),
)
def test_a_damaged_shapefile_is_read_or_its_problems_listed(member, changes, cut):
    """The reading alone, what the import does first: every feature comes back
    with a usable shape or a problem, and nothing raises."""
    with zipfile.ZipFile(io.BytesIO(SHAPEFILE)) as archive:
        members = {name: bytearray(archive.read(name)) for name in archive.namelist()}
    damaged = members[f"tl_2024_25_sldl{member}"]
    for position, value in changes:
        if position < len(damaged):
            damaged[position] = value
    if cut is not None:
        del damaged[cut:]
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, bytes(data))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyshp warns of the damage it reads past
        read = read_shapes(content.getvalue())

    troubled = {problem.feature for problem in read.problems}
    for feature in read.features:
        assert feature.geometry is not None or troubled & {0, feature.number}
    assert all(problem.message for problem in read.problems)
