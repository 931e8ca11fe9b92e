"""When something breaks mid-request, what a signer typed is in no log and on no error page."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from undersigned.campaigns.models import FieldMode
from undersigned.signatures import actions, rights
from undersigned.signatures.links import confirm_url

from .conftest import form_data, make_campaign

pytestmark = pytest.mark.django_db

SIGNER = {
    "first_name": "Quenelda",
    "last_name": "Marchbanks-Ythier",
    "email": "quenelda.private@example.org",
    "street_address": "17 Hiddenbrook Lane",
    "phone": "+1 617 555 0199",
    "comment": "My zebra-striped secret comment",
}
# The same values as they may be written in logs: repr() of the e-mail's
# local part, the phone's digits, each word of a multi-word value.
FRAGMENTS = [
    "Quenelda", "Marchbanks", "quenelda.private", "Hiddenbrook", "555 0199", "5550199",
    "zebra-striped",
]  # fmt: skip


# Something else a person posted, to find on (or missing from) the debug page.
POSTED = "posted-value-to-look-for"


class Boom(Exception):
    pass


@pytest.fixture
def every_log(caplog):
    """caplog at DEBUG on every logger, including those that do not propagate."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    loggers += [logging.getLogger("django.request"), logging.getLogger("django.server")]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    caplog.set_level(logging.DEBUG)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def everything_logged(caplog) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def assert_no_personal_data(text: str) -> None:
    for value in [*SIGNER.values(), *FRAGMENTS]:
        assert value not in text, f"{value!r} leaked"


@pytest.fixture
def campaign_asking_everything(db):
    return make_campaign(
        slug="ask-everything",
        street_address_field=FieldMode.OPTIONAL,
        phone_field=FieldMode.OPTIONAL,
        comment_field=FieldMode.OPTIONAL,
    )


def failing(*args, **kwargs):
    raise Boom("something broke")


def post_signature(campaign):
    client = Client(raise_request_exception=False)
    return client.post(reverse("sign", args=[campaign.slug]), form_data(**SIGNER))


def test_an_error_while_signing_logs_no_personal_data(
    campaign_asking_everything, every_log, monkeypatch
):
    monkeypatch.setattr(actions, "sign", failing)
    response = post_signature(campaign_asking_everything)

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert_no_personal_data(body)
    logged = everything_logged(every_log)
    # The error itself was logged, with its traceback: the test saw the logs.
    assert "Internal Server Error" in logged and "something broke" in logged
    assert "Boom" in logged
    assert_no_personal_data(logged)


@override_settings(DEBUG=True)
def test_the_debug_error_page_shows_no_personal_data(
    campaign_asking_everything, every_log, monkeypatch
):
    monkeypatch.setattr(actions, "sign", failing)
    response = post_signature(campaign_asking_everything)

    assert response.status_code == 500
    page = response.content.decode()
    assert "Boom" in page and "something broke" in page  # Django's technical page
    # POST values are starred out; the traceback's local variables hide them too.
    assert "********************" in page
    assert_no_personal_data(page)
    assert_no_personal_data(everything_logged(every_log))


def signed(campaign):
    return actions.sign(campaign, actions.SignerDetails(**SIGNER, postal_code="02143")).signature


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.mark.parametrize("debug", [False, True])
def test_an_error_while_confirming_shows_and_logs_no_personal_data(
    campaign_asking_everything, every_log, monkeypatch, debug
):
    signature = signed(campaign_asking_everything)
    link = path_of(confirm_url(signature))
    monkeypatch.setattr(actions, "confirm", failing)
    with override_settings(DEBUG=debug):
        response = Client(raise_request_exception=False).post(link, {"note": POSTED})

    assert response.status_code == 500
    assert_no_personal_data(response.content.decode())
    logged = everything_logged(every_log)
    assert "Internal Server Error" in logged
    assert_no_personal_data(logged)
    # The link is a key to the signature: it is not written to the log either.
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in logged
    if debug:
        assert "********************" in response.content.decode()
        assert POSTED not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_an_error_on_the_private_page_shows_and_logs_no_personal_data(
    campaign_asking_everything, every_log, monkeypatch, debug
):
    signature = signed(campaign_asking_everything)
    link = path_of(rights.manage_url(signature))
    monkeypatch.setattr(rights, "withdraw", failing)
    with override_settings(DEBUG=debug):
        response = Client(raise_request_exception=False).post(
            link, {"action": "withdraw", "sure": "yes", "note": POSTED}
        )

    assert response.status_code == 500
    page = response.content.decode()
    assert_no_personal_data(page)
    logged = everything_logged(every_log)
    assert "Internal Server Error" in logged
    assert_no_personal_data(logged)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in logged
    if debug:
        assert "********************" in page
        assert POSTED not in page


def test_what_a_signer_typed_does_not_show_in_its_repr():
    details = actions.SignerDetails(**SIGNER, postal_code="02143")
    assert_no_personal_data(repr(details) + str(details) + f"{details!r}")
