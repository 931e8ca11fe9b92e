"""The letter a lawmaker receives names every signer correctly, whatever their
script, in the campaign's delivery language, and renders to the same bytes
every time."""

from __future__ import annotations

import io
import struct
import unicodedata
from collections.abc import Callable
from functools import cache

import pytest
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import ByteStringObject, ContentStream, TextStringObject

from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.models import Delivery
from undersigned.deliveries.rendering import (
    FALLBACKS,
    FONTS,
    letter_texts,
    needs_fallbacks,
    new_pdf,
    render_delivery,
    signer_rows,
    write_letter,
)
from undersigned.signatures import actions
from undersigned.signatures.links import confirm_token

from .conftest import translate_to_spanish
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
    translate_to_spanish(campaign)
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
        actions.confirm(
            result.signature.pk,
            confirm_token(result.signature.pk, result.signature.link_version),
        )
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


# Reading the glyphs back ----------------------------------------------------
#
# fpdf2 draws text as codes of a subset of each font it embeds (Identity-H,
# mapped to the subset's glyphs by /CIDToGIDMap), and renames the glyphs it
# keeps. So each drawn glyph is read back from the embedded font as its
# outline and advance, and compared with the glyphs HarfBuzz chooses for each
# name in the original font files: the right font, the joined Arabic forms,
# right-to-left order, and no glyph left out or drawn as the ".notdef" box.

FACES = ["KurintoSans", *FALLBACKS.values()]
Glyph = tuple[str, tuple]  # (font family, outline and advance)


@cache
def original(face: str) -> TTFont:
    return TTFont(str(FONTS / f"{face}-Rg.ttf"), lazy=True)


@cache
def harfbuzz_font(face: str) -> hb.Font:
    return hb.Font(hb.Face(hb.Blob.from_file_path(str(FONTS / f"{face}-Rg.ttf"))))


def shape_of(font: TTFont, name: str) -> tuple:
    """A glyph as it is drawn: its contours' points, and how far it moves the pen."""
    if name == ".notdef":
        return (".notdef",)
    glyf = font["glyf"]
    coordinates, ends, _flags = glyf[name].getCoordinates(glyf)
    return (tuple(coordinates), tuple(ends), font["hmtx"][name][0])


def face_of(char: str) -> str:
    """The font fpdf2 draws a character in: Kurinto Sans, else the first fallback that has it."""
    return next((face for face in FACES if ord(char) in original(face).getBestCmap()), FACES[0])


def expected_glyphs(name: str) -> list[Glyph]:
    """Each glyph HarfBuzz draws for the name, left to right: each run of
    characters in one font shaped on its own, as fpdf2 does."""
    runs: list[tuple[str, str]] = []
    for char in name:
        face = face_of(char)
        if runs and runs[-1][0] == face:
            runs[-1] = (face, runs[-1][1] + char)
        else:
            runs.append((face, char))
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in name) and len(runs) > 1:
        raise NotImplementedError("a right-to-left name in several fonts")
    glyphs = []
    for face, text in runs:
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        hb.shape(harfbuzz_font(face), buffer, {})
        order = original(face).getGlyphOrder()
        glyphs += [
            (face, shape_of(original(face), order[info.codepoint])) for info in buffer.glyph_infos
        ]
    return glyphs


def drawn_glyphs(pdf: bytes) -> list[Glyph]:
    """Every glyph the PDF draws, in the order it draws them."""
    reader = PdfReader(io.BytesIO(pdf))
    drawn = []
    for page in reader.pages:
        fonts = {
            name: embedded_glyphs(font.get_object())
            for name, font in page["/Resources"]["/Font"].items()
        }
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts[operands[0]]
            elif operator in (b"Tj", b"TJ"):
                shown = operands if operator == b"Tj" else operands[0]
                for text in shown:
                    if isinstance(text, TextStringObject | ByteStringObject):
                        raw = (
                            text.original_bytes
                            if isinstance(text, TextStringObject)
                            else bytes(text)
                        )
                        drawn += [current(cid) for (cid,) in struct.iter_unpack(">H", raw)]
    return drawn


