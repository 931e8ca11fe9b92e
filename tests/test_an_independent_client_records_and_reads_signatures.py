"""A client written against docs/api.md alone (tests/api_client.py, standard
library only) walks the API on a live server: it lists the petitions, pages
through the signatures its key may read, records a signature, and, once the
signer has confirmed from the e-mail that reached a real SMTP server on
loopback, sees total_signatures rise and the new supporter in the list."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from undersigned.integrations.keys import create_key

from . import api_client
from .conftest import CONFIRM_LINK, make_campaign, run_worker
from .delivery_helpers import SMTPServer
from .partners_tools import consent_to, supporter

pytestmark = pytest.mark.django_db(transaction=True)

SUPPORTERS = 7


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        yield server.mailbox


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    campaign = make_campaign(slug="end-face-surveillance", title="End face surveillance")
    make_campaign(slug="second-petition", title="A second petition")
    for n in range(SUPPORTERS):
        supporter(campaign, f"supporter{n}@example.org", consent_to(campaign, None))
    supporter(campaign, "no-consent@example.org")  # never in the organisation's list
    token = create_key(
        "Our CRM",
        actor="test",
        scopes=["campaigns:read", "supporters:read", "signatures:record"],
    ).token
    return live_server.url, token


def confirm_as_the_signer(site_url: str, message) -> None:
    """What the signer does: open the e-mailed link, press the button (a POST)."""
    path = CONFIRM_LINK.search(message.get_body(("plain",)).get_content()).group(1)
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    page = browser.open(site_url + path, timeout=20).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(site_url + path, data=form, headers={"Referer": site_url})
    assert browser.open(request, timeout=20).status == 200


def test_a_client_from_the_docs_records_confirms_and_reads(site, smtp):
    site_url, token = site
    client = api_client.Client(f"{site_url}/api/v1/", token)

    names = sorted(petition["name"] for petition in client.petitions())
    assert names == ["end-face-surveillance", "second-petition"]
    petition = client.petition("end-face-surveillance")
    assert petition["total_signatures"] == SUPPORTERS + 1
    contact = [c["name"] for c in petition["undersigned:consents"]]
    assert "contact" in contact

    # Paging through, three at a time, by the `next` links.
    listed = client.signatures(petition, per_page=3)
    assert sorted(map(api_client.email_of, listed)) == sorted(
        f"supporter{n}@example.org" for n in range(SUPPORTERS)
    )

    status, answer = client.record_signature(
        petition,
        {
            "person": {
                "given_name": "Robin",
                "family_name": "Example",
                "email_addresses": [{"address": "robin@example.org", "primary": True}],
                "postal_addresses": [{"postal_code": "02143", "country": "US"}],
            },
            "undersigned:consents": ["contact"],
            "referrer_data": {"source": "crm-import"},
        },
    )
    assert (status, answer["undersigned:confirmation"]) == (202, "email")
    assert client.petition("end-face-surveillance")["total_signatures"] == SUPPORTERS + 1

    run_worker()  # the worker sends the confirmation e-mail
    [message] = [m for m in smtp.received if "robin@example.org" in m["X-Test-Rcpt"]]
    confirm_as_the_signer(site_url, message)

    assert client.petition("end-face-surveillance")["total_signatures"] == SUPPORTERS + 2
    emails = [api_client.email_of(s) for s in client.signatures(petition, per_page=3)]
    assert emails[-1] == "robin@example.org"  # in the order they were confirmed
    assert len(emails) == SUPPORTERS + 1


def test_the_client_reads_an_osdi_error_body(site):
    site_url, token = site
    client = api_client.Client(f"{site_url}/api/v1/", token)
    petition = client.petition("end-face-surveillance")
    with pytest.raises(api_client.ApiError) as refused:
        client.record_signature(
            petition,
            {"person": {"given_name": "Robin", "email_addresses": [{"address": "not-an-address"}]}},
        )
    assert refused.value.status == 400
    by_property = {d["properties"][0]: d["error_code"] for d in refused.value.descriptions}
    assert by_property == {
        "person.family_name": "FIELD_REQUIRED",
        "person.email_addresses[0].address": "INVALID_FIELD",
        "person.postal_addresses": "FIELD_REQUIRED",
    }
    with pytest.raises(api_client.ApiError) as refused:
        api_client.Client(f"{site_url}/api/v1/", "usk_not-a-key").petitions()
    assert (refused.value.status, refused.value.codes) == (401, ["INVALID_API_KEY"])
