# The en dash in the labels ("Signers 1 to 100" as printed) is the one letters use.
# ruff: noqa: RUF001
"""The builder shows the letter as a target receives it: the PDF (and its first
page as a picture) and the e-mail, rendered by the delivery code with sample
signers, served from our own origin; nothing is saved."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from undersigned.campaigns import actions
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.deliveries.preview import attachment_names, preview_email, preview_pdf
from undersigned.staff.roles import Role

from .workspace import account, districts, draft, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    districts()
    campaign = draft(
        letter_subject="End face surveillance",
        letter_body="Dear representative,\n\nPlease ban face surveillance.",
    )
    actions.set_target_rules(campaign, [actions.Rule("sldl", ("lower",))], actor="t")
    return campaign


def test_the_pdf_and_its_first_page_come_from_our_origin(campaign):
    client = signed_in(account(Role.ORGANISER, "organiser"))
    pdf = client.get(reverse("organise:letter_pdf", args=[campaign.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    png = client.get(reverse("organise:letter_png", args=[campaign.pk]))
    assert png["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as page:
        width, height = page.size
        # US Letter, portrait, at the preview's scale; and not a blank page.
        assert height / width == pytest.approx(11 / 8.5, rel=0.01)
        assert page.convert("L").getextrema()[0] < 100
    assert "private" in png["Cache-Control"]
    assert Delivery.objects.count() == 0 and DeliveryAttempt.objects.count() == 0


def test_the_email_is_the_delivery_email_to_a_reachable_area_with_sample_signers(campaign):
    message = preview_email(campaign)
    assert message.to == ['"Robin Example (fictional)" <rep.1st@example.org>']
    assert message.subject == "End face surveillance — Signers 1–100 from 1st Middlesex, MA"
    assert "Please ban face surveillance." in message.body
    assert "100 signers (milestone 1)" in message.body
    assert attachment_names(message) == [
        "draft-letter-1st-middlesex-ma-1-100.pdf",
        "draft-letter-1st-middlesex-ma-1-100.csv",
    ]
    csv = message.attachments[1].get_payload(decode=True).decode()
    assert csv.count("(sample)") == 100


def test_the_batch_size_sets_the_sample(campaign):
    actions.set_delivery(
        campaign, actor="t", batch_size=25, every_n=0, deliver_at_goal=True,
        deliver_on_close=True, include_emails=False,
    )  # fmt: skip
    assert "Signers 1–25 from 1st Middlesex, MA" in preview_email(campaign).subject
    assert preview_pdf(campaign).startswith(b"%PDF")


def test_the_letter_step_shows_the_preview_once_a_letter_is_saved(campaign):
    client = signed_in(account(Role.ORGANISER, "organiser"))
    page = client.get(reverse("organise:step_letter", args=[campaign.pk])).content.decode()
    assert reverse("organise:letter_png", args=[campaign.pk]) in page
    assert "rep.1st@example.org" in page and "(sample)" not in page
    assert "End face surveillance — Signers 1–100 from 1st Middlesex, MA" in page
