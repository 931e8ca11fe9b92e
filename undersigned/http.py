"""Requests refused before any view (or Django's CSRF check) reads their body.

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
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import parse_header_parameters


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
    """Whether staff, signed in to the admin, are sending this much."""
    return length <= settings.STAFF_UPLOAD_MAX_BYTES and admin.site.has_permission(request)
