"""Build us-states.json, the state shapes the overview map draws, from us-atlas.

Run it again only to update the shapes (for example to a new us-atlas
release); the output is committed, so nothing is fetched when the site runs:

    mkdir -p /tmp/atlas && cd /tmp/atlas && npm pack us-atlas && tar xzf us-atlas-*.tgz
    python undersigned/areas/data/build_us_states.py /tmp/atlas/package

It reads `states-albers-10m.json` (TopoJSON, already projected to a 975x610
picture; see ../projection.py), simplifies each shared border once (so
neighbouring states still meet exactly), and writes one SVG path per state,
keyed by postal abbreviation, in tenths of a pixel with relative moves to
keep the file small. It copies us-atlas's licence beside the output.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import us

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "us-states.json"
LICENCE = HERE / "us-atlas-LICENSE.txt"
# Half a pixel at the map's own size: invisible, and it halves the file.
TOLERANCE = 0.5
# Islands smaller than this many square pixels would not show: left out.
MIN_AREA = 0.5

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """TopoJSON arcs are delta-encoded integers; the transform scales them back."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def distance_to_segment(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    if length == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(points: list[Point], tolerance: float = TOLERANCE) -> list[Point]:
    """Douglas-Peucker, iteratively: keep the ends, and every point further than
    `tolerance` from the line its neighbours that are kept would draw."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        furthest, index = 0.0, None
        for i in range(first + 1, last):
            d = distance_to_segment(points[i], points[first], points[last])
            if d > furthest:
                furthest, index = d, i
        if index is not None and furthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    # A closed arc (an island) whose ends meet needs a third point to stay a shape.
    kept = [p for p, k in zip(points, keep, strict=True) if k]
    if len(kept) == 2 and points[0] == points[-1]:
        kept.insert(1, points[len(points) // 2])
    return kept


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A ring is a list of arc indexes; ~i means arc i reversed. Consecutive arcs
    share their end points, which are kept once."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def path_data(polygons: list[list[list[int]]], arcs: list[list[Point]]) -> str:
    """SVG path data: an absolute move to each ring's start, then relative lines,
    all in whole tenths of a pixel so the rounding never drifts."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            tenths = [(round(x * 10), round(y * 10)) for x, y in ring_points(ring, arcs)]
            deduped = [p for i, p in enumerate(tenths) if i == 0 or p != tenths[i - 1]]
            if len(deduped) < 3 or abs(shoelace(deduped)) < MIN_AREA * 100:
                continue
            numbers = []
            for (x, y), (px, py) in zip(deduped[1:], deduped, strict=False):
                numbers += [tenth(x - px), tenth(y - py)]
            start = f"M{tenth(deduped[0][0])} {tenth(deduped[0][1])}"
            parts.append(start + "l" + compact(numbers) + "z")
    return "".join(parts)


def shoelace(points: list[tuple[int, int]]) -> float:
    """The signed area of a closed ring (in the units of its points, squared)."""
    total = 0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


def compact(numbers: list[str]) -> str:
    """Numbers as SVG path data wants them: a minus sign separates as well as a space."""
    text = numbers[0] if numbers else ""
    for number in numbers[1:]:
        text += number if number.startswith("-") else " " + number
    return text


def tenth(value: int) -> str:
    """An integer number of tenths as the shortest decimal: 15 -> '1.5', -3 -> '-.3'."""
    text = f"{value / 10:.1f}".removesuffix(".0")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def build(atlas_dir: Path) -> dict:
    topology = json.loads((atlas_dir / "states-albers-10m.json").read_text())
    arcs = [simplify(arc) for arc in decode_arcs(topology)]
    states = {}
    for geometry in topology["objects"]["states"]["geometries"]:
        fips = geometry["id"]
        state = us.states.lookup(fips)
        if state is None:
            raise SystemExit(f"unknown state FIPS code {fips}")
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        states[state.abbr] = {
            "fips": fips,
            "name": geometry["properties"]["name"],
            "d": path_data(polygons, arcs),
        }
    version = json.loads((atlas_dir / "package.json").read_text())["version"]
    return {
        "source": f"us-atlas {version}, states-albers-10m.json (U.S. Census Bureau cartographic "
        "boundaries, 2017); ISC licence, see us-atlas-LICENSE.txt",
        "projection": "Albers USA, scale 1300, translate [487.5, 305]",
        "width": 975,
        "height": 610,
        "states": dict(sorted(states.items())),
    }


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    atlas_dir = Path(argv[1])
    data = build(atlas_dir)
    OUTPUT.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
    shutil.copyfile(atlas_dir / "LICENSE", LICENCE)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes, {len(data['states'])} states)")


if __name__ == "__main__":
    main(sys.argv)
