"""The suite's PostgreSQL pass runs through PgBouncer in transaction-pooling
mode (scripts/run-tests.sh, docs/scaling.md). PgBouncer keeps the server
connections it opened to a database after its clients leave, and PostgreSQL
will neither drop a database nor copy it as a template while anyone is
connected: before either, end this role's other sessions on it. Without a
pooler there are none, and this ends nothing."""

from __future__ import annotations

import os
from urllib.parse import urlsplit


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
