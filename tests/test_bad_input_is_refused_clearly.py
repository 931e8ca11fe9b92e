"""Bad input on the sign form gets a clear message next to its field, never a 500.

Every refusal re-renders the form with the signer's other answers kept, and
leaves nothing behind: no signature, no consent, no e-mail, no task to send one.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.utils import getaddresses

import pytest
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from undersigned.campaigns.models import FieldMode
from undersigned.outbox.models import Email
from undersigned.signatures.models import Consent, Signature

from .conftest import form_data, mail_naming_the_signer, make_campaign

pytestmark = pytest.mark.django_db

FIELDS = ("first_name", "last_name", "email", "postal_code", "street_address", "phone", "comment")
SHORTEN = "Please shorten this to {limit} characters (it has {length})."
BAD_EMAIL = "Enter an e-mail address like name@example.org."
CONTROL_IN_EMAIL = "An e-mail address cannot contain line breaks or other control characters."
REQUIRED = "This field is required."
NUL = "Null characters are not allowed."
US_POSTAL = "Enter a 5-digit ZIP code, like 02143."


@pytest.fixture
def full_form(db):
    """A live US campaign whose form asks every field."""
    return make_campaign(
        slug="asks-everything",
        street_address_field=FieldMode.OPTIONAL,
        phone_field=FieldMode.OPTIONAL,
    )


def answers(**overrides) -> dict:
    """What a careful signer's browser posts to a form that asks every field.

    The organiser consent is ticked, so a partial write would leave a row.
    A value of None leaves that field out of the post.
    """
    typed = {
        "street_address": "1 Main Street",
        "phone": "+1 617 555 0100",
        "comment": "Please act.",
        "consent_organiser": "on",
    }
    return form_data(**{**typed, **overrides})


def post(client, campaign, data: dict):
    return client.post(reverse("sign", args=[campaign.slug]), data)


def field_block(page: str, name: str) -> str:
    """The label, error and input of one field, as the signer sees them together."""
    match = re.search(rf'<div class="field[^"]*">\s*<label for="id_{name}">.*?</div>', page, re.S)
    assert match, f"no {name} field on the page"
    return match.group(0)


def kept(page: str, name: str, value: str) -> bool:
    block = field_block(page, name)
    if name == "comment":
        return f">\n{escape(value)}</textarea>" in block
    return f'name="{name}" value="{escape(value)}"' in block


def nothing_was_stored() -> bool:
    return not (
        Signature.objects.exists()
        or Consent.objects.exists()
        or Email.objects.exists()
        or DBTaskResult.objects.filter(task_path__startswith="undersigned.outbox.").exists()
    )


def assert_refused(response, field: str, message: str, data: dict) -> None:
    assert response.status_code == 400
    page = response.content.decode()
    block = field_block(page, field)
    assert f'<p class="field-error" id="id_{field}_error">{escape(message)}</p>' in block
    assert f'aria-describedby="id_{field}_error"' in block
    assert "There is a problem with 1 answer" in page
    for name, value in data.items():
        if name != field and name in FIELDS:
            assert kept(page, name, value), f"{name} was not kept"
    assert nothing_was_stored()


def case(field: str, value, message: str, why: str):
    return pytest.param(field, value, message, id=why)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        case("first_name", "J" * 101, SHORTEN.format(limit=100, length=101),
             "a first name one character too long"),
        case("first_name", "J" * 5000, SHORTEN.format(limit=100, length=5000),
             "a pasted first name far too long still names the real limit"),
        case("last_name", "D" * 101, SHORTEN.format(limit=100, length=101),
             "a last name too long"),
        case("email", "j" * 250 + "@example.org", SHORTEN.format(limit=254, length=262),
             "an e-mail address too long"),
        case("email", "j" * 5000 + "@example.org", SHORTEN.format(limit=254, length=5012),
             "a pasted e-mail address far too long still names the real limit"),
        case("postal_code", "0" * 40, US_POSTAL, "a postal code too long"),
        case("street_address", "1 Main Street " * 15, SHORTEN.format(limit=200, length=209),
             "a street address too long"),
        case("phone", "1" * 31, SHORTEN.format(limit=30, length=31),
             "a phone number of only digits but too long"),
        case("comment", "word " * 401, SHORTEN.format(limit=2000, length=2004),
             "a comment too long"),
        case("comment", "x" * 50_000, SHORTEN.format(limit=2000, length=50000),
             "a pasted comment far too long still names the real limit"),
    ],
)  # fmt: skip
def test_over_long_values_are_refused_with_the_limit(client, full_form, field, value, message):
    data = answers(**{field: value})
    assert_refused(post(client, full_form, data), field, message, data)


def test_a_comment_at_the_limit_with_browser_line_breaks_is_accepted(client, full_form):
    # Browsers count a line break as one character but send it as two (CRLF).
    comment = ("x" * 99 + "\r\n") * 19 + "x" * 100
    response = post(client, full_form, answers(comment=comment))
    assert response.status_code == 200
    assert len(Signature.objects.get().comment) == 2000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        case("email", "jane@example.org\nBcc: victim@attacker.example", CONTROL_IN_EMAIL,
             "a line break in the e-mail address"),
        case("email", "jane@example.org\r\n", CONTROL_IN_EMAIL,
             "a trailing CRLF in the e-mail address"),
        case("email", "jane\t@example.org", CONTROL_IN_EMAIL, "a tab in the e-mail address"),
        case("email", "ja\x07ne@example.org", CONTROL_IN_EMAIL, "a bell in the e-mail address"),
        case("email", "jane@example.org\x00", NUL, "a NUL byte in the e-mail address"),
        case("first_name", "Ja\x00ne", NUL, "a NUL byte in a name"),
        case("comment", "Please\x00 act", NUL, "a NUL byte in the comment"),
        case("first_name", "\x07\x1b\u202e", REQUIRED,
             "a required name made only of control characters"),
        case("postal_code", "\r\n\t", REQUIRED,
             "a required postal code made only of line breaks"),
    ],
)  # fmt: skip
def test_control_characters_are_refused_where_they_cannot_be_stripped(
    client, full_form, field, value, message
):
    data = answers(**{field: value})
    assert_refused(post(client, full_form, data), field, message, data)


def test_control_characters_and_line_breaks_in_names_are_stripped(client, full_form):
    response = post(
        client,
        full_form,
        answers(
            first_name="\u202eJa\x07ne\x1b",
            last_name="Doe\r\nSmith\u200b",
            street_address="1 Main\nStreet\t",
            comment="Line one\r\nline\x0c two\r\n\r\n\r\n\r\nend",
        ),
    )
    assert response.status_code == 200
    signature = Signature.objects.get()
    assert signature.first_name == "Jane"
    assert signature.last_name == "Doe Smith"
    assert signature.street_address == "1 Main Street"
    assert signature.comment == "Line one\nline two\n\nend"


def test_line_breaks_in_names_cannot_inject_email_headers(client, campaign, outbox):
    first = "Jane\r\nBcc: victim@attacker.example"
    last = 'Doe\nX-Injected: yes\r\n\r\n<html>body</html> "x", <y@z.example>'
    sent = mail_naming_the_signer(client, campaign, outbox, first_name=first, last_name=last)
    assert [address for _name, address in getaddresses(sent.recipients())] == ["jane@example.org"]
    raw = sent.message().as_bytes()
    headers, _, _ = raw.partition(b"\n\n")
    for line in headers.split(b"\n"):
        # Each line starts a known header or folds the previous one.
        assert re.match(rb"^([A-Za-z-]+: |[ \t])", line), line
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert "Bcc" not in parsed and "X-Injected" not in parsed
    [(name, address)] = getaddresses([str(parsed["To"])])
    assert address == "jane@example.org"
    # The line breaks became spaces: what was typed is all in the display name.
    assert name == " ".join(f"{first} {last}".split())


@pytest.mark.parametrize(
    "address",
    [
        "jane",
        "jane@",
        "@example.org",
        "jane@@example.org",
        "jane doe@example.org",
        "jane@example",
        "jane@exa mple.org",
        "Jane <jane@example.org>",
        "jane@example.org, joe@example.org",
        "jane@localhost",
        "jane@[127.0.0.1]",
        "jane@\u1680.org",  # a domain with no IDNA form: no mail server could take it
        "jane@\u00b4.org",  # a domain whose IDNA form is not a domain name
        "   ",
    ],
)
def test_invalid_email_addresses_are_refused(client, full_form, address):
    data = answers(email=address)
    assert_refused(post(client, full_form, data), "email", BAD_EMAIL, data)


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param("jane@exa\u200bmple.org", id="a zero-width space in the domain"),
        pytest.param("jane@exam\u00adple.org", id="a soft hyphen in the domain"),
        pytest.param("jane@\uff45xample.org", id="a fullwidth letter in the domain"),
        pytest.param('"jane"@example.org', id="a quoted local part"),
    ],
)
def test_another_spelling_of_the_same_mailbox_does_not_sign_twice(client, full_form, spelling):
    assert post(client, full_form, answers()).status_code == 200
    response = post(client, full_form, answers(email=spelling))
    if response.status_code == 400:
        assert BAD_EMAIL in field_block(response.content.decode(), "email")
    else:
        assert b"Check your e-mail" in response.content
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(
    ("country", "code", "message"),
    [
        case("US", "1234", US_POSTAL, "a US ZIP code too short"),
        case("US", "123456", US_POSTAL, "a US ZIP code with six digits"),
        case("US", "O2143", US_POSTAL, "a US ZIP code with a letter O for a zero"),
        case("US", "02143-12", US_POSTAL, "a US ZIP+4 code cut short"),
        case("US", "\u0660\u0662\u0661\u0664\u0663", US_POSTAL,
             "a US ZIP code in Arabic-Indic digits"),
        case("CA", "12345", "Enter a postal code like K1A 0B1.", "a US ZIP code in Canada"),
        case("CA", "D1A 0B1", "Enter a postal code like K1A 0B1.",
             "a Canadian postal code starting with a letter not used"),
        case("GB", "SW1A", "Enter a postcode like SW1A 1AA.", "a British outward code alone"),
        case("GB", "02143", "Enter a postcode like SW1A 1AA.", "a US ZIP code in Britain"),
    ],
)  # fmt: skip
def test_invalid_postal_codes_are_refused_for_the_campaigns_country(
    client, db, country, code, message
):
    campaign = make_campaign(slug=f"in-{country.lower()}", country=country)
    data = form_data(postal_code=code, consent_organiser="on")
    assert_refused(post(client, campaign, data), "postal_code", message, data)


@pytest.mark.parametrize(
    ("country", "code", "stored"),
    [
        ("US", " 02143-1234 ", "02143"),
        ("US", "\uff10\uff12\uff11\uff14\uff13", "02143"),  # fullwidth digits, as some IMEs type
        ("CA", "k1a0b1", "K1A 0B1"),
        ("GB", "sw1a  1aa", "SW1A 1AA"),
    ],
)
def test_valid_postal_codes_are_stored_in_their_canonical_form(client, db, country, code, stored):
    campaign = make_campaign(slug=f"in-{country.lower()}", country=country)
    assert post(client, campaign, form_data(postal_code=code)).status_code == 200
    assert Signature.objects.get().postal_code == stored


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "postal_code"])
@pytest.mark.parametrize("how", ["left out", "left empty", "only spaces"])
def test_missing_required_fields_are_refused(client, full_form, field, how):
    data = answers(**{field: {"left out": None, "left empty": "", "only spaces": "   "}[how]})
    message = BAD_EMAIL if (field, how) == ("email", "only spaces") else REQUIRED
    assert_refused(post(client, full_form, data), field, message, data)


def test_an_empty_form_marks_every_required_field(client, full_form):
    response = post(client, full_form, {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There are problems with 4 answers" in page
    for field in ("first_name", "last_name", "email", "postal_code"):
        assert REQUIRED in field_block(page, field)
    for field in ("street_address", "phone", "comment"):
        assert "field-error" not in field_block(page, field)
    assert nothing_was_stored()


def test_a_form_posted_to_a_closed_campaign_is_gone(client, db):
    closed = make_campaign(slug="closed-one", status="closed")
    response = post(client, closed, answers())
    assert response.status_code == 410
    assert b"This campaign has closed" in response.content
    assert nothing_was_stored()


@pytest.mark.parametrize("slug", ["no-such-campaign", "a-draft"])
def test_a_form_posted_to_an_unknown_or_draft_campaign_is_not_found(client, db, slug):
    make_campaign(slug="a-draft", status="draft")
    response = client.post(reverse("sign", args=[slug]), answers())
    assert response.status_code == 404
    assert nothing_was_stored()


HOSTILE = {
    "first_name": "<script>alert('first')</script>",
    "last_name": '"><img src=x onerror=alert(2)>',
    "comment": "<b>bold</b>\n<script>alert('comment')</script>",
}


def assert_no_live_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html


def test_markup_in_names_and_comments_is_escaped_in_the_form_shown_again(client, full_form):
    data = answers(**HOSTILE, email="not an address")
    response = post(client, full_form, data)
    assert_refused(response, "email", BAD_EMAIL, data)
    page = response.content.decode()
    assert_no_live_markup(page)
    assert escape(HOSTILE["first_name"]) in page


def test_markup_in_names_is_escaped_in_email(client, full_form, outbox):
    sent = mail_naming_the_signer(client, full_form, outbox, **answers(**HOSTILE))
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html"
    assert_no_live_markup(html)
    assert f"Hello {escape(HOSTILE['first_name'])}," in html


def test_markup_in_names_and_comments_is_escaped_in_the_admin(staff_client, full_form):
    assert post(staff_client, full_form, answers(**HOSTILE)).status_code == 200
    signature = Signature.objects.get()
    listing = staff_client.get(reverse("admin:signatures_signature_changelist"))
    detail = staff_client.get(reverse("admin:signatures_signature_change", args=[signature.pk]))
    assert listing.status_code == detail.status_code == 200
    for page in (listing.content.decode(), detail.content.decode()):
        assert_no_live_markup(page)
        assert escape(HOSTILE["first_name"]) in page
    assert escape("<script>alert('comment')</script>") in detail.content.decode()
