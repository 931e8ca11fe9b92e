"""How long the boundary importer takes: the shipped ZIP centres (about 42,000)
against hundreds of district boundaries of realistic detail.

A one-off measurement, not part of the test suite. It draws DISTRICTS
made-up districts over the lower 48 states (the Voronoi cells of random
seeds, fixed seed), each with VERTICES points on its outline (the Census
Bureau's 1:500,000 state-legislative files have hundreds to a few thousand
per district; TIGER/Line more), then times:

1. the spatial join alone, three ways: the importer's (an STRtree of the
   points, each boundary querying it prepared), the other way round (a tree
   of boundaries queried by every point), and no index at all (every
   boundary against every point, vectorised);
2. the whole import through `undersigned areas import boundaries`' own code,
   reading the GeoJSON file and writing the links, twice (the second run
   changes nothing), in the database the environment names:

    UNDERSIGNED_DEMO=1 UNDERSIGNED_VAR_DIR=/tmp/bounds .venv/bin/python bench/boundaries_at_scale.py
    DATABASE_URL=postgres://…/undersigned_bounds UNDERSIGNED_DEMO=1 \\
        UNDERSIGNED_VAR_DIR=/tmp/bounds .venv/bin/python bench/boundaries_at_scale.py

The database should be empty (a scratch SQLite file or database): the
districts are created under ocd-division/country:us/state:zz.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from undersigned.areas.importers.divisions import import_ocd_divisions  # noqa: E402
from undersigned.areas.importers.registry import run_importer  # noqa: E402
from undersigned.areas.shapes import points_in, postal_points, shares_in  # noqa: E402

DISTRICTS = int(os.environ.get("DISTRICTS", "400"))
VERTICES = int(os.environ.get("VERTICES", "2000"))
PARENT = "ocd-division/country:us/state:zz"
LOWER_48 = (-124.8, 24.5, -66.9, 49.4)


def districts() -> list[shapely.Geometry]:
    rng = np.random.default_rng(14)
    west, south, east, north = LOWER_48
    seeds = shapely.multipoints(
        np.column_stack([rng.uniform(west, east, DISTRICTS), rng.uniform(south, north, DISTRICTS)])
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=shapely.box(*LOWER_48)))
    cells = shapely.intersection(cells, shapely.box(*LOWER_48))
    # Outlines of about VERTICES points, as detailed boundaries have.
    lengths = shapely.length(cells)
    return list(shapely.segmentize(cells, lengths / VERTICES))


def timed(what: str, call):
    started = time.perf_counter()
    result = call()
    print(f"{what:<58} {time.perf_counter() - started:7.2f} s")
    return result


def main() -> None:
    call_command("migrate", verbosity=0)
    shapes = timed(f"draw {DISTRICTS} districts", districts)
    vertices = int(shapely.get_num_coordinates(np.array(shapes)).sum())
    points = postal_points("US")
    centres = points.centres
    print(f"{len(shapes)} districts, {vertices:,} vertices; {len(centres):,} ZIP centres")

    pairs = timed(
        "join: tree of points, boundaries query it (importer)",
        lambda: list(points_in(shapes, centres)),
    )
    grid = shapely.points(np.array(list(centres.values())))

    def boundaries_tree():
        tree = shapely.STRtree(np.array(shapes))
        return tree.query(grid, predicate="intersects")

    other = timed("join: tree of boundaries, every point queries it", boundaries_tree)
    xy = np.array(list(centres.values()))

    def no_index():
        return sum(int(shapely.contains_xy(shape, xy[:, 0], xy[:, 1]).sum()) for shape in shapes)

    naive = timed("join: no index (each boundary x every point, vectorised)", no_index)
    print(f"  pairs found: {len(pairs):,} / {other.shape[1]:,} / {naive:,} (the same three ways)")

    # Postal-code areas: the ZIP centres' Voronoi cells in the lower 48 stand in
    # for ZCTAs (about as many, tiling the land the same way).
    inside = {
        code: xy for code, xy in centres.items() if shapely.contains_xy(shapely.box(*LOWER_48), *xy)
    }
    cells = shapely.voronoi_polygons(
        shapely.multipoints(list(inside.values())), extend_to=shapely.box(*LOWER_48)
    )
    by_point = shapely.STRtree(shapely.points(list(inside.values())))
    codes = list(inside)
    areas = {}
    for cell in shapely.get_parts(cells):
        hit = by_point.query(cell, predicate="contains")
        if len(hit):
            areas[codes[hit[0]]] = shapely.intersection(cell, shapely.box(*LOWER_48))
    shares = timed(
        f"areas: {len(areas):,} postal cells by share of {len(shapes)} districts",
        lambda: list(shares_in(shapes, areas)),
    )
    split = len(shares) - len({code for code, _, _ in shares})
    print(f"  {len(shares):,} links; {split:,} beyond one per code (codes split between districts)")

    import_ocd_divisions(
        "id,name\nocd-division/country:us,United States\n"
        f"{PARENT},Bench state\n"
        + "".join(f"{PARENT}/sldl:{n},Bench district {n}\n" for n in range(len(shapes)))
    )
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ocd_id": f"{PARENT}/sldl:{n}"},
                "geometry": shapely.geometry.mapping(shape),
            }
            for n, shape in enumerate(shapes)
        ],
    }
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "districts.geojson"
        path.write_text(json.dumps(collection))
        size = path.stat().st_size
        print(f"GeoJSON file: {size / 1e6:.1f} MB; database: {connection.vendor}")
        for run in ("first import", "same file again"):
            report = timed(f"import ({run})", lambda: run_importer("boundaries", path))
            print("  " + report.summary())


if __name__ == "__main__":
    main()
