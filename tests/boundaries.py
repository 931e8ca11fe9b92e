"""Helpers for the boundary importer's tests: GeoJSON written by hand, and the
state shapes that ship with the code turned back into longitude/latitude."""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from functools import cache

import shapefile
import shapely

from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.projection import ALASKA, HAWAII, LOWER_48, ConicEqualArea
from undersigned.areas.shapes import DATA, postal_points

from .areas import csv_text

US = "ocd-division/country:us"
MA = f"{US}/state:ma"


def square(lon: float, lat: float, half: float) -> list[list[float]]:
    """A closed ring: the square of side 2*half centred on (lon, lat)."""
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


def box(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(*rings) -> dict:
    return {"type": "Polygon", "coordinates": list(rings)}


def multipolygon(*polygons) -> dict:
    return {"type": "MultiPolygon", "coordinates": [list(rings) for rings in polygons]}


def geojson(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@cache
def centre(code: str) -> tuple[float, float]:
    """Where the shipped ZIP table puts a ZIP code: (longitude, latitude)."""
    return postal_points("US").centres[code]


def make_divisions(*rows: str) -> None:
    """Divisions through the same importer organisers use: 'id,name' lines."""
    import_ocd_divisions(csv_text("id,name", f"{US},United States", *rows))


# The shipped state map, back in longitude/latitude -------------------------

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")


def unproject(projection: ConicEqualArea, x: float, y: float) -> tuple[float, float]:
    """The inverse of one Albers conic equal-area projection (Snyder, p. 101)."""
    sin_1 = math.sin(math.radians(projection.parallels[0]))
    n = (sin_1 + math.sin(math.radians(projection.parallels[1]))) / 2
    c = 1 + sin_1 * (2 * n - sin_1)
    rho_0 = math.sqrt(c) / n
    cx, cy = projection._raw(math.radians(projection.centre[0]), math.radians(projection.centre[1]))
    px = (x - projection.offset[0]) / projection.scale + cx
    py = cy - (y - projection.offset[1]) / projection.scale
    rho = math.copysign(math.hypot(px, rho_0 - py), n)
    lam = math.atan2(px, rho_0 - py) / n
    phi = math.asin(max(-1.0, min(1.0, (c - (rho * n) ** 2) / (2 * n))))
    return (math.degrees(lam) - projection.rotate + 180) % 360 - 180, math.degrees(phi)


def rings(path: str) -> list[list[tuple[float, float]]]:
    """The rings of SVG path data made of 'M x y l dx dy … z' parts."""
    out = []
    for start, moves in re.findall(r"M([^Ml]*)l([^z]*)z", path):
        x, y = map(float, NUMBER.findall(start))
        numbers = [float(n) for n in NUMBER.findall(moves)]
        points = [(x, y)]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        out.append(points)
    return out


def state_shapes() -> bytes:
    """data/us-states.json (51 states, projected for the overview map) as the
    GeoJSON a Census cartographic state file would be: longitude/latitude,
    with STATEFP, GEOID, STUSPS and NAME. Holes and islands are told apart
    the way SVG's even-odd fill does."""
    shipped = json.loads((DATA / "us-states.json").read_text())
    features = []
    for abbr, state in shipped["states"].items():
        projection = {"AK": ALASKA, "HI": HAWAII}.get(abbr, LOWER_48)
        shape = None
        for ring in rings(state["d"]):
            part = shapely.make_valid(
                shapely.Polygon([unproject(projection, x, y) for x, y in ring])
            )
            shape = part if shape is None else shapely.symmetric_difference(shape, part)
        # Rings that touch leave stray lines beside the areas: only areas are kept.
        areas = [part for part in shapely.get_parts(shape) if part.area > 0]
        features.append(
            feature(
                shapely.geometry.mapping(shapely.union_all(areas)),
                STATEFP=state["fips"],
                GEOID=state["fips"],
                STUSPS=abbr,
                NAME=state["name"],
            )
        )
    return geojson(*features)


# Shapefiles as the Census Bureau zips them ----------------------------------

NAD83 = (
    'GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",'
    'SPHEROID["GRS_1980",6378137,298.257222101]],PRIMEM["Greenwich",0],'
    'UNIT["Degree",0.017453292519943295]]'
)


def zipped_shapefile(stem: str, records: list[tuple[dict, list]], prj: str = NAD83) -> bytes:
    """A .zip of stem.shp/.shx/.dbf/.prj/.cpg, written with pyshp: each record is
    (attributes, [exterior ring, hole ring, …]) with GeoJSON-wound rings."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON)
    names = list(dict.fromkeys(name for attributes, _ in records for name in attributes))
    for name in names:
        writer.field(name, "C", size=100)
    for attributes, polygon_rings in records:
        # Shapefiles wind outer rings clockwise, GeoJSON counter-clockwise.
        writer.poly([polygon_rings[0][::-1], *polygon_rings[1:]])
        writer.record(*(attributes.get(name, "") for name in names))
    writer.close()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"{stem}.shp", shp.getvalue())
        handle.writestr(f"{stem}.shx", shx.getvalue())
        handle.writestr(f"{stem}.dbf", dbf.getvalue())
        handle.writestr(f"{stem}.prj", prj)
        handle.writestr(f"{stem}.cpg", "UTF-8")
    return archive.getvalue()
