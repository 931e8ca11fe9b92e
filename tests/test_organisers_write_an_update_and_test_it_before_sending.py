"""An organiser writes an update, sees exactly whom it will reach, and sends
a test to themselves through a real SMTP server on loopback, before anything
goes to a supporter. Bad input is refused with its reason and saves nothing.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from undersigned.campaigns.models import Partner
from undersigned.privacy.models import AuditEntry
from undersigned.signatures import rights
from undersigned.signatures.models import Consent
from undersigned.staff.roles import Role
from undersigned.updates.actions import audience
from undersigned.updates.models import Update

from .conftest import make_campaign, process_counts
from .delivery_helpers import free_port, smtp_server  # noqa: F401 (the smtp fixture)
from .test_exports_hold_exactly_the_supporters_who_consented import consent, signer
from .workspace import account, districts, signed_in

pytestmark = pytest.mark.django_db


def supporters():
    """A campaign whose update goes to Ann (Somerville) and Ben (Cambridge)
    only: Cy agreed to hear from the partner alone, Di from nobody, Ed never
    confirmed, Fay took her consent back, Gus withdrew his signature."""
    areas = districts()
    campaign = make_campaign()
    network = Partner.objects.create(name="National Network")
    campaign.partners.add(network)
    organiser = consent(Consent.Kind.ORGANISER)
    somerville, cambridge = [areas["somerville"], areas["ma"]], [areas["cambridge"], areas["ma"]]
    signer(campaign, "Ann", somerville, [organiser])
    signer(campaign, "Ben", cambridge, [organiser])
    signer(campaign, "Cy", somerville, [consent("partner", network)])  # the partner only
    signer(campaign, "Di", somerville, [])
    signer(campaign, "Ed", somerville, [organiser], confirm=False)  # never confirmed
    rights.withdraw_consents(signer(campaign, "Fay", somerville, [organiser]))
    rights.withdraw(signer(campaign, "Gus", somerville, [organiser]))
    process_counts()  # as the worker does every second: the areas' tallies
    return campaign, areas


@pytest.fixture
def world():
    campaign, areas = supporters()
    client = signed_in(account(Role.ORGANISER, "organiser", email="organiser@example.org"))
    return campaign, areas, client


def write(client, campaign, **fields):
    data = {"subject": "We are close", "body": "Only **12** more signers.", "area": ""}
    data.update(fields)
    return client.post(reverse("organise:new_update", args=[campaign.pk]), data)


def test_the_audience_is_exactly_the_confirmed_signers_who_agreed(world):
    campaign, areas, _client = world
    names = lambda found: {s.first_name for s in found}  # noqa: E731
    assert names(audience(campaign)) == {"Ann", "Ben"}
    assert names(audience(campaign, areas["somerville"])) == {"Ann"}
    assert names(audience(campaign, areas["ma"])) == {"Ann", "Ben"}


def test_the_draft_shows_its_exact_recipient_count_for_its_area(world):
    campaign, areas, client = world
    response = write(client, campaign, area=str(areas["somerville"].pk))
    assert response.status_code == 302
    update = Update.objects.get()
    assert (update.written_by, update.area, update.sent_at) == (
        "organiser",
        areas["somerville"],
        None,
    )
    page = client.get(response["Location"]).content.decode()
    assert "It will go to 1 supporter</strong> in Somerville" in page
    assert "Only <strong>12</strong> more signers." in page
    client.post(response["Location"], {"subject": "Still close", "body": "Hi.", "area": ""})
    page = client.get(response["Location"]).content.decode()
    assert "It will go to 2 supporters</strong>:" in page


def test_a_test_reaches_the_organiser_alone_as_supporters_will_read_it(world, smtp):
    campaign, _areas, client = world
    page = write(client, campaign)["Location"]
    response = client.post(page + "test/")
    assert response.status_code == 302
    (message,) = smtp.received
    assert message["X-Test-Rcpt"] == "organiser@example.org"
    assert message["Subject"] == "[Test] We are close"
    assert message["List-Unsubscribe"].startswith("<http")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Only **12** more signers." in text and "Stop these e-mails" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<strong>12</strong>" in html
    entry = AuditEntry.objects.filter(action="update").get()
    assert (entry.actor, entry.detail["test"], entry.detail["recipients"]) == ("organiser", True, 1)
    assert Update.objects.get().sent_at is None  # a test sends nothing to supporters


def test_a_test_the_mail_server_would_not_take_is_said_plainly(world):
    campaign, _areas, client = world
    page = write(client, campaign)["Location"]
    closed = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
              "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": free_port(), "EMAIL_TIMEOUT": 2}  # fmt: skip
    with override_settings(**closed):
        response = client.post(page + "test/")
    assert response.status_code == 503
    assert "The mail server did not take the test message" in response.content.decode()
    assert not AuditEntry.objects.filter(action="update").exists()


def test_without_an_address_of_ones_own_no_test_is_sent(world, smtp):
    campaign, _areas, _client = world
    client = signed_in(account(Role.ORGANISER, "no-address"))
    page = write(client, campaign)["Location"]
    response = client.post(page + "test/")
    assert response.status_code == 400
    assert "Your account has no e-mail address" in response.content.decode()
    assert smtp.received == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"subject": ""}, "This field is required."),
        ({"body": ""}, "This field is required."),
        ({"subject": "x" * 151}, "Ensure this value has at most 150 characters"),
        ({"area": "999999"}, "Select a valid choice."),
        ({"area": "not a number"}, "Select a valid choice."),
    ],
)
def test_a_bad_update_is_refused_with_its_reason_and_saves_nothing(world, fields, reason):
    campaign, _areas, client = world
    response = write(client, campaign, **fields)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Update.objects.exists()


def test_an_area_with_no_signer_of_the_campaign_cannot_be_chosen(world):
    campaign, areas, client = world
    response = write(client, campaign, area=str(areas["east_bay"].pk))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Update.objects.exists()


def test_a_bad_edit_keeps_the_draft_as_it_was(world):
    campaign, _areas, client = world
    page = write(client, campaign)["Location"]
    response = client.post(page, {"subject": "", "body": "Changed", "area": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    update = Update.objects.get()
    assert (update.subject, update.body) == ("We are close", "Only **12** more signers.")
