"""Being listed on an area page is the signer's choice: a box on the form, never
ticked for them. Only confirmed signers who ticked it appear, and only as first
name, last initial and city."""

from __future__ import annotations

import pytest
from django.conf import settings

from undersigned.abuse.actions import invalidate, quarantine
from undersigned.participation.queries import area_url
from undersigned.signatures import rights
from undersigned.signatures.models import Signature

from .area_pages import bulk_signers, publish_now, signer
from .conftest import form_data

pytestmark = pytest.mark.django_db

LABEL = "List my first name and city on this campaign&#x27;s page for my area"


def test_the_sign_form_offers_the_listing_unticked(client, letter):
    page = client.get(letter.get_absolute_url()).content.decode()

    assert LABEL in page
    box = page[page.index('name="listed"') - 200 : page.index('name="listed"') + 200]
    assert 'type="checkbox"' in box
    assert "checked" not in box


def test_ticking_the_box_lists_the_signer_and_leaving_it_does_not(client, letter):
    client.post(f"/c/{letter.slug}/sign/", form_data(listed="on"))
    client.post(f"/c/{letter.slug}/sign/", form_data(email="other@example.org", first_name="Other"))

    listed = {signature.first_name: signature.listed for signature in Signature.objects.all()}
    assert listed == {"Jane": True, "Other": False}


def test_only_confirmed_signers_who_asked_are_listed_by_first_name_and_initial(
    client, letter, areas
):
    somerville = [areas["somerville"], areas["ma"]]
    # Enough confirmed signers for the area to be public; none of them asked.
    bulk_signers(letter, somerville, 10)
    signer(letter, somerville, 1, first="Alice", last="Listed", listed=True)
    signer(letter, somerville, 2, first="Bob", last="Unlisted", listed=False)
    signer(letter, somerville, 3, first="Carol", last="Pending", listed=True, confirm=False)
    withdrawn = signer(letter, somerville, 4, first="Dan", last="Withdrawn", listed=True)
    rights.withdraw(withdrawn)
    invalid = signer(letter, somerville, 5, first="Erin", last="Invalid", listed=True)
    invalidate(Signature.objects.filter(pk=invalid.pk), actor="staff")
    held = signer(letter, somerville, 6, first="Frank", last="Held", listed=True)
    quarantine(Signature.objects.filter(pk=held.pk), actor="staff")
    erased = signer(letter, somerville, 7, first="Grace", last="Erased", listed=True)
    rights.erase(erased)
    signer(letter, somerville, 8, first="Heidi", last="Zed", listed=True)
    publish_now(letter)

    page = client.get(area_url(letter, areas["somerville"])).content.decode()
    state = client.get(area_url(letter, areas["ma"])).content.decode()

    start = page.index('class="participants"')
    people = page[start : page.index("</ul>", start)]
    assert "<li>Alice L.</li>" in people
    assert "<li>Heidi Z.</li>" in people
    assert people.count("<li>") == 2
    for hidden in ["Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Bulk"]:
        assert hidden not in page
    # Never a last name, an e-mail address or a postal code.
    for private in ["Listed", "Zed", "example.org", "02143", "person1"]:
        assert private not in people
    assert "@example.org" not in page
    # On the state's page, a listed signer's city is shown beside the name.
    assert "<li>Alice L., Somerville</li>" in state


def test_a_listed_signer_who_withdraws_disappears_at_once(client, letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, somerville, 10)
    alice = signer(letter, somerville, 1, first="Alice", last="Listed", listed=True)
    publish_now(letter)
    assert "Alice L." in client.get(area_url(letter, areas["somerville"])).content.decode()

    rights.withdraw(alice)

    assert "Alice L." not in client.get(area_url(letter, areas["somerville"])).content.decode()


def test_erasing_a_signature_also_takes_back_the_wish_to_be_listed(letter, areas):
    erased = signer(letter, [areas["somerville"]], 1, listed=True)

    rights.erase(erased)

    erased.refresh_from_db()
    assert erased.listed is False


def test_a_listed_signer_can_stop_being_listed_from_their_private_page(client, letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, somerville, 10)
    alice = signer(letter, somerville, 1, first="Alice", last="Listed", listed=True)
    publish_now(letter)
    manage = rights.manage_url(alice).removeprefix(settings.SITE_URL)
    assert "Stop listing me" in client.get(manage).content.decode()

    client.post(manage, {"action": "unlist"})

    assert "Alice L." not in client.get(area_url(letter, areas["somerville"])).content.decode()
    assert client.get(manage, {"format": "json"}).json()["listed_on_area_page"] is False
