"""E-mail addresses, checked and put in the form mail is delivered to.

An internationalised domain is read by IDNA 2008 (UTS #46, non-transitional),
as registries, browsers and mail servers read it, through the
`email-validator` package. Python's own "idna" codec, which Django's
`punycode()` uses, implements IDNA 2003, where `faß.de` becomes `fass.de`: a
different domain, with another owner.

No DNS is asked: whether a domain receives mail is learnt by sending to it.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, ValidatedEmail, validate_email


class InvalidAddress(ValueError):
    pass


def checked(address: str) -> ValidatedEmail:
    """The address parsed; InvalidAddress if it is not one mail can go to.

    Refused: a quoted local part ("jane"@, a second spelling of a mailbox), an
    IP literal or a single-label domain (localhost: mail our relay would keep
    in its own network), a non-ASCII local part (few servers take one), and
    domains IDNA 2008 does not allow.
    """
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise InvalidAddress(str(error)) from None


def ascii_domain(domain: str) -> str | None:
    """The domain in ASCII by IDNA 2008 (UTS #46 maps case and width first),
    or None if it is not a domain mail can go to."""
    try:
        return checked(f"postmaster@{domain}").ascii_domain
    except InvalidAddress:
        return None


def ascii_address(address: str) -> str:
    """The address as mail servers are given it: its domain in ASCII (xn--...).

    An address that does not parse is returned as it is: the mail server
    refuses it, and the refusal is recorded where the send is.
    """
    try:
        return checked(address.strip()).ascii_email or address
    except InvalidAddress:
        return address
