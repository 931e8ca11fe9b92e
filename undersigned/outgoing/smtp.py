"""SMTP as a transport of outgoing work: one connection kept open per sender,
what its errors mean, and how to describe them without personal data."""

from __future__ import annotations

import contextlib
import functools
import secrets
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address

from .models import Failure
from .work import Transport

# A server may close a connection after so many messages (Exim: 1,000 by
# default); a fresh one now and then costs a handshake.
MESSAGES_PER_CONNECTION = 500


class Mailer:
    """One connection through Django's mail backend, opened on first use and
    kept for the messages that follow; closed after any error, so that the
    next message starts on a fresh one."""

    def __init__(self) -> None:
        self.connection: Any = None
        self.sent = 0

    def send(self, message: EmailMessage) -> None:
        if self.sent >= MESSAGES_PER_CONNECTION:
            self.close()
        reused = self.connection is not None
        try:
            self._send(message)
        except smtplib.SMTPSenderRefused as error:
            self.close()
            # 421 to MAIL FROM on a connection we kept: the server is done
            # with it (too many messages, idle too long). Nothing was handed
            # over, so a fresh connection may try at once.
            if not (reused and error.smtp_code == 421):
                raise
            self._send(message)
        except BaseException:
            self.close()
            raise

    def _send(self, message: EmailMessage) -> None:
        if self.connection is None:
            connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
            connection.open()
            self.connection = connection
        smtp = getattr(self.connection, "connection", None)
        try:
            if isinstance(smtp, smtplib.SMTP):
                smtp.sendmail(*envelope(message))
            else:  # another backend: the demo's files, the tests' memory
                self.connection.send_messages([message])
        except BaseException:
            self.close()
            raise
        self.sent += 1

    def close(self) -> None:
        connection, self.connection, self.sent = self.connection, None, 0
        if connection is not None:
            # A broken connection is being dropped anyway.
            with contextlib.suppress(Exception):
                connection.close()


def envelope(message: EmailMessage) -> tuple[str, list[str], bytes]:
    """What Django's SMTP backend hands smtplib for a message, made cheaper:
    the sender's address parsed once per process, and the multipart
    boundary drawn at random instead of searched for (the standard
    library compiles a pattern per message to check its own random one).
    """
    encoding = message.encoding or settings.DEFAULT_CHARSET
    recipients = [sanitize_address(address, encoding) for address in message.recipients()]
    mime = message.message()
    if mime.is_multipart():
        mime.set_boundary(f"=_{secrets.token_hex(16)}")
    return _sender(message.from_email, encoding), recipients, mime.as_bytes(linesep="\r\n")  # type: ignore[call-arg]


@functools.cache
def _sender(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


def classify(error: BaseException) -> str:
    """What a failed send means for the next try (models.Failure)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return Failure.REFUSED
        return Failure.OUTAGE if 421 in codes else Failure.TEMPORARY
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPConnectError |
                  smtplib.SMTPHeloError | smtplib.SMTPAuthenticationError):  # fmt: skip
        # The server will not take anything from us: its problem or our settings'.
        return Failure.OUTAGE
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        if code == 421:
            return Failure.OUTAGE
        if 400 <= code < 500:
            return Failure.TEMPORARY
        if 500 <= code < 600:
            return Failure.REFUSED
        return Failure.OUTAGE
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        # Refused, reset, timed out, TLS broken: nothing got through.
        return Failure.OUTAGE
    return Failure.ERROR


def describe(error: BaseException) -> str:
    """An error summary safe to store: SMTP replies can quote the recipient's address."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} {error.smtp_code}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Keyed by address: keep only the codes, which tell 4xx (retry) from 5xx.
        codes = sorted({str(code) for code, _reply in error.recipients.values()})
        return " ".join([type(error).__name__, *codes])
    return type(error).__name__


def timeout() -> float:
    return float(settings.EMAIL_TIMEOUT)


SMTP = Transport(name="smtp", open=Mailer, timeout=timeout, classify=classify, describe=describe)
