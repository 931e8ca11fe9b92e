"""A staff account reaches only what its model permissions allow.

Being staff (and passing the second factor) opens the admin's door, nothing
more: every admin URL, the custom ones included (the printable pack with
signers' names, "Deliver now", the importers), asks for the permission of its
model. The URLs are read from the admin's URL resolver, not listed by hand,
so a view added later without a check fails here.
"""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from undersigned.abuse.models import ListRule
from undersigned.areas.models import PostalCodeDivision
from undersigned.campaigns.models import Campaign, Partner
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.outgoing.workers import beat
from undersigned.participation.models import LocalGroup
from undersigned.signatures.actions import SignerDetails, remember_device, sign
from undersigned.signatures.models import Signature

from .conftest import make_campaign, run_worker, signed_in_with_second_factor
from .delivery_helpers import bulk_confirmed, lawmaker, local_campaign, places

pytestmark = pytest.mark.django_db

# What any staff member may open without a model permission: their own
# account and the admin's furniture, none of which shows a row of data.
OWN_ACCOUNT = {
    "index": "the home page, saying there is nothing to see",
    "login": "already signed in: sent on to the home page",
    "logout": "signing oneself out",
    "password_change": "one's own password",
    "password_change_done": "one's own password",
    "jsi18n": "the admin's translated interface strings",
}
# What a signer's name looks like in the data below.
SIGNER_NAME = re.compile(r"Bulk\d+ Example|Bulk\d+ E\.")


@pytest.fixture
def world():
    """A row of every kind the admin shows, with a delivery that has a pack to print."""
    somerville, _ = places()
    lawmaker(somerville, "Council Fictional", "council", postal="93 Highland Ave\nSomerville, MA")
    campaign = local_campaign()
    bulk_confirmed(campaign, somerville, 100)
    signed = sign(campaign, SignerDetails(email="bulk100@example.org", first_name="Bulk100",
                                          last_name="Example", postal_code="02143"))  # fmt: skip
    remember_device(signed.signature)
    run_worker()
    make_campaign(slug="a-draft", title="A draft", status=Campaign.Status.DRAFT)
    partner = Partner.objects.create(name="Partner Org", url="https://partner.example.org/")
    PostalCodeDivision.objects.create(country="US", postal_code="02143", division=somerville)
    LocalGroup.objects.create(partner=partner, division=somerville, name="Somerville group")
    ListRule.objects.create(kind=ListRule.Kind.EMAIL_DOMAIN, pattern="spam.example.org")
    Group.objects.create(name="Reviewers")
    AccessAttempt.objects.create(username="someone", ip_address="192.0.2.1", failures_since_start=1)
    AccessLog.objects.create(username="someone", ip_address="192.0.2.1")
    AccessFailureLog.objects.create(username="someone", ip_address="192.0.2.1")
    beat("a-worker", started_at=timezone.now(), every=5.0)
    assert Delivery.objects.count() == 1


@pytest.fixture
def no_permission_client(django_user_model):
    user = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    return signed_in_with_second_factor(user)


def model_admin_of(callback):
    """The ModelAdmin behind an admin URL's view, if it is one of its views."""
    found = getattr(callback, "model_admin", None)
    wrapped = getattr(callback, "__wrapped__", None)
    found = found or getattr(wrapped, "__self__", None)
    return found if isinstance(found, admin.ModelAdmin) else None


def an_id_for(model) -> str:
    row = model._default_manager.order_by("pk").first()
    return str(row.pk) if row is not None else "1"


def admin_urls() -> list[tuple[str, str]]:
    """(name, URL) of every URL under /admin/, arguments filled with real rows' ids."""
    (site,) = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "admin"]
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            assert isinstance(pattern, URLPattern)
            found.extend(concrete(pattern, prefix))

    walk(site.url_patterns, "/" + str(site.pattern))
    return found


def concrete(pattern: URLPattern, prefix: str) -> list[tuple[str, str]]:
    name = pattern.name or f"unnamed {pattern.pattern}"
    route = str(pattern.pattern)
    if isinstance(pattern.pattern, RegexPattern):  # the app pages and the catch-all
        labels = re.search(r"\(\?P<app_label>([^)]*)\)", route)
        if labels:
            return [(name, reverse("admin:app_list", args=[label]))
                    for label in labels.group(1).split("|")]  # fmt: skip
        return [(name, prefix + "no-such-page/")]
    model_admin = model_admin_of(pattern.callback)
    model = model_admin.model if model_admin else None

    def value(match: re.Match) -> str:
        argument = match.group(1)
        if argument == "content_type_id":
            return str(ContentType.objects.get_for_model(Campaign).pk)
        if name == "view_on_site":
            return str(Campaign.objects.get(slug="a-draft").pk)
        assert model is not None, f"{name}: no model for <{argument}>"
        return an_id_for(model)

    return [(name, prefix + re.sub(r"<(?:\w+:)?(\w+)>", value, route))]


