"""Form tokens spent once: settled by the database, so a replay is
recognised whichever process takes it."""

from __future__ import annotations

from datetime import UTC, datetime

from undersigned.plainsql import column, execute, table, value
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
    model = SpentFormToken
    # Names from the model, values as parameters.
    sql = (
        f"INSERT INTO {table(model)} ({column(model, 'key')}, {column(model, 'expires_at')})"  # noqa: S608
        " VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    return execute(sql, [value(model, "key", token.key), value(model, "expires_at", expires)]) == 1


def spent_by(token: FormToken, signature: Signature) -> None:
    """Record who spent the token: one UPDATE, without the ORM's query building."""
    if token.key is None:
        return
    model = SpentFormToken
    sql = (
        f"UPDATE {table(model)} SET {column(model, 'signature')} = %s"  # noqa: S608
        f" WHERE {column(model, 'key')} = %s"
    )
    execute(sql, [value(model, "signature", signature.pk), value(model, "key", token.key)])


def sent_twice_by_signer(record: SpentFormToken, email_digest: bytes) -> bool:
    """The same person sending the same form again (a double click, a reload)."""
    signature = record.signature
    return signature is not None and bytes(signature.email_digest) == email_digest
