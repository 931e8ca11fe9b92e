"""The suite's PostgreSQL pass runs through PgBouncer in transaction-pooling
mode (scripts/run-tests.sh, docs/scaling.md). PgBouncer keeps the server
connections it opened to a database after its clients leave, and PostgreSQL
will neither drop a database nor copy it as a template while anyone is
connected: before either, end this role's other sessions on it. Without a
pooler there are none, and this ends nothing.

A test that cuts the database's connections to see the application survive
it runs its processes straight to PostgreSQL (`unpooled`): behind PgBouncer
a server connection cut between transactions is replaced before the client
sends its next one, so the client never sees the failure the test is about
(which is what the pooler is for: docs/scaling.md)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def pooled() -> bool:
    return os.environ.get("DATABASE_POOLING") == "transaction"


def end_idle_sessions(url: str, database: str) -> None:
    """End our role's sessions on `database` (PgBouncer's idle server
    connections; nothing of the tests' own is still running then)."""
    if not pooled():
        return
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username,
        password=parts.password, dbname="postgres", autocommit=True,
    ) as admin:  # fmt: skip
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            [database],
        )


def unpooled(env: dict[str, str]) -> dict[str, str]:
    """`env` with its database reached directly: PostgreSQL's address from
    DATABASE_DIRECT_URL (scripts/run-tests.sh sets it), the same database."""
    direct = os.environ.get("DATABASE_DIRECT_URL", "")
    if not pooled() or not direct or not env.get("DATABASE_URL"):
        return env
    url = urlsplit(env["DATABASE_URL"])._replace(netloc=urlsplit(direct).netloc)
    return {**env, "DATABASE_URL": urlunsplit(url), "DATABASE_POOLING": ""}
