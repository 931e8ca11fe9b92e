"""What the site answers before and after the views: requests refused before
any view (or Django's CSRF check) reads their body, and errors.

- A body larger than the site takes answers 413 at once, unread: nothing is
  spooled to disk or held in memory. Supporters' forms are a few kilobytes,
  so anyone may send REQUEST_MAX_BYTES; signed-in staff (second factor
  passed) may send up to STAFF_UPLOAD_MAX_BYTES, for the area importers.
  A body without a Content-Length (chunked) is never read by Django at all.
- A form in another character set than UTF-8 answers 400. Django refuses
  such a form only when something reads request.POST, which the CSRF check
  does first, and its 400 page runs the CSRF check again: a 500.

The limits are checked against the declared Content-Length, which is all a
server knows before reading; Django never reads past it.

- While the database cannot be reached, a request answers 503 with
  Retry-After, not 500: proxies, monitors and browsers can tell an outage
  (try again soon) from a bug (server_error, the site's handler500).
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib import admin
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_header_parameters

from undersigned.staff.roles import may_organise


class RequestBodyGuard:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return refusal(request) or self.get_response(request)


def refusal(request: HttpRequest) -> HttpResponse | None:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(declared)
    except ValueError:
        length = -1
    if length < 0:
        return render(request, "400.html", status=400)
    if length > settings.REQUEST_MAX_BYTES and not may_upload(request, length):
        return render(request, "413.html", status=413)
    _type, parameters = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    charset = parameters.get("charset")
    if charset is not None and charset.strip().lower() != "utf-8":
        return render(request, "400.html", status=400)
    return None


def may_upload(request: HttpRequest, length: int) -> bool:
    """Whether staff, signed in to the admin, or organisers signed in to the
    workspace (second factor passed), are sending this much."""
    return length <= settings.STAFF_UPLOAD_MAX_BYTES and (
        admin.site.has_permission(request) or may_organise(request)
    )


# How long a client should wait before trying again during an outage.
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's handler500: 503 with Retry-After if the database is out of
    reach, 500 otherwise.

    Django calls it while handling the exception, which is therefore still in
    flight. The pages are static templates rendered without a request (as
    Django's own handler does): an error page must not need the database.
    """
    if is_outage(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def is_outage(error: BaseException | None) -> bool:
    """Whether the error, or one it arose from, is the database being unreachable
    (refused, dropped, locked for longer than the busy timeout)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
