"""The floor for a write request: a bare Django view that inserts two rows.

Served by the same web server, through the same middleware, as the sign view
(bench/run.py starts the web servers with bench/bareview_settings.py: the
production settings with this module as the URL table, which adds
`POST /bench/bare/` and keeps every other address). The view commits two
small rows in one transaction, a parent and a child that refers to it, with
nothing else: no form, no abuse checks, no sealing, no e-mail. The ratio sign
÷ bare view says what the sign path costs beyond Django and the database.
bench/probe.py creates the tables (`bare create`) and counts the rows
(`bare count`).
"""

from __future__ import annotations

import uuid

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from undersigned.urls import urlpatterns as application_urls

TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_bare_parent ("
    " id varchar(32) PRIMARY KEY, body text NOT NULL, created_at timestamp NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_bare_child ("
    " id varchar(32) PRIMARY KEY, parent_id varchar(32) NOT NULL"
    " REFERENCES bench_bare_parent (id), created_at timestamp NOT NULL)",
)


@csrf_exempt
@require_POST
def bare_insert(request):
    parent, child = uuid.uuid4().hex, uuid.uuid4().hex
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare_parent (id, body, created_at)"
            " VALUES (%s, %s, CURRENT_TIMESTAMP)",
            [parent, request.POST.get("n", "")],
        )
        cursor.execute(
            "INSERT INTO bench_bare_child (id, parent_id, created_at)"
            " VALUES (%s, %s, CURRENT_TIMESTAMP)",
            [child, parent],
        )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare_insert), *application_urls]


def tables(command: str) -> dict:
    """`create`: the two tables; `count`: the rows the view wrote."""
    with connection.cursor() as cursor:
        if command == "create":
            for statement in TABLES:
                cursor.execute(statement)
            return {"created": True}
        counts = {}
        for table in ("bench_bare_parent", "bench_bare_child"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            (counts[table],) = cursor.fetchone()
        return counts
