"""A campaign's letter as a target will receive it, before anyone has signed.

The builder shows organisers the first page of the PDF and the e-mail a
target gets, rendered by the same code as a real delivery (rendering.py),
with fictional signers. Nothing is saved: the delivery, its letter version
and its attempt exist only in memory.
"""

from __future__ import annotations

import io
from email.mime.base import MIMEBase

import pypdfium2
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef

from undersigned.areas.lookup import officials_for
from undersigned.areas.models import Division, Official, PostalCodeDivision, TargetRule
from undersigned.campaigns.models import Campaign, DeliveryRule, LetterVersion

from .models import Delivery, DeliveryAttempt
from .recipients import official_recipient
from .rendering import Rendered, SignerRow, build_message, render_csv, render_pdf

SAMPLE_FIRST = ["Alex", "Sam", "Priya", "Tomasz", "Amara", "Mateo", "Noor", "Kwame"]
SAMPLE_LAST = ["Rivera", "Nguyen", "Okafor", "Schmidt", "Haddad", "Tanaka", "Costa", "Mensah"]
# The preview image: wide enough to read, small enough to send quickly.
PNG_SCALE = 1.4


def sample_rows(count: int, place: str) -> list[SignerRow]:
    return [
        SignerRow(
            number=n,
            name=f"{SAMPLE_FIRST[n % len(SAMPLE_FIRST)]} {SAMPLE_LAST[(n * 3) % len(SAMPLE_LAST)]}"
            " (sample)",
            place=place,
        )
        for n in range(1, count + 1)
    ]


def _sample_area(campaign: Campaign) -> tuple[Division | None, Official | None]:
    """An area of the campaign's first targeting rule that has an official to
    write to, and that official; (None, None) for a national letter."""
    rule = TargetRule.objects.filter(campaign=campaign).first()
    if rule is None:
        return None, None
    officials = Official.objects.current().filter(division__type=rule.division_type)
    if rule.role_list:
        officials = officials.filter(role__in=rule.role_list)
    # An area signers can reach first: one with postal codes linked.
    linked = Exists(PostalCodeDivision.objects.filter(division=OuterRef("division")))
    official = (
        officials.select_related("division")
        .order_by(linked.desc(), "division__ocd_id", "pk")
        .first()
    )
    if official is None:
        return None, None
    found = officials_for(campaign, [official.division])
    return official.division, (found[0] if found else official)


def sample_delivery(campaign: Campaign) -> tuple[Delivery, list[SignerRow], Official | None]:
    """An unsaved delivery of the campaign's current letter text, as its first
    milestone would make it, with fictional signers."""
    division, official = _sample_area(campaign)
    rule = DeliveryRule.objects.filter(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL if division else DeliveryRule.Kind.NATIONAL
    ).first()
    size = (rule.batch_size if division else rule.every_n) if rule else 0
    size = min(size or 100, 100)
    letter = LetterVersion(
        campaign=campaign, number=0, subject=campaign.letter_subject, body=campaign.letter_body
    )
    delivery = Delivery(
        campaign=campaign,
        division=division,
        kind=Delivery.Kind.MILESTONE,
        milestone=1,
        letter_version=letter,
        first_number=1,
        signer_count=size,
        include_emails=bool(rule and rule.include_emails),
    )
    return delivery, sample_rows(size, division.name if division else "Springfield"), official


def preview_pdf(campaign: Campaign) -> bytes:
    delivery, rows, _official = sample_delivery(campaign)
    return render_pdf(delivery, rows)


def first_page_png(pdf: bytes) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=PNG_SCALE).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def attachment_names(message: EmailMultiAlternatives) -> list[str]:
    """The file names of a message's attachments, however each was attached."""
    names = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            names.append(attachment.get_filename() or "")
        else:
            names.append(attachment[0] or "")
    return names


def preview_email(campaign: Campaign) -> EmailMultiAlternatives:
    """The e-mail the first recipient would get, attachments included."""
    delivery, rows, official = sample_delivery(campaign)
    rendered = Rendered(pdf=render_pdf(delivery, rows), csv=render_csv(delivery, rows))
    delivery.pdf = rendered.pdf_base64
    delivery.csv = rendered.csv
    delivery.pdf_sha256 = rendered.pdf_sha256
    attempt = DeliveryAttempt(delivery=delivery, channel=DeliveryAttempt.Channel.EMAIL)
    if official is not None:
        recipient = official_recipient(official, "sample")
        attempt.name, attempt.office, attempt.address = (
            recipient.name,
            recipient.office,
            recipient.address if recipient.channel == "email" else "",
        )
    elif (target := campaign.targets.select_related("official").first()) is not None:
        attempt.name = target.name or str(target)
        attempt.office = ", ".join(part for part in (target.title, target.organisation) if part)
        attempt.address = target.email
    else:
        attempt.name = "The addressee"
    attempt.address = attempt.address or "addressee@example.org"
    return build_message(attempt)
