"""A campaign's link, shared anywhere, shows a preview card: Open Graph and
Twitter tags with the title and summary in the page's language, and a PNG
drawn by this site (1200 by 630, from our own origin), with right-to-left
titles shaped and laid out right to left."""

from __future__ import annotations

import html
import io
import os
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from undersigned.campaigns.actions import save_campaign
from undersigned.front import sharing

from .conftest import SPANISH, make_campaign, translate_to_spanish

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT = {
    "en": ("Stop face surveillance", "Ask for a ban."),
    "es": (SPANISH["title"], SPANISH["summary"]),
}
PREFIX = {"en": "", "es": "/es"}


@pytest.fixture
def campaign():
    campaign = make_campaign()
    translate_to_spanish(campaign)
    return campaign


def tags(page: str) -> dict[str, str]:
    """The page's <meta property|name=… content=…> and its canonical link."""
    found = {
        name: html.unescape(content)
        for name, content in re.findall(
            r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page
        )
    }
    (canonical,) = re.findall(r'<link rel="canonical" href="([^"]*)">', page)
    found["canonical"] = html.unescape(canonical)
    return found


def own_origin(url: str) -> bool:
    ours, theirs = urlsplit(settings.SITE_URL), urlsplit(url)
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("page", ["", "thanks/"])
def test_every_shared_page_has_the_cards_tags_in_its_language(client, campaign, language, page):
    address = f"{PREFIX[language]}/c/{campaign.slug}/"
    found = tags(client.get(address + page).content.decode())
    title, summary = TEXT[language]
    campaign_url = settings.SITE_URL + address
    assert found["canonical"] == found["og:url"] == campaign_url
    assert found["og:type"] == "website"
    assert found["og:site_name"] == settings.SITE_NAME
    assert found["og:title"] == found["twitter:title"] == found["og:image:alt"] == title
    assert found["og:description"] == found["twitter:description"] == summary
    assert found["description"] == summary
    assert found["og:locale"] == language
    assert found["twitter:card"] == "summary_large_image"
    assert (found["og:image:type"], found["og:image:width"], found["og:image:height"]) == (
        "image/png",
        "1200",
        "630",
    )
    image = found["og:image"]
    assert found["twitter:image"] == image
    assert own_origin(image), image
    assert urlsplit(image).path == f"{address}share.png"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_card_is_a_1200_by_630_png_from_this_site(client, campaign, language):
    page = client.get(f"{PREFIX[language]}/c/{campaign.slug}/").content.decode()
    image = urlsplit(tags(page)["og:image"])
    response = client.get(f"{image.path}?{image.query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response.content.startswith(PNG_SIGNATURE)
    drawn = Image.open(io.BytesIO(response.content))
    assert (drawn.format, drawn.size) == ("PNG", (1200, 630))
    assert response.content == sharing.share_png(TEXT[language][0], settings.SITE_NAME)


def test_each_language_has_its_own_card_and_a_new_title_a_new_address(client, campaign):
    english = tags(client.get(f"/c/{campaign.slug}/").content.decode())["og:image"]
    spanish = tags(client.get(f"/es/c/{campaign.slug}/").content.decode())["og:image"]
    assert urlsplit(english).query != urlsplit(spanish).query
    assert client.get(urlsplit(english).path).content != client.get(urlsplit(spanish).path).content
    campaign.title = "Stop face surveillance now"
    save_campaign(campaign)
    renamed = tags(client.get(f"/c/{campaign.slug}/").content.decode())["og:image"]
    assert urlsplit(renamed).query != urlsplit(english).query


def test_a_hidden_campaign_has_no_card(client, campaign):
    campaign.status = campaign.Status.DRAFT
    save_campaign(campaign)
    assert client.get(f"/c/{campaign.slug}/share.png").status_code == 404


def ink_columns(png: bytes, top: int, bottom: int) -> list[int]:
    """The x of every column with title ink (white) between two heights."""
    image = Image.open(io.BytesIO(png)).convert("L").crop((0, top, sharing.WIDTH, bottom))
    width, height = image.size
    pixels = image.load()
    return [x for x in range(width) if any(pixels[x, y] > 200 for y in range(height))]


def stretches(columns: list[int]) -> list[int]:
    """The widths of the separate stretches of ink, left to right."""
    widths: list[int] = []
    for i, x in enumerate(columns):
        if i and columns[i - 1] == x - 1:
            widths[-1] += 1
        else:
            widths.append(1)
    return widths


TITLE_ROWS = (sharing.MARGIN + 60, sharing.MARGIN + 60 + 110)

# Pillow's wheels carry Raqm; it needs the system's FriBiDi (Debian: libfribidi0,
# which Chromium's libraries bring). In CI (REQUIRE_SERVICES=1) these run anyway.
needs_raqm = pytest.mark.skipif(
    not sharing.SHAPING and os.environ.get("REQUIRE_SERVICES") != "1",
    reason="Pillow has no Raqm layout here (no libfribidi0)",
)


@needs_raqm
def test_an_arabic_title_is_shaped_so_its_letters_join():
    # محمد: mīm, ḥā', mīm and dāl join into one stroke when shaped; unshaped,
    # they are four separate letters.
    assert sharing.SHAPING, "Pillow has no Raqm layout: install libfribidi0"
    shaped = sharing.draw_card("محمد", "")
    columns = ink_columns(shaped, *TITLE_ROWS)
    assert len(stretches(columns)) == 1
    unshaped = basic_card("محمد")
    assert len(stretches(ink_columns(unshaped, *TITLE_ROWS))) == 4


@needs_raqm
def test_right_to_left_titles_are_right_aligned_and_others_left_aligned():
    for title in ("שלום", "محمد"):
        columns = ink_columns(sharing.draw_card(title, ""), *TITLE_ROWS)
        assert sharing.WIDTH - sharing.MARGIN - 8 <= max(columns) <= sharing.WIDTH - sharing.MARGIN
        assert min(columns) > sharing.WIDTH / 2
    columns = ink_columns(sharing.draw_card("Stop", ""), *TITLE_ROWS)
    assert sharing.MARGIN <= min(columns) <= sharing.MARGIN + 8


@needs_raqm
def test_a_hebrew_title_reads_right_to_left():
    # Hebrew letters stand apart: the card's stretches of ink, read from the
    # right, are the letters as typed (each measured drawn alone).
    word = "שלום"
    letters = [stretches(ink_columns(basic_card(letter), *TITLE_ROWS)) for letter in word]
    assert all(len(widths) == 1 for widths in letters)
    typed = [widths[0] for widths in letters]
    assert len(set(typed)) == len(typed), "the letters must differ in width to be told apart"
    drawn = stretches(ink_columns(sharing.draw_card(word, ""), *TITLE_ROWS))
    assert len(drawn) == len(word)
    assert all(abs(a - b) <= 1 for a, b in zip(reversed(drawn), typed, strict=True)), (
        drawn,
        typed,
    )
    # Drawn without a direction, the same letters would read left to right.
    assert stretches(ink_columns(basic_card(word), *TITLE_ROWS)) == typed


def test_without_raqm_a_right_to_left_title_is_left_off_rather_than_drawn_backwards(
    monkeypatch, caplog
):
    monkeypatch.setattr(sharing, "SHAPING", False)
    monkeypatch.setattr(sharing, "LAYOUT", ImageFont.Layout.BASIC)
    assert ink_columns(sharing.draw_card("שלום", ""), *TITLE_ROWS) == []
    assert "right-to-left titles are left off" in caplog.text
    assert ink_columns(sharing.draw_card("Stop", ""), *TITLE_ROWS) != []


def basic_card(title: str) -> bytes:
    """The title as Pillow's basic layout draws it (no shaping, no direction),
    at the card's place and size."""
    image = Image.new("RGB", (sharing.WIDTH, sharing.HEIGHT), sharing.PAPER)
    face = str(sharing.FONTS / f"{sharing.face_for(title)}-Bd.ttf")
    font = ImageFont.truetype(face, 76, layout_engine=ImageFont.Layout.BASIC)
    ImageDraw.Draw(image).text(
        (sharing.MARGIN, sharing.MARGIN + 70), title, font=font, fill=sharing.INK
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
