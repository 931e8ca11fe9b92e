"""The campaign overview: the areas with the most signers, a US map and a chart,
both server-drawn SVG with text alternatives and a data table beside them."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from unittest import mock

import pytest

from undersigned.areas.models import Division
from undersigned.areas.projection import project
from undersigned.participation.actions import confirmed_by_day
from undersigned.participation.charts import chart, cumulative
from undersigned.participation.maps import shade_breaks, us_map, us_states
from undersigned.signatures.models import Signature

from .area_pages import SVG, bulk_signers, geography, publish_now, svg_in, text_of
from .conftest import make_campaign
from .delivery_helpers import local_campaign

STATES = ["ma", "ca", "tx", "ny", "wa", "fl", "ak", "hi"]


def tally(ocd_id: str, name: str, confirmed: int, point=None):
    """A stand-in for a PublishedTally row with its division."""
    division = Division(ocd_id=ocd_id, name=name)
    x, y = point or (None, None)
    return SimpleNamespace(division=division, confirmed=confirmed, map_x=x, map_y=y)


def check_labelled(svg: ET.Element) -> None:
    """role="img", and aria-labelledby names its own <title> and <desc>."""
    assert svg.get("role") == "img"
    ids = {element.get("id") for element in svg.iter() if element.get("id")}
    for id_ in svg.get("aria-labelledby").split():
        assert id_ in ids
    assert text_of(svg, "title").strip()
    assert text_of(svg, "desc").strip()


@pytest.mark.parametrize("states", [0, 1, len(STATES)])
def test_the_map_is_valid_svg_for_zero_one_and_many_areas(states):
    shaded = [
        tally(f"ocd-division/country:us/state:{code}", code.upper(), 10 * (i + 1) ** 3)
        for i, code in enumerate(STATES[:states])
    ]
    dots = [
        tally(
            "ocd-division/country:us/state:ma/place:somerville",
            "Somerville",
            40 * (i + 1),
            project(-71.1, 42.38),
        )
        for i in range(states)
    ]

    svg = ET.fromstring(us_map(shaded, dots, 10, title="Where people signed"))

    check_labelled(svg)
    paths = svg.findall(f".//{SVG}g[@class='states']/{SVG}path")
    assert len(paths) == len(us_states()["states"]) == 51
    assert sum("shade-0" not in p.get("class") for p in paths) == states
    assert len(svg.findall(f".//{SVG}circle")) == states
    if states == 0:
        assert "No state has 10 signers yet" in text_of(svg, "desc")
    else:
        assert "the most signers are in" in text_of(svg, "desc")


def test_small_states_are_neither_shaded_nor_named_with_a_number():
    svg = ET.fromstring(us_map([], [], 10, title="t"))

    titles = [title.text for title in svg.iter(f"{SVG}title")][1:]
    assert "Massachusetts: number not shown yet" in titles


def test_shades_grow_from_the_threshold_to_the_largest_count():
    breaks = shade_breaks([10, 100, 5000], 10)

    assert breaks[0] == 10
    assert breaks == sorted(set(breaks))
    assert breaks[-1] <= 5000


def test_a_zip_centre_lands_inside_its_state_on_the_map():
    # The shipped shapes put Massachusetts at about x 870-933, y 155-189, and
    # California at x 18-163, y 160-407.
    x, y = project(-71.10, 42.38)  # Somerville
    assert 870 < x < 933 and 155 < y < 189
    x, y = project(-122.27, 37.80)  # Oakland
    assert 18 < x < 163 and 160 < y < 407
    x, y = project(-157.86, 21.31)  # Honolulu, in the inset
    assert 216 < x < 333 and 528 < y < 604
    assert project(-66.1, 18.4) is None  # Puerto Rico is not on this map


@pytest.mark.parametrize("days", [0, 1, 30])
def test_the_chart_is_valid_svg_for_no_one_and_many_days(days):
    today = datetime.date(2026, 11, 22)
    series = cumulative(
        [(today - datetime.timedelta(days=n), n + 1) for n in range(days) if n != 3],
        today,
    )

    svg = ET.fromstring(chart(series, title="Confirmed signatures over time"))

    check_labelled(svg)
    if days == 0:
        assert "No confirmed signatures yet" in "".join(svg.itertext())
        return
    assert len(series) == days  # a day with nobody is a flat step, not a gap
    total = sum(n + 1 for n in range(days) if n != 3)
    assert series[-1].total == total
    line = svg.find(f"{SVG}path[@class='line']")
    assert line.get("d").startswith("M")
    assert f"to {total:,}" in text_of(svg, "desc")


@pytest.mark.django_db
def test_the_overview_shows_top_areas_map_chart_and_tables(client):
    areas = geography()
    campaign = local_campaign()
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 30, days=5)
    bulk_signers(campaign, [areas["oakland"], areas["ca"]], 12, start=100, days=2)
    bulk_signers(campaign, [areas["cambridge"], areas["ma"]], 4, start=200)
    publish_now(campaign)

    response = client.get(f"/c/{campaign.slug}/areas/")

    page = response.content.decode()
    assert response.status_code == 200
    top = page[page.index('id="top-heading"') : page.index('id="map-heading"')]
    assert top.index("Somerville, MA") < top.index("Oakland, CA")
    assert "Cambridge" not in top  # four signers: below the threshold
    us = svg_in(page, "us-map")
    check_labelled(us)
    assert len(us.findall(f".//{SVG}circle")) == 2  # Somerville and Oakland, at their ZIPs
    assert "Signers by state" in page and ">Massachusetts</a>" in page and ">34<" in page
    over_time = svg_in(page, "chart")
    check_labelled(over_time)
    assert "The numbers for each day" in page
    assert ">46<" in page  # the running total in the table
    assert "style=" not in page


@pytest.mark.django_db
def test_publishing_places_the_dots_without_the_zipcodes_table_in_memory(client):
    # `zipcodes` keeps its whole table (about 55 MB) in any process that asks
    # it once: web processes read the shipped centres instead.
    areas = geography()
    campaign = local_campaign()
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 12)
    refuse = mock.Mock(side_effect=AssertionError("zipcodes asked in a web process"))
    with (
        mock.patch("zipcodes._zipcodes.matching", refuse),
        mock.patch("zipcodes._zipcodes.list_all", refuse),
        mock.patch("zipcodes._zipcodes.is_real", refuse),
    ):
        publish_now(campaign)

    (dot,) = svg_in(client.get(f"/c/{campaign.slug}/areas/").content.decode(), "us-map").findall(
        f".//{SVG}circle"
    )
    # Somerville's ZIP codes in this test data: 02143 and 02140.
    (x1, y1), (x2, y2) = project(-71.1028, 42.3829), project(-71.1338, 42.3932)
    assert (float(dot.get("cx")), float(dot.get("cy"))) == (
        round((x1 + x2) / 2, 1),
        round((y1 + y2) / 2, 1),
    )


def test_the_shipped_zip_centres_are_those_of_the_zipcodes_package():
    from undersigned.areas.data import build_zip_centres

    shipped = build_zip_centres.OUTPUT.read_text(encoding="ascii").splitlines(keepends=True)
    assert shipped == build_zip_centres.lines()


@pytest.mark.django_db
def test_the_chart_counts_signatures_on_the_utc_day_they_were_confirmed(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    areas = geography()
    campaign = local_campaign()
    late, early = bulk_signers(campaign, [areas["somerville"]], 2)
    confirmed = {
        late: datetime.datetime(2026, 11, 21, 23, 30, tzinfo=datetime.UTC),
        # 17:30 on the 21st in Los Angeles, the 22nd in UTC.
        early: datetime.datetime(2026, 11, 22, 1, 30, tzinfo=datetime.UTC),
    }
    for signature, moment in confirmed.items():
        Signature.objects.filter(pk=signature.pk).update(confirmed_at=moment)

    days = confirmed_by_day(campaign, datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC))

    assert days == [["2026-11-21", 1], ["2026-11-22", 1]]


@pytest.mark.django_db
def test_a_campaign_outside_the_us_has_tables_and_a_chart_but_no_map(client):
    campaign = make_campaign(slug="ca-letter", country="CA")
    province = Division(ocd_id="ocd-division/country:ca/province:on", name="Ontario")
    province.save()
    bulk_signers(campaign, [province], 15)
    publish_now(campaign)

    page = client.get(f"/c/{campaign.slug}/areas/").content.decode()

    assert 'class="us-map"' not in page
    svg_in(page, "chart")
    top = page[page.index('id="top-heading"') : page.index('id="chart-heading"')]
    assert ">Ontario</a>" in top


@pytest.mark.django_db
def test_the_overview_with_nobody_signed_still_renders(client):
    campaign = local_campaign()

    page = client.get(f"/c/{campaign.slug}/areas/").content.decode()

    assert "No area has 10 signers yet" in page
    check_labelled(svg_in(page, "us-map"))
    check_labelled(svg_in(page, "chart"))
