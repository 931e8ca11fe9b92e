"""The picture a shared link's preview card shows, drawn here.

Link previews (Open Graph, Twitter cards) want a raster image; we draw a
plain one from the campaign's title with Pillow (already installed with
fpdf2) in the letters' font, so the card loads nothing from anywhere else.

Arabic and Hebrew titles are shaped (Arabic letters join) and laid out right
to left, right-aligned, by Pillow's Raqm layout (HarfBuzz and FriBiDi; the
Pillow wheels carry Raqm and HarfBuzz, FriBiDi is the system's libfribidi0,
which Debian installs with most desktop libraries). Where Pillow finds no
FriBiDi it falls back to its basic layout: Latin, Greek, Cyrillic and CJK
titles look the same, but Arabic letters would stand unjoined and right-to-left
words would read backwards, so a right-to-left title is then left out of the
card (the site's name alone is drawn) rather than drawn wrongly, and a
warning is logged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from undersigned.deliveries.rendering import FONTS
from undersigned.memo import FOREVER, Expiring

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
PAPER, INK, MUTED = (11, 93, 75), (255, 255, 255), (198, 227, 214)
# The first of these whose characters cover the title draws it.
FACES = ("KurintoSans", "KurintoSansSC", "KurintoSansJP", "KurintoSansKR")
SHAPING = features.check_feature("raqm")
LAYOUT = ImageFont.Layout.RAQM if SHAPING else ImageFont.Layout.BASIC

# The characters each face draws (read from its file once), and the cards
# drawn, by title: a card depends only on its title and the site's name.
_characters: Expiring[frozenset[int]] = Expiring(FOREVER, max_entries=len(FACES))
_cards: Expiring[bytes] = Expiring(FOREVER, max_entries=64)


def characters(face: str) -> frozenset[int]:
    return _characters.get(
        face,
        lambda: frozenset(TTFont(str(FONTS / f"{face}-Bd.ttf"), lazy=True).getBestCmap()),
    )


def face_for(text: str) -> str:
    wanted = {ord(char) for char in text if not char.isspace()}
    for face in FACES:
        if wanted <= characters(face):
            return face
    return FACES[0]


def right_to_left(text: str) -> bool:
    """Whether the text's first strong character is Hebrew or Arabic (Unicode's
    rule for a paragraph's direction)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than `width`: at spaces, or anywhere in a word too long
    for a line (as Chinese and Japanese titles are, having no spaces)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if font.getlength(line + char) > width and line:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def card_version(title: str) -> str:
    """A short name for what the card shows, for its address (?v=)."""
    return hashlib.sha256(title.encode()).hexdigest()[:12]


def share_png(title: str, site_name: str) -> bytes:
    """A 1200 by 630 PNG: the site's name, then the title as large as fits."""
    return _cards.get((title, site_name), lambda: draw_card(title, site_name))


def draw_card(title: str, site_name: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    rtl = right_to_left(title)
    if rtl and not SHAPING:
        logger.warning("no Raqm layout in Pillow: right-to-left titles are left off share cards")
        title = ""
    face = str(FONTS / f"{face_for(title + site_name)}-Bd.ttf")
    small = ImageFont.truetype(face, 34, layout_engine=LAYOUT)
    # Both on the side a reader of the title starts from.
    x, anchor = (WIDTH - MARGIN, "ra") if rtl else (MARGIN, "la")
    draw.text((x, MARGIN - 10), site_name, font=small, fill=MUTED, anchor=anchor)
    for size in (76, 64, 54, 46, 40):
        font = ImageFont.truetype(face, size, layout_engine=LAYOUT)
        lines = wrap(title, font, WIDTH - 2 * MARGIN)
        if len(lines) * size * 1.25 <= HEIGHT - 2 * MARGIN - 60:
            break
    else:
        lines = [*lines[:5], "…"][:6]
    top = MARGIN + 70
    for number, line in enumerate(lines):
        y = top + number * size * 1.25
        direction = "rtl" if rtl else None
        draw.text((x, y), line, font=font, fill=INK, anchor=anchor, direction=direction)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
