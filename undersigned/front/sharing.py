"""The picture a shared link's preview card shows, drawn here.

Link previews (Open Graph, Twitter cards) want a raster image; we draw a
plain one from the campaign's title with Pillow (already installed with
fpdf2) in the letters' font, so the card loads nothing from anywhere else.
"""

from __future__ import annotations

import io
from importlib.resources import files

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from undersigned.memo import FOREVER, Expiring

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
PAPER, INK, MUTED = (11, 93, 75), (255, 255, 255), (198, 227, 214)
FONTS = files("weblate_fonts") / "static" / "weblate_fonts" / "kurinto" / "ttf"
# The first of these whose characters cover the title draws it.
FACES = ("KurintoSans", "KurintoSansSC", "KurintoSansJP", "KurintoSansKR")


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


def share_png(title: str, site_name: str) -> bytes:
    """A 1200 by 630 PNG: the site's name, then the title as large as fits."""
    return _cards.get((title, site_name), lambda: draw_card(title, site_name))


def draw_card(title: str, site_name: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    face = str(FONTS / f"{face_for(title + site_name)}-Bd.ttf")
    small = ImageFont.truetype(face, 34)
    draw.text((MARGIN, MARGIN - 10), site_name, font=small, fill=MUTED)
    for size in (76, 64, 54, 46, 40):
        font = ImageFont.truetype(face, size)
        lines = wrap(title, font, WIDTH - 2 * MARGIN)
        if len(lines) * size * 1.25 <= HEIGHT - 2 * MARGIN - 60:
            break
    else:
        lines = [*lines[:5], "…"][:6]
    top = MARGIN + 70
    for number, line in enumerate(lines):
        draw.text((MARGIN, top + number * size * 1.25), line, font=font, fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
