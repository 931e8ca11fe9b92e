"""What a delivery looks like: the PDF, the CSV, the e-mail, the printable pack.

The PDF is a pure function of the delivery's rows: its creation date is the
delivery's, and fpdf2 derives the document id from the content, so rendering
twice gives the same bytes and the same SHA-256. What was sent is also kept
(sealed) on the delivery, since a signer erasing their data later changes
what a new rendering would show.

Signers appear with their name and their city (or postal code), never their
e-mail address unless the campaign's delivery rule says so.

Everything around the letter (headings, the date, the footer, the CSV header,
the e-mail) is in the letter's own language: the campaign's delivery language.
Names are drawn in Kurinto Sans (weblate-fonts, SIL OFL 1.1; see
docs/dependencies.md), which covers Latin, Greek, Cyrillic, Arabic and
Hebrew, with its Chinese, Japanese and Korean cuts as fallbacks, shaped by
HarfBuzz so that Arabic joins and right-to-left names read right to left.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email import encoders
from email.mime.base import MIMEBase
from email.utils import formataddr
from importlib.resources import files

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from undersigned.addresses import ascii_address
from undersigned.areas.models import SignatureDivision
from undersigned.memo import FOREVER, Expiring
from undersigned.privacy.csvsafe import csv_lines
from undersigned.signatures.models import Consent

from .models import Delivery, DeliveryAttempt, DeliverySigner

# fontTools logs every step of subsetting the font at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = files("weblate_fonts") / "static" / "weblate_fonts" / "kurinto" / "ttf"
FONT = "Kurinto"
# Tried in order for a character Kurinto Sans lacks: Han, kana, hangul.
FALLBACKS = {
    "KurintoSC": "KurintoSansSC",
    "KurintoJP": "KurintoSansJP",
    "KurintoKR": "KurintoSansKR",
}


def name_withheld() -> str:
    return _("(name withheld)")


@dataclass(frozen=True)
class SignerRow:
    number: int
    name: str
    place: str
    email: str = ""
    # Only with the signer's consent (signatures.Consent.Kind.COMMENT).
    comment: str = ""


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    csv: str

    @property
    def pdf_base64(self) -> str:
        return base64.b64encode(self.pdf).decode()

    @property
    def pdf_sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def csv_sha256(self) -> str:
        return hashlib.sha256(csv_file(self.csv)).hexdigest()


def csv_file(text: str) -> bytes:
    """The signer list as the file the letter carries, and the receipt fingerprints."""
    return text.encode("utf-8")


def csv_attachment(filename: str, text: str) -> MIMEBase:
    """The signer list, base64-encoded: as text, its CRLF line endings could be
    changed on the way or by the mail program that saves it (RFC 2046 lets the
    receiving system use its own), and the receipt's fingerprint would no
    longer match the file."""
    part = MIMEBase("text", "csv", charset="utf-8")
    part.set_payload(csv_file(text))
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def receipt_url(delivery: Delivery) -> str:
    return settings.SITE_URL + delivery.get_absolute_url()


def file_stem(delivery: Delivery) -> str:
    area = slugify(delivery.area_name) if delivery.division_id else "all"
    return f"{delivery.campaign.slug}-{area}-{delivery.first_number}-{delivery.last_number}"


def signer_rows(delivery: Delivery) -> list[SignerRow]:
    """The carried signers in order: name and city (or postal code)."""
    carried = list(
        DeliverySigner.objects.filter(delivery=delivery)
        .select_related("signature")
        .order_by("position")
    )
    ids = [row.signature_id for row in carried]
    cities = {}
    for start in range(0, len(ids), 900):
        # The organiser's name for the place when they gave one (areas.Division).
        cities.update(
            (signature_id, shown or name)
            for signature_id, name, shown in SignatureDivision.objects.filter(
                signature_id__in=ids[start : start + 900], division__type="place"
            ).values_list("signature_id", "division__name", "division__display_name")
        )
    shared = set()
    for start in range(0, len(ids), 900):
        shared.update(
            Consent.objects.filter(
                signature_id__in=ids[start : start + 900],
                kind=Consent.Kind.COMMENT,
                withdrawn_at__isnull=True,
            ).values_list("signature_id", flat=True)
        )
    rows = []
    for row in carried:
        signature = row.signature
        rows.append(
            SignerRow(
                number=delivery.first_number + row.position - 1,
                name=signature.full_name or name_withheld(),
                place=cities.get(signature.pk) or signature.postal_code,
                email=signature.email if delivery.include_emails else "",
                comment=signature.comment if signature.pk in shared else "",
            )
        )
    return rows


def render_delivery(delivery: Delivery) -> Rendered:
    with translation.override(delivery.letter_version.language):
        rows = signer_rows(delivery)
        return Rendered(pdf=render_pdf(delivery, rows), csv=render_csv(delivery, rows))


def render_csv(delivery: Delivery, rows: list[SignerRow]) -> str:
    header = [_("number"), _("name"), _("city or postal code")]
    if delivery.include_emails:
        header.append(_("email"))
    comments = any(row.comment for row in rows)
    if comments:
        header.append(_("comment"))
    body = (
        [
            row.number, row.name, row.place,
            *([row.email] if delivery.include_emails else []),
            *([row.comment] if comments else []),
        ]
        for row in rows
    )  # fmt: skip
    return "".join(csv_lines(header, body))


class LetterPDF(FPDF):
    receipt = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 5, _("Check this document at %(url)s") % {"url": self.receipt}, align="L")
        pages = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, pages, align="R")
        self.set_text_color(0)


# The characters Kurinto Sans draws, read once per process from its file.
_covered: Expiring[frozenset[int]] = Expiring(FOREVER, max_entries=4)
# Languages whose own words (the headings, the footer) need the fallbacks.
FALLBACK_LANGUAGES = {"zh", "ja", "ko"}


def covered_by_kurinto() -> frozenset[int]:
    def read() -> frozenset[int]:
        font = TTFont(str(FONTS / "KurintoSans-Rg.ttf"), lazy=True)
        try:
            return frozenset(font.getBestCmap())
        finally:
            font.close()

    return _covered.get("Kurinto Sans", read)


def needs_fallbacks(language: str, texts: Iterable[str]) -> bool:
    """Whether a letter in this language with these texts (everything it
    writes but its own translated words) draws a character Kurinto Sans
    lacks. The fallbacks' files are large (Han, kana, hangul): loading and
    subsetting them took most of a letter's rendering time, for letters
    that never use them."""
    if language.split("-")[0] in FALLBACK_LANGUAGES:
        return True
    covered = covered_by_kurinto()
    return any(
        ord(char) not in covered and char.isprintable() and not char.isspace()
        for text in texts
        for char in text
    )


def letter_texts(delivery: Delivery, rows: list[SignerRow], addressees=()) -> Iterator[str]:
    """Everything a letter writes that is not its own translated words."""
    letter = delivery.letter_version
    yield from (letter.subject, letter.body, delivery.label, delivery.occasion)
    yield delivery.campaign.organisation
    yield from addressees
    for row in rows:
        yield from (row.name, row.place, row.email, row.comment)


def new_pdf(delivery: Delivery, texts: Iterable[str]) -> LetterPDF:
    paper = "Letter" if delivery.campaign.country in {"US", "CA"} else "A4"
    pdf = LetterPDF(format=paper)
    pdf.receipt = receipt_url(delivery)
    pdf.set_creation_date(delivery.created_at)
    pdf.set_title(delivery.letter_version.subject)
    pdf.set_author(delivery.campaign.organisation)
    pdf.set_creator(settings.SITE_NAME)
    pdf.set_lang(delivery.letter_version.language)
    pdf.add_font(FONT, "", str(FONTS / "KurintoSans-Rg.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "KurintoSans-Bd.ttf"))
    if needs_fallbacks(delivery.letter_version.language, texts):
        for family, stem in FALLBACKS.items():
            pdf.add_font(family, "", str(FONTS / f"{stem}-Rg.ttf"))
            pdf.add_font(family, "B", str(FONTS / f"{stem}-Bd.ttf"))
        pdf.set_fallback_fonts(list(FALLBACKS), exact_match=False)
    # HarfBuzz: joined Arabic letters, right-to-left runs in their order,
    # combining marks placed; the direction is found for each run of text.
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_margins(22, 20, 22)
    return pdf


def write_letter(pdf: LetterPDF, delivery: Delivery, rows: list[SignerRow], addressee="") -> None:
    """The letter and its signers, from a new page."""
    letter = delivery.letter_version
    pdf.add_page()
    if addressee:
        pdf.set_font(FONT, size=11)
        pdf.multi_cell(0, 5.5, addressee, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(90)
    pdf.cell(0, 5, delivery.campaign.organisation, new_x="LMARGIN", new_y="NEXT")
    day = delivery.created_at
    pdf.cell(0, 5, date_format(day, "DATE_FORMAT"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 7.5, letter.subject, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(0, 6, delivery.label, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    for paragraph in letter.body.strip().split("\n"):
        pdf.multi_cell(0, 5.5, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 11)
    count = ngettext("%(count)s signer", "%(count)s signers", delivery.signer_count) % {
        "count": intcomma(delivery.signer_count)
    }
    pdf.multi_cell(
        0, 6, f"{delivery.label} ({count}, {delivery.occasion})", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    headings = [_("No."), _("Name"), _("City or postal code")]
    widths = (12, 50, 38)
    if delivery.include_emails:
        headings.append(_("E-mail"))
        widths = (10, 34, 26, 30)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=6,
        headings_style=FontFace(emphasis="BOLD"),
        borders_layout="HORIZONTAL_LINES",
        padding=(0.5, 1),
    ) as table:
        table.row(headings)
        for row in rows:
            cells = [str(row.number), row.name, row.place]
            if delivery.include_emails:
                cells.append(row.email)
            table.row(cells)
    write_comments(pdf, rows)


def write_comments(pdf: LetterPDF, rows: list[SignerRow]) -> None:
    """The comments signers asked us to send with their names, after the list."""
    shared = [row for row in rows if row.comment]
    if not shared:
        return
    pdf.ln(6)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, _("Comments from signers"), new_x="LMARGIN", new_y="NEXT")
    for row in shared:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(
            0, 5.5, f"{row.number}. {row.name}, {row.place}", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5.5, row.comment, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)


def render_pdf(delivery: Delivery, rows: list[SignerRow]) -> bytes:
    pdf = new_pdf(delivery, letter_texts(delivery, rows))
    write_letter(pdf, delivery, rows)
    return bytes(pdf.output())


def render_pack(delivery: Delivery, attempts: list[DeliveryAttempt]) -> bytes:
    """A printable pack: for each recipient to mail, their address, the letter, the list."""
    with translation.override(delivery.letter_version.language):
        return _render_pack(delivery, attempts)


def _render_pack(delivery: Delivery, attempts: list[DeliveryAttempt]) -> bytes:
    rows = signer_rows(delivery)
    addressees = [
        "\n".join(part for part in (attempt.name, attempt.office, attempt.address) if part)
        for attempt in attempts
    ]
    pdf = new_pdf(delivery, letter_texts(delivery, rows, addressees))
    for addressee in addressees:
        write_letter(pdf, delivery, rows, addressee=addressee)
    return bytes(pdf.output())


def stored_pdf(delivery: Delivery) -> bytes:
    return base64.b64decode(delivery.pdf) if delivery.pdf else b""


def recipient(attempt: DeliveryAttempt) -> str:
    """formataddr() takes only ASCII: an internationalised domain goes in its IDNA 2008 form."""
    return formataddr((attempt.name, ascii_address(attempt.address.strip())))


def build_message(attempt: DeliveryAttempt) -> EmailMultiAlternatives:
    """The letter e-mail for one recipient, with the PDF and CSV as they were rendered."""
    with translation.override(attempt.delivery.letter_version.language):
        return _build_message(attempt)


def _build_message(attempt: DeliveryAttempt) -> EmailMultiAlternatives:
    delivery = attempt.delivery
    letter = delivery.letter_version
    context = {
        "attempt": attempt,
        "delivery": delivery,
        "campaign": delivery.campaign,
        "letter": letter,
        "receipt_url": receipt_url(delivery),
        "site_name": settings.SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"{letter.subject} — {delivery.label}",
        body=render_to_string("deliveries/letter.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient(attempt)],
        headers={"Message-ID": attempt.message_id},
    )
    message.attach_alternative(render_to_string("deliveries/letter.html", context), "text/html")
    stem = file_stem(delivery)
    message.attach(f"{stem}.pdf", stored_pdf(delivery), "application/pdf")
    message.attach(csv_attachment(f"{stem}.csv", delivery.csv))
    return message


def delivered_context(signature) -> dict:
    """For the 'your letter was delivered' e-mail: the first delivery that carried them."""
    carried = (
        DeliverySigner.objects.filter(signature=signature, delivery__completed_at__isnull=False)
        .select_related("delivery__division", "delivery__campaign")
        .order_by("delivery__completed_at")
        .first()
    )
    if carried is None:
        return {"delivery": None}
    delivery = carried.delivery
    offices = list(
        delivery.attempts.filter(state=DeliveryAttempt.State.SENT).values_list("office", "name")
    )
    return {
        "delivery": delivery,
        "receipt_url": receipt_url(delivery),
        "recipients": [office or name for office, name in offices],
    }
