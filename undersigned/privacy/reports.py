"""What error pages, error reports and logs may show: no personal data, no private links.

Django's own filter hides POST values and variables marked sensitive only
while DEBUG is off, and shows every other local variable of every frame. Our
signers' details pass through many frames (the form, SignerDetails, the
signature), so a marked request is hidden whole instead, in DEBUG too.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Used for Django's debug page and for error reports (DEFAULT_EXCEPTION_REPORTER_FILTER).

    - POST values of views marked @sensitive_post_parameters are starred out,
      in DEBUG too.
    - Local variables are starred out in every frame: always outside DEBUG
      (reports leave the machine), and in DEBUG for marked views, whose
      requests carry personal data.
    """

    def is_active(self, request) -> bool:
        return True

    def get_traceback_frame_variables(self, request, tb_frame):
        marked = request is not None and getattr(request, "sensitive_post_parameters", None)
        if marked or not settings.DEBUG:
            return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
        return super().get_traceback_frame_variables(request, tb_frame)


# Paths whose last parts are keys to one person's signature (see urls.py):
# /confirm/<id>/<token>/, /my/<token>/, /unsubscribe/<token>/.
PRIVATE_LINK = re.compile(r"(/(?:confirm|my|unsubscribe)/)[^\s'\"?#]+")


def redact_private_links(text: str) -> str:
    return PRIVATE_LINK.sub(r"\1[redacted]/", text)


class RedactPrivateLinks(logging.Filter):
    """Keep private-link tokens out of every log line ("Not Found: /my/<token>/").

    Installed on every handler (settings.LOGGING), so whichever logger a
    record comes from (django.request, django.security.csrf quoting a Referer,
    the server's access log, a library's), what the handler writes is
    redacted: the message, a traceback whose exception quotes a path, a stack.
    The record's `request` attribute (the whole request, POST data included)
    is dropped: a handler that serialises a record's attributes would
    otherwise write it out.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_private_links(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_private_links(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_private_links(record.stack_info)
        if hasattr(record, "request"):
            record.request = None
        return True


class WithoutTemplateContext(logging.Filter):
    """Keep template contexts out of django.template's DEBUG records.

    A variable that fails to resolve is logged with the exception, whose text
    is the repr of the whole context: on a supporter's private page, that
    context holds their link token and the data shown to them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
