"""A request body larger than the site takes is refused with 413 before a
byte of it is read: nothing is spooled to disk or held in memory. Staff
signed in to the admin may upload area files up to their own, larger limit.
"""

from __future__ import annotations

import io
import socket

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .conftest import signed_in_with_second_factor
from .servers import Granian, served_on_loopback

pytestmark = pytest.mark.django_db

HUNDRED_MB = 100 * 1024 * 1024


class Untouched(io.RawIOBase):
    """A request body that counts what is read of it."""

    def __init__(self, size: int):
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def post_claiming(client: Client, path: str, length: int, content_type: str):
    """POST `path` with a body of `length` bytes, of which the test counts the bytes read."""
    body = Untouched(length)
    response = client.generic(
        "POST", path, CONTENT_TYPE=content_type, CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
    )  # fmt: skip
    return response, body.read_bytes


MULTIPART = "multipart/form-data; boundary=----x"
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("content_type", [MULTIPART, FORM])
def test_a_hundred_megabytes_to_the_sign_form_are_refused_unread(campaign, content_type):
    client = Client(enforce_csrf_checks=True)
    response, read = post_claiming(
        client, reverse("sign", args=[campaign.slug]), HUNDRED_MB, content_type
    )
    assert response.status_code == 413
    assert "more than this site accepts" in response.content.decode()
    assert read == 0


def test_anyone_may_send_a_supporters_form_but_not_much_more(campaign):
    client = Client()
    small, read = post_claiming(client, "/admin/login/", settings.REQUEST_MAX_BYTES, FORM)
    assert small.status_code != 413 and read == settings.REQUEST_MAX_BYTES
    large, read = post_claiming(client, "/admin/login/", settings.REQUEST_MAX_BYTES + 1, FORM)
    assert large.status_code == 413 and read == 0


def test_only_staff_past_the_second_factor_may_upload_an_area_file(admin_user):
    importer = reverse("admin:areas_division_import")
    ten_mb = 10 * 1024 * 1024
    password_only = Client()
    password_only.force_login(admin_user)
    refused, read = post_claiming(password_only, importer, ten_mb, MULTIPART)
    assert (refused.status_code, read) == (413, 0)

    staff = signed_in_with_second_factor(admin_user)
    accepted, read = post_claiming(staff, importer, ten_mb, MULTIPART)
    assert accepted.status_code != 413 and read > 0  # read, and found not to be a form
    too_large, read = post_claiming(staff, importer, settings.STAFF_UPLOAD_MAX_BYTES + 1, MULTIPART)
    assert (too_large.status_code, read) == (413, 0)


def test_a_real_upload_to_the_admin_importer_still_works(admin_user):
    staff = signed_in_with_second_factor(admin_user)
    upload = io.BytesIO(b"id,name\nocd-division/country:us,United States\n")
    upload.name = "divisions.csv"
    response = staff.post(
        reverse("admin:areas_division_import"),
        {"importer": "ocd-divisions", "file": upload, "dry_run": "on"},
    )
    assert response.status_code in {200, 400}
    assert response.status_code != 413


def test_the_production_server_answers_413_before_the_body_arrives(tmp_path):
    """granian hands the request to the site as the headers arrive; the site
    answers at once, and nothing lands in the temporary directory (where
    Django spools an uploaded file larger than 2.5 MB)."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = {**served_on_loopback(tmp_path), "TMPDIR": str(spool)}
    part = (
        b'------x\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    with Granian(env, tmp_path / "granian.log") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
            connection.sendall(
                b"POST /c/any/sign/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=----x\r\n"
                # A CSRF cookie, as a browser has: the check then reads the body.
                b"Cookie: __Host-csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF\r\n"
                + f"Content-Length: {HUNDRED_MB}\r\n\r\n".encode()
                + part
            )
            answer = send_until_answered(connection, limit=4 * 1024 * 1024)
            spooled = list(spool.iterdir())
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert spooled == []


def send_until_answered(connection: socket.socket, limit: int) -> bytes:
    """Send up to `limit` bytes of body in 64 KB pieces; the first bytes of
    the answer, if one came (within 5 s of the last piece)."""
    connection.settimeout(0.05)
    sent = 0
    while sent < limit:
        try:
            connection.sendall(b"x" * 65536)
        except OSError:  # the server answered and closed the connection
            break
        sent += 65536
        try:
            return connection.recv(4096)
        except TimeoutError:
            continue
    connection.settimeout(5)
    try:
        return connection.recv(4096)
    except TimeoutError:
        return b""
