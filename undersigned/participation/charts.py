"""The overview's chart of confirmed signatures over time: SVG drawn on the server."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .maps import nice

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


@dataclass(frozen=True)
class Day:
    day: datetime.date
    new: int
    total: int


def cumulative(days: list[tuple[datetime.date, int]], until: datetime.date) -> list[Day]:
    """Every day from the first confirmation to `until`, with the running total;
    days when nobody confirmed are there too, so the line stays flat over them."""
    if not days:
        return []
    new = dict(days)
    first = min(new)
    last = max(until, max(new))
    series, total = [], 0
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        total += new.get(day, 0)
        series.append(Day(day, new.get(day, 0), total))
    return series


def long_date(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


def short_date(day: datetime.date) -> str:
    return date_format(day, "j M")


def chart(series: list[Day], *, title: str) -> str:
    """The running total as a line over the days, with labelled axes."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice(series[-1].total) if series else 1
    span = max(1, len(series) - 1)

    def x(i: int) -> float:
        # A single day sits in the middle rather than on the axis.
        return LEFT + (plot_w / 2 if len(series) == 1 else plot_w * i / span)

    def y(total: int) -> float:
        return TOP + plot_h - plot_h * total / top

    points = [(round(x(i), 1), round(y(d.total), 1)) for i, d in enumerate(series)]
    line = "M" + " L".join(f"{px} {py}" for px, py in points) if points else ""
    bottom = TOP + plot_h
    area = f"{line} L{points[-1][0]} {bottom} L{points[0][0]} {bottom}Z" if points else ""
    y_ticks = [
        {"y": round(y(value), 1), "label": intcomma(value)} for value in sorted({0, top // 2, top})
    ]
    x_ticks = []
    if series:
        chosen = sorted({0, len(series) // 2, len(series) - 1})
        x_ticks = [
            {
                "x": points[i][0],
                "label": short_date(series[i].day),
                # The first and last labels stay inside the picture.
                "anchor": "middle"
                if len(chosen) == 1 or 0 < i < len(series) - 1
                else ("start" if i == 0 else "end"),
            }
            for i in chosen
        ]
    if series:
        summary = _(
            "From %(first_day)s to %(last_day)s, confirmed signatures grew from %(first)s to "
            "%(last)s. The numbers for each day are in the table below the chart."
        ) % {
            "first_day": long_date(series[0].day),
            "last_day": long_date(series[-1].day),
            "first": intcomma(series[0].total),
            "last": intcomma(series[-1].total),
        }
    else:
        summary = _("No signature has been confirmed yet.")
    context = {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h,
        "centre": LEFT + plot_w // 2,
        "middle": TOP + plot_h // 2,
        "line": line,
        "area": area,
        "last": points[-1] if points else None,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "title": title,
        "summary": summary,
        "empty": not series,
    }
    return render_to_string("participation/chart.svg", context)
