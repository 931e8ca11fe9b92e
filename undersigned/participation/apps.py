from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save

from undersigned.memo import forget_all

from . import listing


class ParticipationConfig(AppConfig):
    name = "undersigned.participation"
    label = "participation"
    verbose_name = "Participation: area pages and local groups"

    def ready(self) -> None:
        post_migrate.connect(keep_listing_triggers, sender=self)
        # Area pages keep a moment's copy of the local groups (queries.py).
        for signal in (post_save, post_delete):
            signal.connect(groups_edited, sender="participation.LocalGroup")


def keep_listing_triggers(using: str, **kwargs) -> None:
    """After every migrate: a migration that rebuilt the signature or
    placement table on SQLite dropped its triggers, and a PostgreSQL database
    made by an earlier version has older trigger functions (see listing.py)."""
    connection = connections[using]
    if listing.column_exists(connection):
        listing.install(connection)


def groups_edited(**kwargs) -> None:
    forget_all()