def why_not_refused(response, url: str) -> str:
    """'' if refused (403, 404, 405 or the login page, never a row of data or a
    file), else what was wrong."""
    final = response.redirect_chain[-1][0] if response.redirect_chain else url
    to_login = final.startswith(reverse("admin:login"))
    if response.status_code not in {403, 404, 405} and not to_login:
        return f"answered {response.status_code} after {response.redirect_chain}"
    if "attachment" in response.get("Content-Disposition", ""):
        return "gave a file"
    body = response.content.decode(errors="replace")
    if SIGNER_NAME.search(body):
        return "showed a signer"
    if "A draft" in body:
        return "showed the draft campaign"
    return ""


def test_every_admin_url_refuses_a_staff_account_without_permissions(world, no_permission_client):
    urls = admin_urls()
    names = {name for name, _ in urls}
    # The walk found the custom views too: the two, and the importers.
    assert {"deliveries_delivery_pack", "deliveries_delivery_deliver_now",
            "areas_division_import", "signatures_signature_changelist"} <= names  # fmt: skip
    assert len(urls) > 100
    for model in admin.site._registry:
        assert model._default_manager.exists(), f"no {model.__name__} to try"
    wrong = []
    for name, url in urls:
        if name in OWN_ACCOUNT:
            continue
        for method in ("get", "post"):
            response = getattr(no_permission_client, method)(url, follow=True)
            if problem := why_not_refused(response, url):
                wrong.append(f"{method.upper()} {url} ({name}) {problem}")
    assert wrong == [], "\n".join(wrong)
    assert DeliveryAttempt.objects.get().state == DeliveryAttempt.State.AWAITING_MAILING
    assert Delivery.objects.count() == 1
    assert Signature.objects.filter(status=Signature.Status.CONFIRMED).count() == 100


def test_the_admin_home_page_shows_such_an_account_nothing(world, no_permission_client):
    page = no_permission_client.get(reverse("admin:index"))
    assert page.status_code == 200
    assert "have permission to view or edit anything" in page.content.decode()


def test_the_draft_campaign_stays_hidden_from_staff_without_the_campaign_permission(
    world, no_permission_client
):
    for name in ("campaign", "thanks", "areas"):
        url = reverse(name, args=["a-draft"])
        assert no_permission_client.get(url).status_code == 404, name


def test_a_draft_needs_the_second_factor_as_well_as_the_permission(world, django_user_model):
    user = django_user_model.objects.create_user("organiser", password="pw", is_staff=True)
    grant(user, "view_campaign")
    password_only = Client()
    password_only.force_login(user)
    assert password_only.get(reverse("campaign", args=["a-draft"])).status_code == 404
    both = signed_in_with_second_factor(user)
    assert both.get(reverse("campaign", args=["a-draft"])).status_code == 200


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def viewer(django_user_model):
    """Staff who may look at deliveries and the review queue, but change nothing."""
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    grant(user, "view_delivery", "view_reviewsignature")
    return user


def post_action(client, changelist: str, action: str, ids) -> None:
    client.post(
        reverse(changelist),
        {"action": action, "_selected_action": [str(pk) for pk in ids], "confirmed": "yes"},
        follow=True,
    )


def test_staff_who_may_only_look_cannot_run_the_actions_that_change_or_export(world, viewer):
    client = signed_in_with_second_factor(viewer)
    delivery = Delivery.objects.get()
    assert client.get(reverse("admin:deliveries_delivery_changelist")).status_code == 200
    for action in ("retry_failed", "mark_mailed", "look_up_recipients_again"):
        post_action(client, "admin:deliveries_delivery_changelist", action, [delivery.pk])
    response = client.post(
        reverse("admin:deliveries_delivery_changelist"),
        {"action": "download_pack", "_selected_action": [str(delivery.pk)]},
    )
    assert response.get("Content-Type") != "application/pdf"
    pack = client.get(reverse("admin:deliveries_delivery_pack", args=[delivery.pk]))
    assert pack.status_code == 403
    assert client.post(reverse("admin:deliveries_delivery_deliver_now"), {}).status_code == 403
    assert DeliveryAttempt.objects.get().state == DeliveryAttempt.State.AWAITING_MAILING

    ids = list(Signature.objects.values_list("pk", flat=True)[:5])
    for action in ("invalidate_selected", "quarantine_selected"):
        post_action(client, "admin:abuse_reviewsignature_changelist", action, ids)
    assert Signature.objects.filter(status=Signature.Status.CONFIRMED).count() == 100


def test_staff_with_the_permissions_still_can(world, viewer):
    grant(viewer, "change_delivery", "view_signature")
    client = signed_in_with_second_factor(viewer)
    delivery = Delivery.objects.get()
    pack = client.get(reverse("admin:deliveries_delivery_pack", args=[delivery.pk]))
    assert pack.status_code == 200 and pack["Content-Type"] == "application/pdf"
    assert client.get(reverse("admin:deliveries_delivery_deliver_now")).status_code == 200
    post_action(client, "admin:deliveries_delivery_changelist", "mark_mailed", [delivery.pk])
    assert DeliveryAttempt.objects.get().state == DeliveryAttempt.State.SENT
