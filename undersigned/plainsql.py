"""Hot statements written without the ORM's query building.

A few statements run on every sign or confirm, and building them through the
ORM cost more of the web process's CPU than the database spent running them
(docs/performance.md). These helpers name a model's table and columns, quoted
for the connection, and prepare values as the model's fields would, so a
hand-written statement stays tied to its model: only names from the model and
placeholders are formatted into SQL, values always travel as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model
from django.db.models.sql import InsertQuery


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


def one_statement() -> bool:
    """Whether insert_together() writes in one statement here (PostgreSQL)."""
    return connection.vendor == "postgresql"


def insert_together(*groups: Sequence[Model]) -> None:
    """Insert these rows (built, not saved; each group of one model, in the
    order given) as bulk_create() would, sealing included, without reading
    anything back: rows whose primary key the database draws do not learn it.

    On PostgreSQL, in one statement: every group but the last in a
    data-modifying WITH clause. One round trip, and, outside a transaction,
    a transaction of its own (no BEGIN or COMMIT to wait for): every row or
    none, a unique violation raised as IntegrityError as by any insert, the
    foreign keys (deferred) checked at its end when every row is there.
    Elsewhere (SQLite runs in process: no round trips to save), one insert
    per group: the caller's transaction makes them one.
    """
    rows = [list(group) for group in groups if group]
    if not rows:
        return
    if not one_statement():
        for group in rows:
            type(group[0])._base_manager.bulk_create(group)
        return
    statements = [_insert_sql(group) for group in rows]
    *earlier, (last, _params) = statements
    clauses = ", ".join(f"w{number} AS ({sql})" for number, (sql, _) in enumerate(earlier))
    sql = f"WITH {clauses} {last}" if clauses else last
    execute(sql, [param for _sql, params in statements for param in params])
    for group in rows:
        for row in group:
            row._state.adding = False
            row._state.db = connection.alias


def _insert_sql(group: list[Model]) -> tuple[str, list[Any]]:
    """The INSERT that Model.save() would send for these rows (as Django
    compiles it: each field's pre_save, sealing among them, and its
    database value), with nothing returned."""
    meta = group[0]._meta
    draws_key = any(row.pk is None for row in group)
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and not (draws_key and f is meta.auto_field)
    ]
    query = InsertQuery(type(group[0]))
    query.insert_values(fields, group, raw=False)
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)
