"""An internationalised e-mail domain is read by IDNA 2008, as mail servers and
registries read it: `faß.de` is `xn--fa-hia.de`, a domain of its own, not
`fass.de` (IDNA 2003's answer, which Python's "idna" codec still gives), so
mail for a signer or a lawmaker at `faß.de` never goes to another registrant,
and two people at the two domains are two signers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from undersigned.addresses import ascii_address
from undersigned.areas.models import ContactPoint
from undersigned.privacy.identity import email_digest, normalise_email
from undersigned.signatures.models import Signature

from .conftest import form_data, run_worker
from .delivery_helpers import bulk_confirmed, lawmaker, local_campaign, places, smtp_server

smtp = smtp_server  # the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "delivered_to"),
    [
        ("jane@faß.de", "jane@xn--fa-hia.de"),
        ("Jane@FAß.DE", "Jane@xn--fa-hia.de"),
        ("jane@fass.de", "jane@fass.de"),
        ("jane@ｅｘａｍｐｌｅ.org", "jane@example.org"),  # noqa: RUF001 (fullwidth, on purpose)
        ("jane@bücher.example", "jane@xn--bcher-kva.example"),
        ("jane@xn--fa-hia.de", "jane@xn--fa-hia.de"),
    ],
)
def test_mail_goes_to_the_idna_2008_form_of_the_domain(typed, delivered_to):
    assert ascii_address(typed) == delivered_to


def test_the_duplicate_key_tells_fass_from_fass_with_sharp_s():
    assert normalise_email("jane@faß.de") == "jane@xn--fa-hia.de"
    assert normalise_email("jane@fass.de") == "jane@fass.de"
    assert email_digest("jane@faß.de") != email_digest("jane@fass.de")
    # One mailbox, however its domain is spelt, is still one key.
    assert email_digest("Jane@FAß.de") == email_digest("jane@xn--fa-hia.de")


def test_two_signers_at_the_two_domains_are_two_signatures_and_each_gets_their_mail(
    client, campaign, smtp
):
    for address in ("jane@faß.de", "jane@fass.de"):
        response = client.post(reverse("sign", args=[campaign.slug]), form_data(email=address))
        assert response.status_code == 200
    assert Signature.objects.filter(campaign=campaign).count() == 2
    run_worker()
    recipients = sorted(message["X-Test-Rcpt"] for message in smtp.received)
    assert recipients == ["jane@fass.de", "jane@xn--fa-hia.de"]
    subjects = {message["Subject"].split(":")[0] for message in smtp.received}
    assert subjects == {"Please confirm your signature"}


def test_a_letter_to_a_lawmaker_at_an_international_domain_goes_to_that_domain(smtp):
    somerville, _ = places()
    official = lawmaker(somerville, "Mayor Fictional", "mayor")
    ContactPoint.objects.create(
        official=official, kind=ContactPoint.Kind.EMAIL, value="buero@straße.example",
        for_delivery=True,
    )  # fmt: skip
    bulk_confirmed(local_campaign(), somerville, 100)
    run_worker()
    (letter,) = smtp.letters()
    assert letter["X-Test-Rcpt"] == "buero@xn--strae-oqa.example"


@pytest.mark.parametrize("address", ["jane@faß.de", "jane@bücher.example"])
def test_the_sign_form_takes_international_domains(client, campaign, address):
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(email=address))
    assert response.status_code == 200
    assert Signature.objects.get(campaign=campaign).email == address


@pytest.mark.parametrize(
    "address", ["jane@-faß.de", "jane@faß..de", "jane@xn--zz.de", "jane@a\u200db.de"]
)
def test_the_sign_form_refuses_domains_idna_2008_does_not_allow(client, campaign, address):
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(email=address))
    assert response.status_code == 400
    assert "Enter an e-mail address like name@example.org." in response.content.decode()
    assert not Signature.objects.exists()
