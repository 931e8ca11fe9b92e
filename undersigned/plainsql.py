"""Hot statements written without the ORM's query building.

A few statements run on every sign or confirm, and building them through the
ORM cost more of the web process's CPU than the database spent running them
(docs/performance.md). These helpers name a model's table and columns, quoted
for the connection, and prepare values as the model's fields would, so a
hand-written statement stays tied to its model: only names from the model and
placeholders are formatted into SQL, values always travel as parameters.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model


def field(model: type[Model], name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", model._meta.get_field(name))


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(str(field(model, name).column))


def value(model: type[Model], name: str, raw: Any) -> Any:
    """`raw` as the field would send it to the database (a UUID on SQLite, say)."""
    return field(model, name).get_db_prep_value(raw, connection)


def execute(sql: str, params: list[Any]) -> int:
    """Run one statement; the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        changed: int = cursor.rowcount
        return changed


def first_row(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row
