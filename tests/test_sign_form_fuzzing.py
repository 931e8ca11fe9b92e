"""Whatever is typed into the sign form, it either signs or shows field errors.

Hypothesis throws arbitrary text at every field through the web form (unicode,
control characters, NUL bytes, huge strings, missing fields). The answer is
always "Check your e-mail" with exactly one signature for that address and a
confirmation that can be sent to it, or the form again with errors next to
fields: never a 500, never a partial row.
"""

from __future__ import annotations

import time
import unicodedata
from email.utils import parseaddr

import idna
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.message import sanitize_address
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from undersigned.abuse.timing import issue_form_token
from undersigned.areas.postal import normalise_postal_code
from undersigned.campaigns.models import FieldMode
from undersigned.outbox.actions import EMAILS
from undersigned.outbox.models import Email
from undersigned.outgoing.work import send_one
from undersigned.privacy.identity import email_digest
from undersigned.signatures.forms import LIMITS
from undersigned.signatures.models import Consent, Signature

from .conftest import make_campaign

pytestmark = pytest.mark.django_db

CHECK = b"One more step: your signature is not sent yet."

# Plausible values for every field the form posts, so that a good share of
# examples sign. "issued" is the form's signed render time, "website" the
# honeypot a person never fills in.
PLAUSIBLE = {
    "first_name": st.sampled_from(["Jane", "José", "李", "O'Brien", "Anne-Marie"]),
    "last_name": st.sampled_from(["Doe", "Müller", "van der Berg", "ﻋﻠﻲ"]),
    "email": st.one_of(
        st.emails(),
        st.builds(
            "{}@{}".format,
            st.from_regex(r"\A[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,20}\Z"),
            st.sampled_from(["bücher.example", "例え.jp", "xn--bcher-kva.example"]),
        ),
        st.builds(
            "jane@{}.org".format,
            st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10),
        ),
    ),
    "postal_code": st.from_regex(r"\A[0-9]{5}(-[0-9]{4})?\Z"),
    "street_address": st.just("1 Main Street"),
    "phone": st.just("+1 617 555 0100"),
    "comment": st.just("Please act.\r\nThank you."),
    "issued": st.builds(lambda: issue_form_token(time.time() - 60)),
    "website": st.just(""),
}
# Any text at all, surrogates aside (they cannot be sent as UTF-8).
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
HUGE = st.builds(
    lambda piece, times: piece * times,
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=3),
    st.integers(min_value=100, max_value=6000),
)
CONTROLS = st.text(st.sampled_from("\x00\x07\t\n\r\x1b\x85\u2028\u202e\u200b "), max_size=5)
WILD = st.one_of(
    st.none(),  # the field is left out of the post
    ANY_TEXT,
    HUGE,
    CONTROLS,
)


@st.composite
def forms(draw) -> dict:
    """Plausible answers, some of them spoiled, and a few fields gone wild."""
    post = {}
    wild = draw(st.sets(st.sampled_from(list(PLAUSIBLE)), max_size=3))
    for name, plausible in PLAUSIBLE.items():
        if name in wild:
            value = draw(WILD)
        else:
            spoiled = draw(st.sampled_from([False, False, True]))
            value = draw(plausible) + draw(CONTROLS) if spoiled else draw(plausible)
        if value is not None:
            post[name] = value
    consent = draw(st.sampled_from([None, "on", "\x00", ""]))
    if consent is not None:
        post["consent_organiser"] = consent
    return post


def nothing_stored() -> bool:
    return not (
        Signature.objects.exists()
        or Consent.objects.exists()
        or Email.objects.exists()
        or DBTaskResult.objects.filter(task_path__startswith="undersigned.outbox.").exists()
    )


def is_clean(value: str, name: str) -> bool:
    allowed_breaks = {"\n"} if name == "comment" else set()
    return len(value) <= LIMITS[name] and not any(
        unicodedata.category(char) in {"Cc", "Cf"}
        and char not in allowed_breaks | {"\u200c", "\u200d"}
        for char in value
    )


@pytest.fixture
def asks_everything(db):
    return make_campaign(
        slug="fuzzed",
        street_address_field=FieldMode.OPTIONAL,
        phone_field=FieldMode.OPTIONAL,
    )


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    # The client and the campaign are shared by every example on purpose:
    # each example starts by deleting what the previous one stored.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(post=forms())
def test_any_input_either_signs_or_shows_field_errors(client, asks_everything, post):
    Signature.objects.all().delete()
    DBTaskResult.objects.all().delete()

    response = client.post(reverse("sign", args=[asks_everything.slug]), post)

    event(f"answered {response.status_code}")
    if response.status_code == 413:
        # Wild fields of thousands of four-byte characters can make a body
        # bigger than the site takes (undersigned/http.py): refused unread.
        length = int(response.wsgi_request.META["CONTENT_LENGTH"])
        assert length > django_settings.REQUEST_MAX_BYTES
        assert nothing_stored()
        return
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        page = response.content.decode()
        assert 'class="field-error"' in page
        assert 'aria-invalid="true"' in page
        assert nothing_stored()
        return
    if CHECK in response.content:
        # A signal a person can trip (a disposable-looking domain): the form
        # again with the check, and nothing stored until it is passed.
        event("asked for the check")
        assert nothing_stored()
        return
    assert b"Check your e-mail" in response.content
    signature = Signature.objects.get()
    assert bytes(signature.email_digest) == email_digest(post["email"])
    assert Consent.objects.count() == (1 if post.get("consent_organiser") else 0)
    if signature.status == Signature.Status.QUARANTINED:
        # A wild honeypot or form token: held, and nothing is sent.
        event("held")
        reasons = set(signature.quarantine_reason.split(", "))
        assert reasons <= {"honeypot filled", "no valid form token"}
        assert ("honeypot filled" in reasons) == bool(post.get("website"))
        assert not Email.objects.exists()
        return
    assert Email.objects.filter(signature=signature).count() == 1
    for name in ("first_name", "last_name", "street_address", "phone", "comment"):
        assert is_clean(getattr(signature, name), name), name
    assert signature.postal_code == normalise_postal_code(signature.postal_code, "US")
    assert signature.postal_code.isascii()

    # The confirmation can be sent, to the typed address and nowhere else.
    mail.outbox = []
    assert send_one(EMAILS, Email.objects.get().id) is True
    [message] = mail.outbox
    [recipient] = message.recipients()
    address = parseaddr(sanitize_address(recipient, "utf-8"))[1]  # as the SMTP backend does
    local, _, domain = post["email"].strip().rpartition("@")
    # The domain by IDNA 2008 (UTS #46 mapping, not IDNA 2003's), in lower case.
    assert address == f"{local}@{idna.encode(domain, uts46=True).decode()}"
