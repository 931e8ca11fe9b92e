"""A picture organisers upload for shared links is served from our own origin
under its content hash, and link previews (Open Graph, Twitter) name it."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from undersigned.campaigns import actions
from undersigned.campaigns.models import Campaign
from undersigned.staff.roles import Role

from .conftest import make_campaign
from .workspace import account, signed_in

pytestmark = pytest.mark.django_db


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 630), "#c2410c").save(out, format="JPEG")
    return out.getvalue()


def meta(page: str, name: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', page)
    return match.group(1) if match else ""


def test_the_uploaded_picture_is_in_the_preview_tags_and_served_by_its_hash(client, settings):
    campaign = make_campaign(share_text="Tell them: no face surveillance.")
    organiser = signed_in(account(Role.ORGANISER, "organiser"))
    upload = SimpleUploadedFile("card.jpg", jpeg(), content_type="image/jpeg")
    response = organiser.post(
        reverse("organise:step_dates", args=[campaign.pk]),
        {"share_text": campaign.share_text, "image": upload},
    )
    assert response.status_code == 302

    page = client.get(campaign.get_absolute_url()).content.decode()
    image_url = meta(page, "og:image")
    assert image_url.startswith(settings.SITE_URL + f"/c/{campaign.slug}/picture/")
    assert image_url.endswith(".jpeg")
    assert meta(page, "twitter:image") == image_url
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:description") == "Tell them: no face surveillance."

    served = client.get(image_url.removeprefix(settings.SITE_URL))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served.content == jpeg()
    assert "immutable" in served["Cache-Control"]
    assert client.get(f"/c/{campaign.slug}/picture/0000000000000000.jpeg").status_code == 404


def test_without_a_picture_the_page_names_the_card_the_site_draws(client, settings):
    campaign = make_campaign()
    page = client.get(campaign.get_absolute_url()).content.decode()
    # The drawn card (tests/test_a_shared_link_shows_a_card_drawn_by_our_own_site.py).
    assert meta(page, "og:image").startswith(f"{settings.SITE_URL}/c/{campaign.slug}/share.png?v=")
    assert meta(page, "twitter:card") == "summary_large_image"


def test_a_draft_s_picture_is_not_public(client):
    campaign = make_campaign(status=Campaign.Status.DRAFT)
    image = actions.set_share_image(
        campaign, jpeg(), content_type="image/jpeg", width=1200, height=630, actor="t"
    )
    assert client.get(image.get_absolute_url()).status_code == 404


def test_an_organiser_may_upload_a_picture_larger_than_a_supporter_s_form():
    campaign = make_campaign()
    organiser = signed_in(account(Role.ORGANISER, "organiser"))
    out = io.BytesIO()
    Image.frombytes("RGB", (600, 400), os.urandom(600 * 400 * 3)).save(out, format="PNG")
    assert 64 * 1024 < len(out.getvalue()) < 2 * 1024 * 1024
    upload = SimpleUploadedFile("noise.png", out.getvalue(), content_type="image/png")
    response = organiser.post(reverse("organise:step_dates", args=[campaign.pk]), {"image": upload})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert bytes(campaign.uploaded_share_image.data) == out.getvalue()
    # A reviewer is no organiser: the same body is refused unread.
    reviewer = signed_in(account(Role.REVIEWER, "reviewer"))
    upload.seek(0)
    response = reviewer.post(reverse("organise:step_dates", args=[campaign.pk]), {"image": upload})
    assert response.status_code == 413
