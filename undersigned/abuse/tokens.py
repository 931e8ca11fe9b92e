"""Form tokens spent once: settled by the database, so a replay is
recognised whichever process takes it."""

from __future__ import annotations

from datetime import UTC, datetime

from typing import Any, cast

from django.db import connection
from django.db.models import Field

from undersigned.signatures.models import Signature

from .models import SpentFormToken
from .timing import MAX_AGE, FormToken


def spent(token: FormToken) -> SpentFormToken | None:
    """The record of this token's use, if it was used."""
    if token.key is None:
        return None
    return SpentFormToken.objects.filter(key=token.key).select_related("signature").first()


def spend(token: FormToken) -> bool:
    """Spend a genuine token; False if it was spent already (earlier, or by
    another process a moment ago). A token that is not ours spends nothing.

    One statement in autocommit (a transaction of its own, one round trip),
    and no error to recover from when the key is taken: this runs on every
    sign, and the ORM's insert in a transaction of its own was three round
    trips and a savepoint's worth of work (docs/performance.md)."""
    if token.key is None:
        return True
    # It could not be used after MAX_AGE anyway: the purge drops it then.
    expires = datetime.fromtimestamp(datetime.now(UTC).timestamp() + MAX_AGE, tz=UTC)
    key, expires_at = _field("key"), _field("expires_at")
    # Names from the model, values as parameters.
    sql = (
        f"INSERT INTO {_table()} ({_column(key)}, {_column(expires_at)})"  # noqa: S608
        " VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    values = [key.get_db_prep_value(token.key, connection),
              expires_at.get_db_prep_value(expires, connection)]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount == 1


def spent_by(token: FormToken, signature: Signature) -> None:
    """Record who spent the token: one UPDATE, without the ORM's query building."""
    if token.key is None:
        return
    key, spender = _field("key"), _field("signature")
    sql = (
        f"UPDATE {_table()} SET {_column(spender)} = %s"  # noqa: S608
        f" WHERE {_column(key)} = %s"
    )
    values = [spender.get_db_prep_value(signature.pk, connection),
              key.get_db_prep_value(token.key, connection)]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def _field(name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", SpentFormToken._meta.get_field(name))


def _table() -> str:
    return connection.ops.quote_name(SpentFormToken._meta.db_table)


def _column(field: Field[Any, Any]) -> str:
    return connection.ops.quote_name(str(field.column))


def sent_twice_by_signer(record: SpentFormToken, email_digest: bytes) -> bool:
    """The same person sending the same form again (a double click, a reload)."""
    signature = record.signature
    return signature is not None and bytes(signature.email_digest) == email_digest
