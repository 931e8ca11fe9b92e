"""Form tokens spent once: settled by the database, so a replay is
recognised whichever process takes it."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from undersigned.signatures.models import Signature

from .models import SpentFormToken
from .timing import MAX_AGE, FormToken


def spent(token: FormToken) -> SpentFormToken | None:
    """The record of this token's use, if it was used."""
    if token.key is None:
        return None
    return SpentFormToken.objects.filter(key=token.key).select_related("signature").first()


def spend(token: FormToken) -> bool:
    """Spend a genuine token; False if it was spent already (by another
    process a moment ago, say). A token that is not ours spends nothing."""
    if token.key is None:
        return True
    # It could not be used after MAX_AGE anyway: the purge drops it then.
    expires = datetime.fromtimestamp(datetime.now(UTC).timestamp() + MAX_AGE, tz=UTC)
    try:
        with transaction.atomic():
            SpentFormToken.objects.create(key=token.key, expires_at=expires)
    except IntegrityError:
        return False
    return True


def spent_by(token: FormToken, signature: Signature) -> None:
    if token.key is not None:
        SpentFormToken.objects.filter(key=token.key).update(signature=signature)


def sent_twice_by_signer(record: SpentFormToken, email_digest: bytes) -> bool:
    """The same person sending the same form again (a double click, a reload)."""
    signature = record.signature
    return signature is not None and bytes(signature.email_digest) == email_digest
