"""Boundaries and postal codes as shapes: reading boundary files, and finding
which boundaries hold which postal codes. No database here.

Boundary files are GeoJSON (RFC 7946, so longitude/latitude) or ESRI
shapefiles in a .zip, the form the Census Bureau publishes its TIGER/Line and
cartographic boundary files in (read with pyshp). Coordinates must be
longitude/latitude (WGS 84 or NAD 83, which differ by about a metre): nothing
here reprojects, and projected coordinates are refused with a clear message.

Postal codes are either points, the ZIP code centres that ship in
data/zip-centres.csv, or areas: a second boundary file of postal-code
polygons such as the Census Bureau's ZCTAs. A point belongs to every
boundary that covers it, its edge included (a centre on the line between two
districts belongs to both, and the sign form asks). An area belongs to every
boundary that covers at least MIN_SHARE of it, with that share as the weight.
Both joins run on an STRtree (shapely's R-tree): each boundary is tested only
against the codes in its bounding box, prepared once.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapefile
import shapely
from shapely.errors import ShapelyError

DATA = Path(__file__).resolve().parent / "data"
# Postal-code points that ship with the code, by country (see data/NOTICE.md).
POINTS = {"US": DATA / "zip-centres.csv"}
# An area smaller than this share of a postal code is left out: below it the
# overlap is more likely two drawings of one line than people living there.
MIN_SHARE = 0.01
AREAS = {"Polygon", "MultiPolygon"}
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"


@dataclass
class Feature:
    """One feature of a boundary file: its place in the file (from 1), its
    attributes and its shape (None when it could not be read)."""

    number: int
    properties: dict[str, Any]
    geometry: shapely.Geometry | None = None
    repaired: bool = False


@dataclass
class Problem:
    """Something wrong with a file (feature 0) or one of its features."""

    feature: int
    message: str


@dataclass
class ShapeFile:
    features: list[Feature] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def content_of(data) -> bytes:
    """The bytes of a path, an open (uploaded) file or bytes."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str | Path):
        return Path(data).read_bytes()
    return data.read()


def read_shapes(data) -> ShapeFile:
    """Every feature of a GeoJSON file or a zipped shapefile, and every problem.

    A feature whose shape cannot be used (not an area, unreadable or
    projected coordinates, empty) is listed as a problem; a shape that is
    only invalid (a ring crossing itself) is repaired and marked so.
    """
    content = content_of(data)
    if content.startswith(b"PK\x03\x04"):
        result = _read_zipped_shapefile(content)
    elif content.startswith(SHAPEFILE_MAGIC):
        return ShapeFile(
            problems=[
                Problem(0, "a .shp file alone has no attributes: upload the .zip holding it "
                        "with its .dbf, .shx and .prj")
            ]
        )  # fmt: skip
    else:
        result = _read_geojson(content)
    for feature in result.features:
        if feature.geometry is not None:
            problem = _check(feature)
            if problem:
                result.problems.append(Problem(feature.number, problem))
                feature.geometry = None
    if not result.features and not result.problems:
        result.problems.append(Problem(0, "the file holds no features"))
    return result


def _read_geojson(content: bytes) -> ShapeFile:
    result = ShapeFile()
    try:
        document = json.loads(content)
    except UnicodeDecodeError:
        result.problems.append(Problem(0, "not a GeoJSON file: the text is not UTF-8"))
        return result
    except json.JSONDecodeError as error:
        result.problems.append(
            Problem(
                0,
                f"not a GeoJSON file: invalid JSON at line {error.lineno}, "
                f"column {error.colno} ({error.msg})",
            )
        )
        return result
    except RecursionError:
        result.problems.append(Problem(0, "not a GeoJSON file: its JSON is nested too deeply"))
        return result
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        items = [document]
    elif kind == "FeatureCollection" and isinstance(document.get("features"), list):
        items = document["features"]
    else:
        result.problems.append(
            Problem(0, f"not a GeoJSON FeatureCollection or Feature (its type is {kind!r})")
        )
        return result
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            result.problems.append(Problem(number, "not a GeoJSON Feature"))
            continue
        properties = item.get("properties") or {}
        if not isinstance(properties, dict):
            result.problems.append(Problem(number, "its properties are not an object"))
            continue
        feature = Feature(number, properties)
        result.features.append(feature)
        geometry, problem = _geometry(item.get("geometry"))
        if problem:
            result.problems.append(Problem(number, problem))
        feature.geometry = geometry
    return result


def _geometry(mapping) -> tuple[shapely.Geometry | None, str]:
    if not mapping:
        return None, "it has no geometry"
    kind = mapping.get("type") if isinstance(mapping, dict) else None
    if kind not in AREAS:
        return None, f"a {kind or 'shape of no type'} is not an area (Polygon or MultiPolygon)"
    try:
        return shapely.geometry.shape(mapping), ""
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, ShapelyError) as error:
        return None, f"its coordinates cannot be read ({error})"


