"""The overview's US map: an SVG drawn on the server from shipped state shapes.

No tiles, no script, nothing from another origin: the state outlines come
from undersigned/areas/data/us-states.json (us-atlas, see NOTICE.md there),
shaded by each state's public count, with a dot for each city or town that
has a public count, sized by it. Areas below the campaign's threshold have no
public count, so they are neither shaded nor dotted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undersigned.deliveries.models import area_label
from undersigned.memo import FOREVER, Expiring

STATES_FILE = Path(__file__).resolve().parents[1] / "areas" / "data" / "us-states.json"
SHADES = 5
MAX_RADIUS = 14.0
MIN_RADIUS = 2.5
# The legend sits in the Atlantic, right of Florida.
LEGEND_TOP = 432


_shapes: Expiring[dict] = Expiring(FOREVER, max_entries=1)


def us_states() -> dict:
    """The state shapes, read once per process."""
    return _shapes.get("us", lambda: json.loads(STATES_FILE.read_text()))


def state_code(ocd_id: str) -> str | None:
    """'ocd-division/country:us/state:ma' -> 'MA'; None below the first level."""
    parts = ocd_id.split("/")
    if len(parts) != 3 or parts[1] != "country:us":
        return None
    return parts[2].split(":", 1)[-1].upper()


def nice(value: float) -> int:
    """Round up to 1, 2, 2.5 or 5 times a power of ten (for scales and legends)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return int(step * power) if step * power >= 1 else 1
    return int(10 * power)


def round_nicely(value: float) -> int:
    """The nearest (on a log scale) of 1, 2, 2.5 or 5 times a power of ten."""
    power = 10 ** math.floor(math.log10(value))
    steps = [step * power for step in (1, 2, 2.5, 5, 10)]
    return int(min(steps, key=lambda step: abs(math.log(value / step))))


def shade_breaks(counts: list[int], threshold: int) -> list[int]:
    """The lower bound of each shade, from the threshold up, growing geometrically
    towards the largest count (counts span orders of magnitude)."""
    top = max(counts, default=threshold)
    if top <= threshold:
        return [threshold]
    ratio = (top / threshold) ** (1 / SHADES)
    breaks = [threshold]
    for i in range(1, SHADES):
        edge = round_nicely(threshold * ratio**i)
        if breaks[-1] < edge <= top:
            breaks.append(edge)
    return breaks


def shade_of(count: int, breaks: list[int]) -> int:
    return sum(1 for edge in breaks if count >= edge)


@dataclass(frozen=True)
class State:
    d: str
    shade: int
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    label: str


def signers(count: int) -> str:
    return ngettext("%(count)s signer", "%(count)s signers", count) % {"count": intcomma(count)}


@dataclass(frozen=True)
class Legend:
    shade: int
    label: str
    y: int


def us_map(states, dots, threshold: int, *, title: str) -> str:
    """The map as an SVG element. `states` and `dots` are PublishedTally rows
    (with their divisions): states of the US, and places with a map point."""
    shapes = us_states()
    counts = {}
    for tally in states:
        code = state_code(tally.division.ocd_id)
        if code in shapes["states"]:
            counts[code] = tally.confirmed
    breaks = shade_breaks(list(counts.values()), threshold)
    drawn = [
        State(
            shape["d"],
            shade_of(counts.get(code, 0), breaks),
            f"{shape['name']}: "
            + (signers(counts[code]) if code in counts else _("number not shown yet")),
        )
        for code, shape in shapes["states"].items()
    ]
    placed = [tally for tally in dots if tally.map_x is not None]
    largest = max((tally.confirmed for tally in placed), default=1)
    circles = sorted(
        (
            Dot(
                tally.map_x,
                tally.map_y,
                round(max(MIN_RADIUS, MAX_RADIUS * math.sqrt(tally.confirmed / largest)), 1),
                f"{area_label(tally.division)}: {signers(tally.confirmed)}",
            )
            for tally in placed
        ),
        # Large dots first, so that small ones stay visible on top of them.
        key=lambda dot: (-dot.r, dot.label),
    )
    labels = [
        f"{intcomma(edge)}–{intcomma(breaks[i + 1] - 1)}"  # noqa: RUF001 (an en dash, as printed)
        if i + 1 < len(breaks)
        else _("%(count)s or more") % {"count": intcomma(edge)}
        for i, edge in enumerate(breaks)
    ]
    fewer = _("not shown")
    legend = [
        Legend(shade, label, LEGEND_TOP + 24 * row)
        for row, (shade, label) in enumerate(
            [*((i + 1, label) for i, label in enumerate(labels)), (0, fewer)]
        )
    ]
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    sentences = []
    if ranked:
        leaders = ", ".join(
            f"{shapes['states'][code]['name']} ({intcomma(count)})" for code, count in ranked[:3]
        )
        sentences.append(
            ngettext(
                "%(count)s state has at least %(threshold)s signers and is shaded by their "
                "number; the most signers are in %(leaders)s.",
                "%(count)s states have at least %(threshold)s signers and are shaded by their "
                "number; the most signers are in %(leaders)s.",
                len(ranked),
            )
            % {"count": len(ranked), "threshold": threshold, "leaders": leaders}
        )
    else:
        sentences.append(
            _("No state has %(threshold)s signers yet, so none is shaded.")
            % {"threshold": threshold}
        )
    if circles:
        sentences.append(
            ngettext(
                "Circles mark %(count)s city or town with at least %(threshold)s signers, "
                "sized by number.",
                "Circles mark %(count)s cities and towns with at least %(threshold)s signers, "
                "sized by number.",
                len(circles),
            )
            % {"count": len(circles), "threshold": threshold}
        )
    sentences.append(
        _(
            "Each state's number is in the table beside the map, and the places with the most "
            "signers are in the table above it."
        )
    )
    summary = " ".join(sentences)
    context = {
        "width": shapes["width"],
        "height": shapes["height"],
        "states": drawn,
        "dots": circles,
        "legend": legend,
        "legend_title_y": LEGEND_TOP - 10,
        "threshold": threshold,
        "title": title,
        "summary": summary,
    }
    return render_to_string("participation/map.svg", context)
