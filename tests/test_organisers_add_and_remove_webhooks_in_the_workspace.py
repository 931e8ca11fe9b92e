"""Organisers add a webhook for their organisation or a partner, see its
signing secret once, replace it, turn the endpoint off and on, and remove it.
Every change is in the audit log, and no secret ever is."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from undersigned.campaigns.models import Partner
from undersigned.integrations import hooks
from undersigned.integrations.models import WebhookEndpoint
from undersigned.privacy.models import AuditEntry
from undersigned.staff.roles import Role

from .workspace import account, signed_in

pytestmark = pytest.mark.django_db

SHOWN = ["url", "label", "partner", "events", "enabled", "disabled_at"]
SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]{44})"')


@pytest.fixture
def organiser(db):
    return signed_in(account(Role.ORGANISER, "organiser"))


def add(organiser, **fields):
    data = {
        "label": "A's CRM",
        "url": "https://CRM.Example.org/hooks/us",
        "events": ["signature.confirmed", "signature.erased"],
        **fields,
    }
    return organiser.post(reverse("organise:webhooks"), data)


def test_the_secret_is_shown_once_and_signs_with_the_endpoint(organiser):
    partner = Partner.objects.create(name="Partner A")
    response = add(organiser, partner=partner.pk)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    [secret] = SECRET.findall(response.content.decode())
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.partner, endpoint.url, endpoint.events, endpoint.created_by) == (
        partner,
        "https://crm.example.org/hooks/us",
        ["signature.confirmed", "signature.erased"],
        "organiser",
    )
    assert endpoint.secret == secret
    body = b'{"type":"signature.erased"}'
    assert hooks.signature(endpoint.secret, "id", 1, body) == hooks.signature(secret, "id", 1, body)
    listing = organiser.get(reverse("organise:webhooks")).content.decode()
    page = organiser.get(reverse("organise:webhook", args=[endpoint.pk])).content.decode()
    assert "A&#x27;s CRM" in listing and "Partner A" in page
    assert secret not in listing and secret not in page
    entry = AuditEntry.objects.get(action="webhook")
    assert (entry.actor, entry.detail["made"], entry.detail["partner"]) == (
        "organiser",
        str(endpoint.pk),
        partner.pk,
    )
    assert secret not in str(AuditEntry.objects.values_list("detail", flat=True))


def test_replacing_the_secret_shows_the_new_one_once(organiser):
    add(organiser)
    endpoint = WebhookEndpoint.objects.get()
    old = endpoint.secret
    url = reverse("organise:webhook", args=[endpoint.pk])
    response = organiser.post(url, {"action": "secret"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    [new] = SECRET.findall(response.content.decode())
    endpoint.refresh_from_db()
    assert endpoint.secret == new != old
    assert new not in organiser.get(url).content.decode()
    assert AuditEntry.objects.filter(action="webhook", detail__new_secret=str(endpoint.pk)).exists()


def test_off_and_on_again(organiser):
    add(organiser)
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("organise:webhook", args=[endpoint.pk])
    assert organiser.post(url, {"action": "off"}).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_why == "turned off by organiser"
    assert "Off since" in organiser.get(url).content.decode()
    organiser.post(url, {"action": "on"})
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.disabled_at is None
    changes = AuditEntry.objects.filter(action="webhook").values_list("detail", flat=True)
    assert [sorted(detail) for detail in changes][1:] == [["off"], ["on"]]


def test_removing_it_leaves_nothing_and_is_audited(organiser):
    add(organiser)
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("organise:webhook", args=[endpoint.pk])
    response = organiser.post(url, {"action": "remove"})
    assert response.status_code == 302 and response["Location"] == reverse("organise:webhooks")
    assert not WebhookEndpoint.objects.exists()
    assert organiser.get(url).status_code == 404
    removed = AuditEntry.objects.get(action="webhook", detail__removed=str(endpoint.pk))
    assert removed.detail["url"] == "https://crm.example.org/hooks/us"


def test_an_unknown_action_is_a_400_and_changes_nothing(organiser):
    add(organiser)
    endpoint = WebhookEndpoint.objects.get()
    before = (list(WebhookEndpoint.objects.values(*SHOWN)), endpoint.secret)
    response = organiser.post(reverse("organise:webhook", args=[endpoint.pk]), {"action": "x"})
    assert response.status_code == 400
    after = WebhookEndpoint.objects.get()
    assert (list(WebhookEndpoint.objects.values(*SHOWN)), after.secret) == before


@pytest.mark.parametrize("delivery", ["", "not-a-uuid", "01a2428e-9495-7c06-9a7d-dded53e90b30"])
def test_sending_again_a_delivery_it_does_not_have_is_a_404(organiser, delivery):
    add(organiser)
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("organise:webhook", args=[endpoint.pk])
    response = organiser.post(url, {"action": "retry", "delivery": delivery})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="webhook", detail__has_key="retry").exists()
