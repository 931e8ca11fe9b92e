"""The letter a lawmaker receives names every signer correctly, whatever their
script, in the campaign's delivery language, and renders to the same bytes
every time."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from undersigned.campaigns.actions import save_translation
from undersigned.campaigns.models import CampaignTranslation
from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.models import Delivery
from undersigned.deliveries.rendering import (
    FALLBACKS,
    FONTS,
    new_pdf,
    render_delivery,
    signer_rows,
    write_letter,
)
from undersigned.signatures import actions
from undersigned.signatures.links import confirm_token

from .delivery_helpers import lawmaker, local_campaign, places

pytestmark = pytest.mark.django_db

NAMES = {
    "Latin with diacritics": ("Zoë", "Łukasiewicz-Ñúñez"),
    "Greek": ("Αλέξανδρος", "Παπαδόπουλος"),
    "Cyrillic": ("Ольга", "Сергеевна"),
    "Chinese": ("小明", "王"),
    "Japanese": ("はるか", "山田"),
    "Korean": ("민준", "김"),
    "Arabic": ("محمد", "عبد الله"),
    "Hebrew": ("דוד", "כהן"),
}


@pytest.fixture
def delivery():
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign(batch_size=len(NAMES), delivery_language="es")
    save_translation(
        CampaignTranslation(
            campaign=campaign,
            language="es",
            title="Alto a la vigilancia facial",
            summary="Pide una prohibición.",
            body="Pedimos una prohibición.",
            letter_subject="Prohíban la vigilancia facial",
            letter_body="Estimada autoridad:\n\nProhíba la vigilancia facial.",
        )
    )
    for number, (first, last) in enumerate(NAMES.values()):
        result = actions.sign(
            campaign,
            actions.SignerDetails(
                email=f"signer{number}@example.org",
                first_name=first,
                last_name=last,
                postal_code="02143",
                country="US",
                divisions=((somerville, "lookup"),),
            ),
            # Half sign in English, half in Spanish: the list is one list.
            language="en" if number % 2 else "es",
        )
        actions.confirm(result.signature.pk, confirm_token(result.signature.pk))
    process_all_count_events()
    return Delivery.objects.select_related("campaign", "division", "letter_version").get()


def test_the_letter_goes_in_the_delivery_language_with_every_signer(delivery):
    assert delivery.letter_version.language == "es"
    assert delivery.letter_version.subject == "Prohíban la vigilancia facial"
    names = [row.name for row in signer_rows(delivery)]
    assert names == [f"{first} {last}" for first, last in NAMES.values()]
    rendered = render_delivery(delivery)
    header = rendered.csv.splitlines()[0]
    assert header == "número,nombre,ciudad o código postal"
    for first, last in NAMES.values():
        assert f"{first} {last}" in rendered.csv


def covered(text: str) -> set[str]:
    """The characters of `text` that no font of the letter (Kurinto Sans or a
    fallback) has a glyph for."""
    fonts = ["KurintoSans", *FALLBACKS.values()]
    maps = [TTFont(str(FONTS / f"{face}-Rg.ttf"), lazy=True).getBestCmap() for face in fonts]
    return {char for char in text if not char.isspace() and not any(ord(char) in m for m in maps)}


@pytest.mark.parametrize("script", NAMES)
def test_every_character_of_every_name_has_a_glyph_in_the_letters_fonts(script):
    assert covered(" ".join(NAMES[script])) == set()


def test_the_glyph_check_finds_a_character_no_font_has():
    assert covered("A \U00013000") == {"\U00013000"}  # an Egyptian hieroglyph


def test_chinese_japanese_and_korean_names_use_their_fallback_fonts(delivery):
    pdf = new_pdf(delivery)
    write_letter(pdf, delivery, signer_rows(delivery))
    data = bytes(pdf.output())
    for face in (b"KurintoSans", b"KurintoSansSC", b"KurintoSansJP", b"KurintoSansKR"):
        assert face in data


def test_a_letter_with_every_script_renders_to_the_same_bytes_twice(delivery):
    first, second = render_delivery(delivery), render_delivery(delivery)
    assert first.pdf == second.pdf
    assert first.pdf_sha256 == second.pdf_sha256