def _read_zipped_shapefile(content: bytes) -> ShapeFile:
    result = ShapeFile()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = {name.lower(): name for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        result.problems.append(Problem(0, f"not a readable .zip archive ({error})"))
        return result
    shps = sorted(name for name in members if name.endswith(".shp") and "__macosx" not in name)
    if len(shps) != 1:
        found = f"{len(shps)} shapefiles ({', '.join(shps)})" if shps else "no .shp file"
        result.problems.append(Problem(0, f"the .zip holds {found}; it must hold exactly one"))
        return result
    stem = shps[0].removesuffix(".shp")

    def member(extension: str) -> bytes | None:
        name = members.get(stem + extension)
        return archive.read(name) if name else None

    prj = (member(".prj") or b"").decode("latin-1")
    if prj.lstrip().upper().startswith("PROJCS"):
        name = prj.split('"')[1] if '"' in prj else "a projection"
        result.problems.append(Problem(0, f"its coordinates are projected ({name}); {REPROJECT}"))
        return result
    dbf = member(".dbf")
    if dbf is None:
        result.problems.append(Problem(0, f"the .zip has no {stem}.dbf (the attributes)"))
        return result
    shx, cpg = member(".shx"), member(".cpg")
    encoding = cpg.decode("ascii", "replace").strip() if cpg else "utf-8"
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(member(".shp") or b""),
            shx=io.BytesIO(shx) if shx else None,
            dbf=io.BytesIO(dbf),
            encoding=encoding,
        )
        for number, item in enumerate(reader.iterShapeRecords(), 1):
            feature = Feature(number, item.record.as_dict())
            result.features.append(feature)
            if item.shape.shapeType == shapefile.NULL:
                result.problems.append(Problem(number, "it has no geometry"))
                continue
            geometry, problem = _geometry(item.shape.__geo_interface__)
            if problem:
                result.problems.append(Problem(number, problem))
            feature.geometry = geometry
    except (shapefile.ShapefileException, struct.error, LookupError, ValueError) as error:
        # LookupError: an unknown encoding named by the .cpg; ValueError
        # includes UnicodeDecodeError.
        result.problems.append(Problem(0, f"the shapefile cannot be read ({error})"))
    return result


REPROJECT = (
    "convert it to longitude/latitude first, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.shp`"
)


def _check(feature: Feature) -> str:
    """Why a shape cannot be used, if it cannot; repairs an invalid one."""
    geometry = feature.geometry
    if geometry is None:
        return ""
    if geometry.is_empty:
        return "its shape is empty"
    west, south, east, north = geometry.bounds
    if not all(math.isfinite(value) for value in (west, south, east, north)):
        return "its coordinates are not all numbers"
    if west < -180 or east > 180 or south < -90 or north > 90:
        return (
            f"its coordinates (e.g. {west:.0f}, {south:.0f}) are not longitude/latitude; "
            + REPROJECT
        )
    if not geometry.is_valid:
        # A ring that crosses itself, as hand-drawn files often have.
        repaired = shapely.make_valid(geometry)
        parts = [part for part in shapely.get_parts(repaired) if part.geom_type in AREAS]
        if not parts:
            return "its shape encloses no area"
        feature.geometry = shapely.union_all(parts)
        feature.repaired = True
    return ""


# Postal codes -----------------------------------------------------------------


@dataclass
class PostalPoints:
    """Codes with a known centre as (longitude, latitude), and codes known without one."""

    centres: dict[str, tuple[float, float]]
    unplaced: set[str]


def postal_points(country: str) -> PostalPoints | None:
    """The postal-code points that ship for a country, or None if none do.

    The shipped ZIP table gives (0, 0) for codes it has no position for
    (military post offices, some unique ZIPs): those are unplaced, not in
    the Gulf of Guinea.
    """
    path = POINTS.get(country.upper())
    if path is None:
        return None
    points = PostalPoints({}, set())
    with path.open(encoding="ascii") as lines:
        for line in lines:
            code, latitude, longitude = line.rstrip("\n").split(",")
            lat, lon = float(latitude), float(longitude)
            if lat == 0 and lon == 0:
                points.unplaced.add(code)
            else:
                points.centres[code] = (lon, lat)
    return points


def points_in(
    boundaries: Sequence[shapely.Geometry], centres: dict[str, tuple[float, float]]
) -> Iterator[tuple[str, int]]:
    """(code, boundary index) for every boundary that covers a code's centre.

    The tree holds the points; each boundary queries it once, prepared, so
    a boundary of thousands of vertices is tested only against the points
    in its bounding box.
    """
    if not centres or not boundaries:
        return
    codes = list(centres)
    tree = shapely.STRtree(shapely.points(np.array([centres[code] for code in codes])))
    boundary_index, point_index = tree.query(np.array(boundaries), predicate="covers")
    for b, p in zip(boundary_index.tolist(), point_index.tolist(), strict=True):
        yield codes[p], b


def shares_in(
    boundaries: Sequence[shapely.Geometry], areas: dict[str, shapely.Geometry]
) -> Iterator[tuple[str, int, float]]:
    """(code, boundary index, share of the code's area) for every boundary that
    covers at least MIN_SHARE of a postal area."""
    if not areas or not boundaries:
        return
    codes = list(areas)
    shapes = np.array([areas[code] for code in codes])
    tree = shapely.STRtree(np.array(boundaries))
    area_index, boundary_index = tree.query(shapes, predicate="intersects")
    if not len(area_index):
        return
    pairs_area, pairs_boundary = shapes[area_index], np.array(boundaries)[boundary_index]
    whole = shapely.covers(pairs_boundary, pairs_area)
    shares = np.ones(len(area_index))
    partial = ~whole
    if partial.any():
        overlap = shapely.area(shapely.intersection(pairs_area[partial], pairs_boundary[partial]))
        shares[partial] = overlap / shapely.area(pairs_area[partial])
    for a, b, share in zip(
        area_index.tolist(), boundary_index.tolist(), shares.tolist(), strict=True
    ):
        if share >= MIN_SHARE:
            yield codes[a], b, min(1.0, round(share, 4))
