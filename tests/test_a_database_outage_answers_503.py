"""While the database cannot be reached, pages and forms answer 503 Service
Unavailable with a Retry-After, not 500: proxies, monitors and browsers can
tell an outage (try again soon) from a bug. Tested on granian, with the
database made unreachable: PostgreSQL on a port where nothing listens, and an
SQLite file in a directory that does not exist."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import pytest

from .delivery_helpers import free_port
from .servers import Granian, served_on_loopback

CSRF = secrets.token_hex(16)  # 32 characters: what a browser's CSRF cookie holds


def unreachable(kind: str, tmp_path) -> dict[str, str]:
    if kind == "postgresql":
        return {"DATABASE_URL": f"postgres://undersigned:x@127.0.0.1:{free_port()}/undersigned"}
    return {"SQLITE_PATH": str(tmp_path / "no-such-directory" / "undersigned.sqlite3")}


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_pages_and_forms_answer_503_with_retry_after(tmp_path, kind):
    env = {**served_on_loopback(tmp_path), **unreachable(kind, tmp_path)}
    with Granian(env, tmp_path / "granian.log") as server:
        answers = {
            "home": server.request("GET", "/"),
            "campaign page": server.request("GET", "/c/end-face-surveillance/"),
            "count": server.request("GET", "/api/campaigns/end-face-surveillance/count.json"),
            # The API answers in its own shape (JSON, docs/api.md), with the same words.
            "api": server.request("GET", "/api/v1/petitions", headers={"OSDI-API-Token": "x"}),
            "sign": server.request(
                "POST",
                "/c/end-face-surveillance/sign/",
                urlencode({"csrfmiddlewaretoken": CSRF, "email": "jane@example.org"}).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"__Host-csrftoken={CSRF}",
                },
            ),
        }
    log = (tmp_path / "granian.log").read_text()
    for name, (status, headers, body) in answers.items():
        assert status == 503, (name, status, log[-3000:])
        assert 0 < int(headers["retry-after"]) <= 300, name
        assert b"try again in a minute" in body, name
        assert "no-store" in headers.get("cache-control", ""), name
    assert "Service Unavailable: /" in log  # operators still see each failure
    assert "Internal Server Error" not in log


def test_a_working_database_still_answers_200(tmp_path):
    """The same server and settings, with a database: the 503 is the outage's."""
    from .worker_processes import BIN, ScenarioDatabase, run

    with ScenarioDatabase(tmp_path) as database:
        env = {**served_on_loopback(tmp_path), **database.env()}
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        with Granian(env, tmp_path / "granian.log") as server:
            status, _headers, _body = server.request("GET", "/")
    assert status == 200
