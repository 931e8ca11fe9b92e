"""Bad input on every workspace form: a 400 naming the problem, and nothing saved."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from undersigned.areas.models import TargetRule
from undersigned.campaigns import actions
from undersigned.campaigns.models import Campaign, DeliveryRule, LetterVersion, Partner, Target
from undersigned.integrations.models import ApiKey, EmbedOrigin, WebhookEndpoint
from undersigned.participation.models import LocalGroup
from undersigned.privacy.models import AuditEntry
from undersigned.staff.roles import Role

from .workspace import account, districts, draft, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db):
    districts()
    campaign = draft()
    actions.set_target_rules(campaign, [actions.Rule("sldl", ("lower",))], actor="t")
    partner = Partner.objects.create(name="Local Group Network")
    campaign.partners.add(partner)
    return signed_in(account(Role.ORGANISER, "organiser")), campaign


HOOK = {"label": "CRM", "url": "https://crm.example.org/hook", "events": ["signature.confirmed"]}


def state() -> tuple:
    """Everything a workspace form could write."""
    campaigns = list(Campaign.objects.order_by("pk").values())
    for row in campaigns:
        row.pop("updated_at")
    return (
        campaigns,
        list(LetterVersion.objects.values_list("campaign_id", "number", "subject", "body")),
        list(TargetRule.objects.values_list("campaign_id", "division_type", "roles")),
        list(DeliveryRule.objects.values_list("campaign_id", "kind", "batch_size", "every_n")),
        list(Target.objects.values_list("pk", flat=True)),
        list(Partner.objects.values_list("pk", "name")),
        list(LocalGroup.objects.values_list("pk", flat=True)),
        list(ApiKey.objects.values_list("pk", flat=True)),
        list(EmbedOrigin.objects.values_list("origin", flat=True)),
        list(WebhookEndpoint.objects.values_list("pk", flat=True)),
        AuditEntry.objects.count(),
    )


def png(size=(600, 315)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#0b5d4b").save(out, format="PNG")
    return out.getvalue()


def cases(campaign):
    step = lambda name: reverse(f"organise:step_{name}", args=[campaign.pk])  # noqa: E731
    basics = {
        "title": "T", "summary": "S", "body": "B", "organisation": "O", "kind": "letter",
        "goal": "100",
    }  # fmt: skip
    form = {
        "first_name_field": "required", "last_name_field": "off", "postal_code_field": "required",
        "street_address_field": "off", "phone_field": "off", "comment_field": "off",
        "area_threshold": "10", "country": "US",
    }  # fmt: skip
    return [
        (reverse("organise:new_campaign"), {**basics, "title": ""}, "This field is required."),
        (
            reverse("organise:new_campaign"),
            {**basics, "slug": "draft-letter"},
            "Another campaign has this address.",
        ),
        (
            reverse("organise:new_campaign"),
            {**basics, "goal": "0"},
            "Ensure this value is greater than or equal to 1.",
        ),
        (step("basics"), {**basics, "slug": "not a slug!"}, "Enter a valid"),
        (step("letter"), {"letter_subject": "", "letter_body": "x"}, "This field is required."),
        (step("targets"), {"action": "rules", "types": ["nonsense"]}, "Select a valid choice."),
        (
            step("targets"),
            {"action": "add_typed", "name": "Someone"},
            "Give an e-mail or a postal address",
        ),
        (
            step("targets"),
            {"action": "add_typed", "name": "X", "email": "not-an-address"},
            "Enter a valid email address.",
        ),
        (
            step("targets"),
            {"action": "add_official", "official": "999999"},
            "Choose an official from the search results.",
        ),
        (step("targets"), {"action": "remove", "target": "abc"}, ""),
        (step("delivery"), {"batch_size": "0"}, "Ensure this value is greater than or equal to 1."),
        (step("delivery"), {"batch_size": "many"}, "Enter a whole number."),
        (step("form"), {**form, "first_name_field": "sometimes"}, "Select a valid choice."),
        (step("form"), {**form, "country": "U1"}, "Enter a two-letter country code"),
        (step("partners"), {"action": "partners", "partners": ["999"]}, "Select a valid choice."),
        (
            step("partners"),
            {"action": "new_partner", "name": "", "url": "x"},
            "This field is required.",
        ),
        (
            step("partners"),
            {
                "action": "local_group",
                "partner": str(Partner.objects.get().pk),
                "area": "Atlantis",
                "email": "group@example.org",
            },
            "No area of that name or id.",
        ),
        (
            step("partners"),
            {
                "action": "local_group",
                "partner": str(Partner.objects.get().pk),
                "area": "Somerville",
            },
            "Say how people can reach the group",
        ),
        (
            step("dates"),
            {"opens_at": "2030-05-02T10:00", "closes_at": "2030-05-01T10:00"},
            "The campaign must close after it opens.",
        ),
        (step("dates"), {"opens_at": "tomorrow"}, "Enter a valid date/time."),
        (
            step("dates"),
            {"image": SimpleUploadedFile("x.png", b"not a picture")},
            "This file is not a picture we can use.",
        ),
        (
            step("dates"),
            {"image": SimpleUploadedFile("x.png", png((20, 20)))},
            "between 100 and 4096 pixels",
        ),
        (
            step("dates"),
            {"image": SimpleUploadedFile("x.png", b"\0" * (2 * 1024 * 1024 + 1))},
            "larger than 2 MB",
        ),
        (reverse("organise:review"), {"decision": "delete everything"}, "Choose a decision."),
        (reverse("organise:keys"), {"label": "", "scopes": ["campaigns:read"]}, "required"),
        (reverse("organise:keys"), {"label": "K", "scopes": ["everything"]}, "Select a valid"),
        (
            reverse("organise:keys"),
            {"label": "K", "scopes": ["campaigns:read"], "vouch": "on"},
            "Only a key that records signatures can vouch.",
        ),
        (reverse("organise:keys"), {"label": "K", "partner": "999"}, "Select a valid choice."),
        (reverse("organise:webhooks"), {**HOOK, "url": "http://crm.example.org/"}, "https://"),
        (reverse("organise:webhooks"), {**HOOK, "url": "https://10.0.0.1/"}, "domain name"),
        (reverse("organise:webhooks"), {**HOOK, "events": ["everything"]}, "Select a valid"),
        (reverse("organise:webhooks"), {**HOOK, "events": []}, "required"),
        (reverse("organise:webhooks"), {**HOOK, "label": ""}, "required"),
        (
            reverse("organise:embedding", args=[campaign.pk]),
            {"origins": "https://ok.example.org\nhttp://partner.example.org"},
            "must start with https://",
        ),
        (
            reverse("organise:embedding", args=[campaign.pk]),
            {"origins": "https://partner.example.org/page"},
            "nothing after it",
        ),
        (
            reverse("organise:embedding", args=[campaign.pk]),
            {"origins": "https://*.example.org"},
            "is not a web site",
        ),
    ]


def test_every_bad_submission_is_a_400_with_its_reason_and_saves_nothing(setup):
    client, campaign = setup
    before = state()
    for url, data, reason in cases(campaign):
        response = client.post(url, data)
        assert response.status_code == 400, (url, data, response.status_code)
        if reason:
            assert reason in response.content.decode(), (url, reason)
        assert state() == before, (url, data)


def test_a_wrong_password_is_a_400_and_signs_nobody_in(setup, client):
    response = client.post(
        reverse("organise:sign_in"), {"username": "organiser", "password": "wrong"}
    )
    assert response.status_code == 400
    assert (
        "Please enter a correct username, password and one-time code" in response.content.decode()
    )
    assert client.get(reverse("organise:campaigns")).status_code == 302


def test_good_input_on_the_same_forms_is_saved_and_audited(setup):
    client, campaign = setup
    url = reverse("organise:step_dates", args=[campaign.pk])
    response = client.post(
        url,
        {
            "opens_at": "2030-05-01T10:00",
            "closes_at": "2030-06-01T10:00",
            "share_text": "Sign it",
            "image": SimpleUploadedFile("card.png", png()),
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.closes_at.year == 2030 and campaign.share_text == "Sign it"
    image = campaign.uploaded_share_image
    assert (image.width, image.height, image.content_type) == (600, 315, "image/png")
    steps = list(
        AuditEntry.objects.filter(action="campaign_edit").values_list("detail__step", flat=True)
    )
    assert steps[-2:] == ["dates", "sharing"]
    assert timezone.is_aware(campaign.opens_at)