def embedded_glyphs(font) -> Callable[[int], Glyph]:
    """For a Type0 font the PDF embeds: a code drawn with it -> the glyph drawn."""
    family = font["/BaseFont"].split("+", 1)[-1]
    descendant = font["/DescendantFonts"][0].get_object()
    data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
    subset = TTFont(io.BytesIO(data))
    names = subset.getGlyphOrder()
    to_glyph = descendant.get("/CIDToGIDMap")
    table = to_glyph.get_object().get_data() if to_glyph != "/Identity" else None

    def glyph(cid: int) -> Glyph:
        gid = struct.unpack_from(">H", table, 2 * cid)[0] if table else cid
        return family, shape_of(subset, names[gid])

    return glyph


def missing_names(pdf: bytes, names: list[str]) -> list[str]:
    """The names whose shaped glyphs the PDF does not draw, in order, anywhere."""
    drawn = drawn_glyphs(pdf)
    missing = []
    for name in names:
        wanted = expected_glyphs(name)
        if not any(drawn[i : i + len(wanted)] == wanted for i in range(len(drawn))):
            missing.append(name)
    return missing


def test_the_letter_draws_every_name_with_the_glyphs_harfbuzz_shapes_for_it(delivery):
    pdf = render_delivery(delivery).pdf
    assert all(shape != (".notdef",) for _font, shape in drawn_glyphs(pdf))
    assert missing_names(pdf, [f"{first} {last}" for first, last in NAMES.values()]) == []


def test_the_glyph_read_back_finds_unshaped_and_missing_glyphs(delivery, monkeypatch):
    arabic, hebrew = " ".join(NAMES["Arabic"]), " ".join(NAMES["Hebrew"])
    # Without shaping, Arabic letters stand unjoined and in typed order.
    monkeypatch.setattr(FPDF, "set_text_shaping", lambda pdf, *args, **kwargs: None)
    unshaped = render_delivery(delivery).pdf
    assert missing_names(unshaped, [arabic, hebrew, "Ольга Сергеевна"]) == [arabic, hebrew]
    # A character no font has is not drawn.
    monkeypatch.undo()
    hieroglyph = render_delivery_with_a_name(delivery, "Ra \U00013000").pdf
    assert missing_names(hieroglyph, ["Ra \U00013000", "Ольга Сергеевна"]) == ["Ra \U00013000"]


def render_delivery_with_a_name(delivery, name: str):
    signature = delivery.signers.order_by("position").first().signature
    signature.first_name, signature.last_name = name, ""
    signature.save()
    return render_delivery(delivery)


def test_chinese_japanese_and_korean_names_use_their_fallback_fonts(delivery):
    rows = signer_rows(delivery)
    pdf = new_pdf(delivery, letter_texts(delivery, rows))
    write_letter(pdf, delivery, rows)
    data = bytes(pdf.output())
    for face in (b"KurintoSans", b"KurintoSansSC", b"KurintoSansJP", b"KurintoSansKR"):
        assert face in data


def test_a_letter_with_every_script_renders_to_the_same_bytes_twice(delivery):
    first, second = render_delivery(delivery), render_delivery(delivery)
    assert first.pdf == second.pdf
    assert first.pdf_sha256 == second.pdf_sha256


def test_a_letter_without_han_kana_or_hangul_loads_no_fallback_font(delivery):
    """The fallbacks' files are large: loading and subsetting them took most
    of a letter's rendering time. Only a letter that draws a character Kurinto
    Sans lacks (or is written in Chinese, Japanese or Korean) loads them."""
    latin = [row for row in signer_rows(delivery) if not needs_fallbacks("es", [row.name])]
    assert 0 < len(latin) < len(signer_rows(delivery))  # the fixture has both kinds
    pdf = new_pdf(delivery, letter_texts(delivery, latin))
    write_letter(pdf, delivery, latin)
    data = bytes(pdf.output())
    assert b"KurintoSans" in data
    assert not any(face.encode() in data for face in FALLBACKS.values())
    assert needs_fallbacks("ja", ["Dear Mayor"])  # the letter's own words, in Japanese
    assert not needs_fallbacks("en", ["Zoë Ñúñez\n\tمريم Ελένη"])  # line breaks draw nothing
