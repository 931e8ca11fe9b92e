"""Real data through the boundary importer: the state shapes that ship for the
overview map, crossed with the ZIP centres that ship with the code, put at
least 99 % of ZIP codes in the state the `zipcodes` package gives them.

The shapes are the Census Bureau's 2017 cartographic boundaries at
1:10,000,000, simplified by half a map pixel (about 2.5 km) for drawing, so
ZIPs near a state line or on a small island can land on the wrong side or in
the sea: the figure below says how often, and is printed (pytest -s).
"""

from __future__ import annotations

import json

import zipcodes

from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.importers.registry import run_importer
from undersigned.areas.models import PostalCodeDivision
from undersigned.areas.shapes import DATA, postal_points

from .boundaries import state_shapes

THRESHOLD = 0.99


def test_state_shapes_agree_with_the_zipcodes_package_for_99_percent_of_zips(db, tmp_path):
    load_default_us(states=[])  # the country and its 56 states, no ZIP links
    path = tmp_path / "states.geojson"
    path.write_bytes(state_shapes())

    report = run_importer("boundaries", path)

    assert report.total("boundaries", "matched by census GEOID") == 51  # the states FIPS codes
    placed = {
        code: state.rsplit(":", 1)[-1].upper()
        for code, state in PostalCodeDivision.objects.filter(source="boundaries").values_list(
            "postal_code", "division__ocd_id"
        )
    }
    assert report.total("postal links", "created") == len(placed)  # one state each
    on_the_map_states = set(json.loads((DATA / "us-states.json").read_text())["states"])
    on_the_map = {
        entry["zip_code"]: entry["state"]
        for entry in zipcodes.list_all()
        if entry["state"] in on_the_map_states
    }
    agree = sum(1 for code, state in on_the_map.items() if placed.get(code) == state)
    elsewhere = sum(1 for code, state in on_the_map.items() if placed.get(code, state) != state)
    no_centre = len(on_the_map.keys() & postal_points("US").unplaced)
    share = agree / len(on_the_map)
    print(
        f"\nstate shapes x ZIP centres: {agree:,} of {len(on_the_map):,} ZIPs ({share:.2%}) "
        f"in the state zipcodes gives; {elsewhere} in another state; {no_centre} without a "
        f"centre; {len(on_the_map) - agree - elsewhere - no_centre} in no state's shape; "
        f"import {report.seconds:.2f}s"
    )
    assert share >= THRESHOLD
