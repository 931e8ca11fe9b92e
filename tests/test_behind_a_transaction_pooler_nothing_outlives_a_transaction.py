"""Behind PgBouncer in transaction-pooling mode (DATABASE_POOLING=transaction,
docs/scaling.md), nothing may outlive a transaction on its server connection:
no server-side cursors and no prepared statements, whatever the URL asks.
Without the setting, both stay as they were. The suite's PostgreSQL pass runs
through a real PgBouncer (scripts/run-tests.sh); the last test checks that."""

import os

import pytest
from django.db import connection

from undersigned.settings import database_from_url

URL = "postgres://u:p@db.internal:6432/undersigned?prepare_threshold=5"


def test_pooling_turns_off_server_side_cursors_and_prepared_statements(monkeypatch):
    monkeypatch.setenv("DATABASE_POOLING", "transaction")
    database = database_from_url(URL)
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["OPTIONS"]["prepare_threshold"] is None


def test_without_a_pooler_the_settings_stay_as_asked(monkeypatch):
    monkeypatch.delenv("DATABASE_POOLING", raising=False)
    database = database_from_url(URL)
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert database["OPTIONS"]["prepare_threshold"] == 5


@pytest.mark.skipif(
    os.environ.get("DATABASE_POOLING") != "transaction", reason="runs through PgBouncer only"
)
@pytest.mark.django_db
def test_the_postgresql_pass_really_goes_through_pgbouncer():
    # PgBouncer answers SHOW commands only on its admin console; PostgreSQL
    # itself knows nothing of pools. What tells them apart from a client: the
    # server's port seen from the backend is PostgreSQL's, not the one we dialled.
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        (server_port,) = cursor.fetchone()
    assert str(server_port) != str(connection.settings_dict["PORT"])
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
