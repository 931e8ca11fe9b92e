"""The tokens of private links (confirm, manage, unsubscribe) and of remembered
devices appear in no log line, from any logger, at any level: not in Django's
request log, not in CSRF failures (which quote the page and the Referer), not
in the web server's access log.

Each handler of settings.LOGGING redacts them, so a logger added later (or a
library's) is covered too.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from undersigned.privacy.reports import RedactPrivateLinks

from .conftest import confirm_path_from, form_data, make_campaign, run_worker
from .delivery_helpers import free_port, wait_for
from .logs import configured_handlers, everything_written, is_pytests
from .worker_processes import ROOT

pytestmark = pytest.mark.django_db


def last_part(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def journey(campaign, outbox) -> tuple[list[str], list[str]]:
    """Sign, confirm (remembered), manage, unsubscribe, sign again from the
    remembered device; CSRF failures, 404s and 405s on every private link.
    Returns the secret tokens, and what the logs must show instead."""
    client = Client()
    client.post(reverse("sign", args=[campaign.slug]), form_data(remember="on"))
    run_worker()
    (message,) = outbox
    confirm = confirm_path_from(message)
    manage = next(urlsplit(word).path for word in message.body.split() if "/my/" in word)
    unsubscribe = urlsplit(message.extra_headers["List-Unsubscribe"].strip("<>")).path

    forged = Client(enforce_csrf_checks=True)
    for path in (confirm, manage):
        assert client.get(path).status_code == 200
        # No CSRF cookie: "Forbidden (CSRF cookie not set.): <path>"
        assert forged.post(path, {"action": "withdraw"}).status_code == 403
        # Over HTTPS, from another site: the log quotes the Referer, a private link too.
        response = forged.post(path, secure=True, HTTP_REFERER=f"https://elsewhere.example{path}")
        assert response.status_code == 403
        assert client.put(path).status_code == 405
        assert client.get(path.rstrip("/") + "x/").status_code == 404  # a mangled copy
        assert client.get(path + "more/").status_code == 404  # no such URL
    assert client.post(confirm).status_code == 302
    device = client.cookies[settings.REMEMBER_COOKIE].value
    assert client.post(manage, {"action": "consents"}).status_code == 200
    assert client.get(manage, {"format": "json"}).status_code == 200
    assert client.get(unsubscribe).status_code == 200
    assert client.post(unsubscribe).status_code == 200
    assert client.get(unsubscribe + "more/").status_code == 404

    other = make_campaign(slug="another-campaign", title="Another campaign")
    assert client.post(reverse("sign", args=[other.slug]), form_data()).status_code == 302

    secrets = [last_part(confirm), last_part(manage), last_part(unsubscribe), device]
    seen = [
        "Forbidden (CSRF cookie not set.): /confirm/[redacted]/",
        "Forbidden (CSRF cookie not set.): /my/[redacted]/",
        "Referer checking failed - https://elsewhere.example/my/[redacted]/",
        "Method Not Allowed (PUT): /my/[redacted]/",
        "Not Found: /unsubscribe/[redacted]/",
    ]
    return secrets, seen


def test_no_private_link_reaches_any_log_handler(campaign, outbox):
    with everything_written() as written:
        secrets, seen = journey(campaign, outbox)
    text = written.getvalue()
    for line in seen:  # the handlers did write, redacted
        assert line in text
    for secret in secrets:
        assert len(secret) >= 20
        assert secret not in text


def test_every_log_handler_redacts_private_links():
    handlers = configured_handlers()
    assert {handler.name for handler in handlers} >= {"console", "django.server"}
    for handler in handlers:
        assert any(isinstance(f, RedactPrivateLinks) for f in handler.filters), handler.name
    # Django's own defaults (a console handler in DEBUG, mail to ADMINS) are gone.
    for logger in (logging.getLogger("django"), logging.getLogger("django.server")):
        assert not [h for h in logger.handlers if not is_pytests(h) and h.name == "console"]


def test_an_exception_that_quotes_a_private_link_is_redacted_in_the_traceback():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "Not Found: %s", ("/my/s3cr3t/",), None
    )
    try:
        raise LookupError("no page at /unsubscribe/s3cr3t-too/ (or /confirm/1/s3cr3t/)")
    except LookupError:
        record.exc_info = sys.exc_info()
    RedactPrivateLinks().filter(record)
    text = logging.Formatter().format(record)
    assert "LookupError" in text and "/unsubscribe/[redacted]/" in text
    assert "s3cr3t" not in text


@pytest.mark.parametrize("server", ["runserver", "granian"])
def test_the_web_servers_access_logs_hold_no_private_link(tmp_path, server):
    """The demo's runserver logs every request; granian does when asked to (--access-log)."""
    port = free_port()
    env = {
        # This process's environment (the clock-moved pass's clock too), less its settings.
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("UNDERSIGNED_") or k == "UNDERSIGNED_TEST_CLOCK"
        },
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "UNDERSIGNED_DEMO": "1",
        "UNDERSIGNED_VAR_DIR": str(tmp_path),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "DEBUG",
    }
    env.pop("DATABASE_URL", None)
    if server == "runserver":
        command = [sys.executable, "-m", "undersigned", "runserver", "--noreload",
                   f"127.0.0.1:{port}"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                   "--port", str(port), "--access-log", "undersigned.wsgi:application"]  # fmt: skip
    log = tmp_path / "server.log"
    secrets = [uuid.uuid4().hex + "c0nf1rm", "bWFuYWdl0tok3n", "dW5zdWJzY3JpYmU0tok3n"]
    paths = [
        f"/confirm/{uuid.uuid4()}/{secrets[0]}/",
        f"/my/{secrets[1]}/",
        f"/unsubscribe/{secrets[2]}/",
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        client = HTTPClient(port)
        assert wait_for(client.ready, timeout=60), log.read_text()
        for path in paths:
            assert client.status("GET", path) == 404
            assert client.status("HEAD", path) in {404, 405}
        # Let the server write its access lines out (after the warnings it
        # logs for the same requests; a server under load is slow to).
        access = [f"GET /{kind}/[redacted]/" for kind in ("confirm", "my", "unsubscribe")]
        assert wait_for(lambda: all(line in log.read_text() for line in access), timeout=30), (
            log.read_text()
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    assert "GET /my/[redacted]/" in text, text
    for secret in secrets:
        assert secret not in text


class HTTPClient:
    def __init__(self, port: int):
        self.port = port

    def status(self, method: str, path: str) -> int:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path)
            return connection.getresponse().status
        finally:
            connection.close()

    def ready(self) -> bool:
        try:
            return self.status("GET", "/static/undersigned/site.css") < 500
        except OSError:
            return False
