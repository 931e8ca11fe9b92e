"""The demo's Outbox: the mail the demo would have sent, read from var/mail/."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

NAME = re.compile(r"^[0-9]+-[A-Za-z0-9-]+\.eml$")
LINK = re.compile(r"https?://[^\s<>\"]+")


def _messages() -> list[Path]:
    directory = Path(settings.MAIL_DIR)
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.eml"), reverse=True)


def _read(path: Path) -> dict:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",))
    body = text.get_content() if text else ""
    local = settings.SITE_URL
    return {
        "name": path.name,
        "subject": message["Subject"],
        "to": message["To"],
        "date": message["Date"],
        "body": body,
        "links": [link for link in LINK.findall(body) if link.startswith(local)],
    }


@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO:
        raise Http404("The outbox exists only in the demo")
    messages = [_read(path) for path in _messages()[:100]]
    return render(request, "outbox/list.html", {"messages": messages})


@require_safe
def message(request: HttpRequest, name: str) -> HttpResponse:
    if not settings.DEMO or not NAME.match(name):
        raise Http404("No such message")
    path = Path(settings.MAIL_DIR) / name
    if not path.is_file():
        raise Http404("No such message")
    return render(request, "outbox/message.html", {"message": _read(path)})
