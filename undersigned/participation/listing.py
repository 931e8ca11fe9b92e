"""Which placements an area page lists, kept by the database itself.

An area page names the signers of the area who are listed: confirmed, ticked
`listed`, not erased. Found through the signatures, that means walking every
placement of the area until enough listed ones turn up: tens of thousands of
rows for a large area where few opt in. So each placement carries its
signature's campaign while the signer is listed (SignatureDivision.
listed_campaign, NULL otherwise), and a partial index over just those rows
serves "the first N listed signers of this campaign in this area" directly.

The flag has to change at the very moment the signature does: withdrawing,
being invalidated or quarantined, unlisting and erasure take the name off at
once, and a confirmation makes it appear (with the next publication). Those
changes are made in many places (the signer's own page, confirmation, abuse
review, retention, imports, the bulk loader), through `QuerySet.update()` as
often as not. Two triggers keep the flag right whatever the path, in the same
transaction as the change:

- on a signature whose status, `listed` or `erased_at` changes whether it is
  listed: its placements' flag is set or cleared;
- on a new placement: the flag is set if its signature is listed already
  (a signer recognised from a remembered device, the bulk loader).

The page still checks the signature's own columns too (participation/queries.py),
so a flag that was somehow wrong could hide a name but never show one.

`install()` runs after every `migrate` (see apps.py): SQLite drops a table's
triggers when a migration rebuilds the table, and this puts them back and
resynchronises the flag.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

# The migration that adds the column; before it (or migrated back past it)
# there is nothing to keep.
COLUMN_MIGRATION = ("areas", "0002_placement_listed_campaign")
TRIGGERS = ("listing_on_placement", "listing_on_signature")

# A signer is listed while: listed AND status = 'confirmed' AND erased_at IS NULL.
SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS listing_on_placement
    AFTER INSERT ON areas_signaturedivision
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM signatures_signature s
        WHERE s.id = NEW.signature_id
        AND s.listed AND s.status = 'confirmed' AND s.erased_at IS NULL
    )
    BEGIN
        UPDATE areas_signaturedivision
        SET listed_campaign_id = (
            SELECT campaign_id FROM signatures_signature WHERE id = NEW.signature_id
        )
        WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS listing_on_signature
    AFTER UPDATE OF status, listed, erased_at ON signatures_signature
    FOR EACH ROW WHEN
        (OLD.listed AND OLD.status = 'confirmed' AND OLD.erased_at IS NULL)
        <> (NEW.listed AND NEW.status = 'confirmed' AND NEW.erased_at IS NULL)
    BEGIN
        UPDATE areas_signaturedivision
        SET listed_campaign_id = CASE
            WHEN NEW.listed AND NEW.status = 'confirmed' AND NEW.erased_at IS NULL
            THEN NEW.campaign_id
        END
        WHERE signature_id = NEW.id;
    END
    """,
]

# The trigger functions: every look-up in them is planned afresh each time
# (EXECUTE), and install() replaces them at every migrate.
POSTGRESQL_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION listing_on_placement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- The signature found by its key alone, the conditions tested on the
        -- row, and planned afresh for each placement (EXECUTE): a plan a
        -- connection cached while the table was small (a scan of the whole
        -- table, or of the partial index on campaign and e-mail digest when
        -- the conditions were in the WHERE clause) read every signature of
        -- the campaign for each placement as a surge grew the table.
        EXECUTE 'SELECT CASE WHEN s.listed AND s.status = $2 AND s.erased_at IS NULL'
            ' THEN s.campaign_id END FROM signatures_signature s WHERE s.id = $1'
        INTO NEW.listed_campaign_id USING NEW.signature_id, 'confirmed';
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION listing_on_signature() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- Planned afresh each time, as above: a plan cached while the
        -- placement table was small could scan it whole for each signer.
        EXECUTE 'UPDATE areas_signaturedivision SET listed_campaign_id = $2'
            ' WHERE signature_id = $1'
        USING NEW.id, CASE
            WHEN NEW.listed AND NEW.status = 'confirmed' AND NEW.erased_at IS NULL
            THEN NEW.campaign_id
        END;
        RETURN NULL;
    END
    $$
    """,
]

POSTGRESQL = [
    *POSTGRESQL_FUNCTIONS,
    """
    CREATE OR REPLACE TRIGGER listing_on_placement
    BEFORE INSERT ON areas_signaturedivision
    FOR EACH ROW EXECUTE FUNCTION listing_on_placement()
    """,
    """
    CREATE OR REPLACE TRIGGER listing_on_signature
    AFTER UPDATE OF status, listed, erased_at ON signatures_signature
    FOR EACH ROW WHEN (
        (OLD.listed AND OLD.status = 'confirmed' AND OLD.erased_at IS NULL)
        IS DISTINCT FROM (NEW.listed AND NEW.status = 'confirmed' AND NEW.erased_at IS NULL)
    )
    EXECUTE FUNCTION listing_on_signature()
    """,
]

# The flag recomputed for every placement; only rows that differ are written.
RESYNC = [
    """
    UPDATE areas_signaturedivision SET listed_campaign_id = NULL
    WHERE listed_campaign_id IS NOT NULL AND signature_id NOT IN (
        SELECT s.id FROM signatures_signature s
        WHERE s.listed AND s.status = 'confirmed' AND s.erased_at IS NULL
    )
    """,
    """
    UPDATE areas_signaturedivision SET listed_campaign_id = (
        SELECT s.campaign_id FROM signatures_signature s
        WHERE s.id = areas_signaturedivision.signature_id
    )
    WHERE listed_campaign_id IS NULL AND signature_id IN (
        SELECT s.id FROM signatures_signature s
        WHERE s.listed AND s.status = 'confirmed' AND s.erased_at IS NULL
    )
    """,
]

DROP = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS],
    "postgresql": [
        "DROP TRIGGER IF EXISTS listing_on_placement ON areas_signaturedivision",
        "DROP TRIGGER IF EXISTS listing_on_signature ON signatures_signature",
        "DROP FUNCTION IF EXISTS listing_on_placement()",
        "DROP FUNCTION IF EXISTS listing_on_signature()",
    ],
}


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The listing triggers present in the database."""
    if connection.vendor == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)"
        params = [list(TRIGGERS)]
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)"
        params = list(TRIGGERS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {name for (name,) in cursor.fetchall()}


def install(connection: BaseDatabaseWrapper) -> bool:
    """Create the triggers if any is missing, and then bring every placement's
    flag up to date (changes made while a trigger was missing were not seen).
    Returns whether a trigger had to be created.

    On PostgreSQL the trigger functions are replaced every time, whatever is
    installed: a database made by an earlier version keeps its old function
    bodies otherwise (`CREATE OR REPLACE` also drops the plans each connection
    had cached for them)."""
    if connection.vendor not in DROP:
        raise NotImplementedError(f"No listing triggers for {connection.vendor}")
    if set(TRIGGERS) <= installed(connection):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in POSTGRESQL_FUNCTIONS:
                    cursor.execute(sql)
        return False
    statements = POSTGRESQL if connection.vendor == "postgresql" else SQLITE
    with connection.cursor() as cursor:
        for sql in statements + RESYNC:
            cursor.execute(sql)
    return True


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in DROP[connection.vendor]:
            cursor.execute(sql)


def column_exists(connection: BaseDatabaseWrapper) -> bool:
    return COLUMN_MIGRATION in MigrationRecorder(connection).applied_migrations()
