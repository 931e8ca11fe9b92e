"""SMTP as a transport of outgoing work: one connection kept open per sender,
what its errors mean, and how to describe them without personal data."""

from __future__ import annotations

import contextlib
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

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
        try:
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
