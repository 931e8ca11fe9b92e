"""SealedField: a model field whose text is stored encrypted (see sealing.py).

In memory the attribute holds plain text; in the database it holds the sealed
bytes, bound to the model's table, the column and the row's primary key. The
primary key must therefore be known before the first save (use a
client-generated UUID).

Values are sealed in `pre_save`, which `save()` and `bulk_create()` call.
`QuerySet.update()` and `bulk_update()` bypass it, so plain text reaching the
database layer is refused rather than stored unencrypted.
"""

from __future__ import annotations

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from .sealing import seal, unseal


class Sealed:
    """Ciphertext read from the database; opened when the attribute is read."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes):
        self.blob = blob

    def __repr__(self) -> str:  # never show the bytes, not even in tracebacks
        return "<sealed>"


class SealedAttribute(DeferredAttribute):
    # __set__ makes this a data descriptor, so reads come through __get__ even
    # when the instance's __dict__ holds the value (which it always does).
    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = unseal(value.blob, **self.field.binding(instance))
            instance.__dict__[self.field.attname] = value
        return value


class SealedField(models.BinaryField):
    descriptor_class = SealedAttribute

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def binding(self, instance) -> dict:
        return {"table": self.model._meta.db_table, "column": self.column, "row_id": instance.pk}

    def from_db_value(self, value, expression, connection):
        if value is None:
            return ""
        return Sealed(bytes(value))

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, Sealed):
            return value.blob
        if not value:
            return None
        if model_instance.pk is None:
            raise ValueError(f"{self.model.__name__} needs its primary key before sealing")
        return seal(str(value), **self.binding(model_instance))

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, Sealed):
            value = value.blob
        if isinstance(value, str) and value:
            raise TypeError(
                f"{self.model.__name__}.{self.name} is sealed: save it with save() or "
                "bulk_create(), never update() or bulk_update()."
            )
        if value == "":
            value = None
        return super().get_db_prep_value(value, connection, prepared)

    def to_python(self, value):
        return value
