"""HEAD, which link checkers, monitors and some browsers send, answers like GET
on every public page: the same status and headers, no body, never a 405, and
it changes nothing (a HEAD on a confirmation link confirms nothing)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from undersigned.areas.models import PostalCodeDivision
from undersigned.campaigns.actions import set_share_image
from undersigned.deliveries.models import Delivery
from undersigned.signatures import rights
from undersigned.signatures.actions import SignerDetails, sign
from undersigned.signatures.links import confirm_url
from undersigned.signatures.models import Signature

from .conftest import run_worker
from .delivery_helpers import bulk_confirmed, local_campaign, places

pytestmark = pytest.mark.django_db

# A one-pixel PNG, as an organiser's share picture.
PICTURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000001010100189dd5d40000000049454e44ae426082"
)
# Pages that only take a POST: a HEAD there is a 405, as a GET is.
POST_ONLY = {"sign", "forget_device", "embed_sign"}
# The API's answers need a key: HEAD is held to GET's for each of them, key by
# key, in test_each_api_key_sees_exactly_its_own_supporters.py.
API_V1 = "api_v1"


def public_url_names() -> set[str]:
    names = set()

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                # The staff's doors: the admin, and the workspace (tested in
                # test_every_workspace_page_answers_each_role_as_it_should.py).
                if pattern.namespace not in {"admin", "organise"}:
                    walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return {name for name in names if not name.startswith(API_V1)}


@pytest.fixture
def pages(tmp_path) -> dict[str, str]:
    """A real URL for every public page: a live campaign with a delivery, a
    pending signer's private links, a message in the demo's outbox."""
    somerville, _ = places()
    PostalCodeDivision.objects.create(country="US", postal_code="02143", division=somerville)
    campaign = local_campaign()
    bulk_confirmed(campaign, somerville, 100)
    run_worker()
    pending = sign(
        campaign, SignerDetails(email="pending@example.org", first_name="Pat", postal_code="02143")
    ).signature
    (tmp_path / "1-message.eml").write_bytes(
        b"Subject: Hello\r\nTo: a@example.org\r\n\r\nA demo message.\r\n"
    )
    slug = campaign.slug
    return {
        "home": reverse("home"),
        "campaign": reverse("campaign", args=[slug]),
        "thanks": reverse("thanks", args=[slug]),
        "share_image": reverse("share_image", args=[slug]),
        "areas": reverse("areas", args=[slug]),
        "find_area": reverse("find_area", args=[slug]) + "?postal_code=02143",
        "area": reverse("area", args=[slug, "country:us/state:ma/place:somerville"]),
        "confirm": urlsplit(confirm_url(pending)).path,
        "manage": urlsplit(rights.manage_url(pending)).path,
        "unsubscribe": urlsplit(rights.unsubscribe_url(pending)).path,
        "receipt": Delivery.objects.get().get_absolute_url(),
        "api_count": reverse("api_count", args=[slug]),
        "api_area_lookup": reverse("api_area_lookup") + "?country=US&postal_code=02143",
        "api_areas": reverse("api_areas", args=[slug]),
        "outbox": reverse("outbox"),
        "outbox_message": reverse("outbox_message", args=["1-message.eml"]),
        "embed_form": reverse("embed_form", args=[slug]),
        "embed_badge": reverse("embed_badge", args=[slug]),
        "embed_badge_svg": reverse("embed_badge_svg", args=[slug]),
        "share_picture": set_share_image(
            campaign, PICTURE, content_type="image/png", width=1, height=1, actor="test"
        ).get_absolute_url(),
    }


def test_every_public_page_is_covered(pages):
    assert set(pages) == public_url_names() - POST_ONLY


def test_head_gets_what_get_gets_without_the_body(pages, tmp_path):
    client = Client()
    wrong = []
    with override_settings(DEMO=True, MAIL_DIR=tmp_path):
        for name, url in pages.items():
            got = client.get(url)
            head = client.head(url)
            if got.status_code not in {200, 302}:  # one area for the code: sent straight there
                wrong.append(f"{name}: GET {got.status_code}")
            if head.status_code != got.status_code:
                wrong.append(f"{name}: HEAD {head.status_code}, GET {got.status_code}")
            if head.content:
                wrong.append(f"{name}: HEAD has a body")
            if head.get("Content-Type") != got.get("Content-Type"):
                wrong.append(f"{name}: HEAD's Content-Type differs")
    assert wrong == [], "\n".join(wrong)


def test_a_head_on_a_confirmation_link_confirms_nothing(pages):
    assert Client().head(pages["confirm"]).status_code == 200
    assert Client().head(pages["unsubscribe"]).status_code == 200
    pending = Signature.objects.get(status=Signature.Status.PENDING)
    assert pending.consents.filter(withdrawn_at__isnull=False).count() == 0


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_pages_refuse_head_as_they_refuse_get(name):
    url = reverse(name, args=["x"]) if name in {"sign", "embed_sign"} else reverse(name)
    assert Client().head(url).status_code == 405
