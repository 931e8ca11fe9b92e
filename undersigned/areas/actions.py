"""What happens to areas: every import, the admin upload and the default data
write divisions, postal links and officials through these functions.

An import is all or nothing. `run_import` checks every row's references
first and raises ImportFailed listing every bad line; otherwise it writes in
one transaction. A dry run does the same writes and rolls them back, so what
it reports is exactly what a real run would change.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from undersigned.memo import forget_all

from .importers.base import (
    DivisionRow,
    ImportFailed,
    ImportReport,
    LinkRow,
    OfficialRow,
    RowError,
)
from .models import (
    ContactPoint,
    Division,
    Official,
    PostalCodeDivision,
    country_of,
    parent_of,
    type_of,
)
from .signals import areas_changed

# Few enough values per IN (...) for any SQLite build.
CHUNK = 900


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_rows(
    model,
    columns: list[str],
    rows: list[tuple],
    conflict: list[str] | None = None,
    update: list[str] | None = None,
) -> None:
    """INSERT … ON CONFLICT (…) DO UPDATE for plain tuples (a plain INSERT
    without `conflict`), in batches.

    The tens of thousands of rows of a division or postal file cost far more
    as model instances than as SQL. SQLite gets multi-row VALUES statements,
    PostgreSQL a pipelined executemany; the SQL reads the same in both. A
    concurrent import of the same rows updates them rather than failing.
    """
    if not rows:
        return

    def name(column: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(column).column)

    fields = [model._meta.get_field(column) for column in columns]
    on_conflict = ""
    if conflict:
        # One row per key: a statement may not update the same row twice.
        positions = [columns.index(column) for column in conflict]
        rows = list({tuple(row[i] for i in positions): row for row in rows}.values())
        on_conflict = f" ON CONFLICT ({', '.join(map(name, conflict))}) DO UPDATE SET " + ", ".join(
            f"{name(c)} = excluded.{name(c)}" for c in update or []
        )
    # Dates and JSON go in as each field would send them through the ORM.
    prepare = [
        (index, field)
        for index, field in enumerate(fields)
        if field.get_internal_type() in {"DateField", "JSONField"}
    ]
    placeholders = f"({', '.join(['%s'] * len(columns))})"
    insert = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(map(name, columns))}) VALUES "
    )

    def prepared(chunk):
        for row in chunk:
            values = list(row)
            for index, field in prepare:
                values[index] = field.get_db_prep_save(values[index], connection)
            yield values

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg pipelines executemany; a short statement is parsed once,
            # where a long multi-row one costs a client-side parse per batch.
            for chunk in chunks(rows, 5000):
                cursor.executemany(insert + placeholders + on_conflict, list(prepared(chunk)))
            return
        limit = connection.features.max_query_params or 10_000
        for chunk in chunks(rows, max(1, min(1000, limit // len(columns)))):
            params = [value for values in prepared(chunk) for value in values]
            cursor.execute(insert + ", ".join([placeholders] * len(chunk)) + on_conflict, params)


def resolve_divisions(ocd_ids: Iterable[str]) -> dict[str, int]:
    """OCD id (or alias) -> division pk, for those that exist."""
    wanted = sorted(set(ocd_ids))
    found: dict[str, int] = {}
    for chunk in chunks(wanted):
        found.update(Division.objects.filter(ocd_id__in=chunk).values_list("ocd_id", "id"))
    missing = {ocd_id for ocd_id in wanted if ocd_id not in found}
    if missing:
        for pk, aliases in Division.objects.exclude(aliases=[]).values_list("id", "aliases"):
            for alias in aliases or []:
                if alias in missing:
                    found[alias] = pk
    return found


def run_import(
    what: str,
    rows: Sequence[DivisionRow | LinkRow | OfficialRow],
    errors: list[RowError],
    write: Callable[[ImportReport], None],
    *,
    dry_run: bool = False,
    will_exist: Iterable[str] = (),
) -> ImportReport:
    """Check references, then write all rows in one transaction, or nothing.

    `will_exist` names divisions the write itself creates, so rows may refer
    to them. Rows that are divisions are not checked for references.
    """
    started = time.monotonic()
    references = [row for row in rows if not isinstance(row, DivisionRow)]
    if references:
        known = resolve_divisions(row.division_id for row in references)
        known_ids = set(known) | set(will_exist)
        errors.extend(
            RowError(row.file, row.line, f"unknown division {row.division_id!r}")
            for row in references
            if row.division_id not in known_ids
        )
    if errors:
        raise ImportFailed(errors)
    report = ImportReport(what, dry_run=dry_run, rows=len(rows))
    with transaction.atomic():
        write(report)
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        forget_all()  # the postal code look-ups this process keeps (areas/lookup.py)
        tell_changed(report)
    report.seconds = time.monotonic() - started
    return report


def tell_changed(report: ImportReport) -> None:
    """Tell the layers above what an import (or a staff edit) changed, once it
    is written: signatures waiting for these areas are placed, letters
    waiting for officials are sent (see areas/signals.py)."""
    if report.postal_codes_changed or report.officials_changed:
        forget_all()  # this process's look-ups must see the new links
        areas_changed.send(sender=ImportReport, report=report)


# Divisions ------------------------------------------------------------------


DIVISION_COLUMNS = [
    "ocd_id", "country", "type", "name", "parent_id", "valid_from", "valid_through",
    "aliases", "codes", "source",
]  # fmt: skip


def _division_values(row: DivisionRow, parent_id, aliases, codes, source: str) -> tuple:
    return (
        row.ocd_id,
        country_of(row.ocd_id),
        type_of(row.ocd_id),
        row.name,
        parent_id,
        row.valid_from,
        row.valid_through,
        list(aliases),
        dict(codes),
        source,
    )


def _division_ids(ocd_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(ocd_ids):
        found.update(Division.objects.filter(ocd_id__in=chunk).values_list("ocd_id", "id"))
    return found


def _create_divisions(rows: list[DivisionRow], ids: dict[str, int], source: str) -> None:
    """Insert divisions a level at a time, so each row's parent has its pk."""
    for depth in sorted({row.ocd_id.count("/") for row in rows}):
        level = [row for row in rows if row.ocd_id.count("/") == depth]
        values = [
            _division_values(row, ids.get(parent_of(row.ocd_id)), row.aliases, row.codes, source)
            for row in level
        ]
        upsert_rows(
            Division, DIVISION_COLUMNS, values, ["ocd_id"], ["name", "valid_from", "valid_through"]
        )
        ids.update(_division_ids([row.ocd_id for row in level]))


def save_divisions(
    rows: Sequence[DivisionRow], report: ImportReport, *, source: str, overwrite: bool = True
) -> None:
    """Create or update divisions by OCD id. Never deletes; aliases and codes merge.

    With `overwrite=False` (the embedded default) divisions another source
    wrote are left as they are: an imported "Somerville city" is not renamed
    back to USPS's "Somerville" by the next `load-default`.
    """
    countries = {country_of(row.ocd_id) for row in rows}
    existing = {
        values["ocd_id"]: values
        for values in Division.objects.filter(country__in=countries).values(
            "id", "ocd_id", "name", "parent_id", "valid_from", "valid_through", "aliases", "codes",
            "source", "display_name",
        )
    }  # fmt: skip
    ids = {ocd_id: values["id"] for ocd_id, values in existing.items()}
    new = [row for row in rows if row.ocd_id not in existing]
    _create_divisions(new, ids, source)
    for row in new:
        report.count("divisions", "created", f"{row.ocd_id} ({row.name})")
    changed = []
    for row in rows:
        old = existing.get(row.ocd_id)
        if old is None:
            continue
        if not overwrite and old["source"] != source:
            report.count("divisions", "kept as imported")
            continue
        aliases = list(dict.fromkeys([*(old["aliases"] or []), *row.aliases]))
        codes = {**(old["codes"] or {}), **row.codes}
        wanted = {
            "name": row.name,
            "parent_id": ids.get(parent_of(row.ocd_id), old["parent_id"]),
            "valid_from": row.valid_from,
            "valid_through": row.valid_through,
            "aliases": aliases,
            "codes": codes,
        }
        differences = [name for name, value in wanted.items() if old[name] != value]
        if not differences:
            report.count("divisions", "unchanged")
            continue
        changed.append(_division_values(row, wanted["parent_id"], aliases, codes, source))
        report.count("divisions", "updated", f"{row.ocd_id}: {', '.join(differences)}")
        if "name" in differences:
            _report_rename(report, row.ocd_id, old["name"], row.name, old["display_name"])
    upsert_rows(Division, DIVISION_COLUMNS, changed, ["ocd_id"], DIVISION_COLUMNS[3:])


def _report_rename(report: ImportReport, ocd_id: str, old: str, new: str, shown: str) -> None:
    """A rename is reported on its own line: public pages and delivered letters
    may show the name. An organiser's display name is never overwritten."""
    if shown:
        where = f"pages keep showing the display name {shown!r}"
    else:
        where = "public pages and new letters show the new name; set a display name to keep the old"
    report.count("divisions", "renamed", f"{ocd_id}: {old!r} → {new!r} ({where})")


def ensure_divisions(rows: Sequence[DivisionRow], report: ImportReport, *, source: str) -> None:
    """Create the divisions that do not exist yet; leave existing ones as they are."""
    existing = resolve_divisions(row.ocd_id for row in rows)
    missing = list({row.ocd_id: row for row in rows if row.ocd_id not in existing}.values())
    if not missing:
        return
    ids = resolve_divisions({parent_of(row.ocd_id) for row in missing})
    _create_divisions(missing, ids, source)
    for row in missing:
        report.count("divisions", "created", f"{row.ocd_id} ({row.name})")


# Postal codes ---------------------------------------------------------------


LINK_COLUMNS = ["country", "postal_code", "division_id", "weight", "method", "source"]


def save_postal_links(rows: Sequence[LinkRow], report: ImportReport) -> None:
    """Create or update postal code -> division links.

    For every (country, postal code, source) in the rows, the rows are the
    whole truth: that source's other links for that code are removed (a
    redistricting moves a ZIP, it does not add one). Codes the rows do not
    mention are left alone, so partial files are safe.
    """
    division_ids = resolve_divisions(row.division_id for row in rows)
    countries = {row.country for row in rows}
    existing = {
        (country, code, division): (pk, weight, method, source)
        for pk, country, code, division, weight, method, source in (
            PostalCodeDivision.objects.filter(country__in=countries).values_list(
                "id", "country", "postal_code", "division_id", "weight", "method", "source"
            )
        )
    }
    writes, keys = [], set()
    changed = report.postal_codes_changed
    for row in rows:
        key = (row.country, row.postal_code, division_ids[row.division_id])
        keys.add(key)
        old = existing.get(key)
        label = f"{row.country} {row.postal_code} → {row.division_id}"
        if old is None:
            report.count("postal links", "created", label)
        elif old[1:] != (row.weight, row.method, row.source):
            report.count("postal links", "updated", label)
        else:
            report.count("postal links", "unchanged")
            continue
        changed.add((row.country, row.postal_code))
        writes.append((*key, row.weight, row.method, row.source))
    groups = {(row.country, row.postal_code, row.source) for row in rows}
    stale = [
        (old[0], key)
        for key, old in existing.items()
        if key not in keys and (key[0], key[1], old[3]) in groups
    ]
    upsert_rows(PostalCodeDivision, LINK_COLUMNS, writes, LINK_COLUMNS[:3], LINK_COLUMNS[3:])
    names = dict(
        Division.objects.filter(id__in=[key[2] for _, key in stale[:20]]).values_list(
            "id", "ocd_id"
        )
    )
    for _, key in stale:
        changed.add((key[0], key[1]))
        report.count("postal links", "removed", f"{key[0]} {key[1]} → {names.get(key[2])}")
    for chunk in chunks([pk for pk, _ in stale]):
        PostalCodeDivision.objects.filter(id__in=chunk).delete()


# Officials ------------------------------------------------------------------

FIELD_NAMES = [
    "person_id", "name", "office", "role", "division_id", "party", "start_date", "end_date",
]  # fmt: skip


CONTACT_COLUMNS = ["official_id", "kind", "value", "label", "for_delivery"]


def _new_contacts(official_id: int, row: OfficialRow, keep_delivery=None) -> list[tuple]:
    """The row's contact points; an organiser's earlier delivery choice is kept if
    that contact is still there."""
    wanted = [(c.kind, c.value) for c in row.contacts]
    delivery = keep_delivery if keep_delivery in wanted else None
    if delivery is None:
        delivery = next(((c.kind, c.value) for c in row.contacts if c.for_delivery), None)
    contacts, marked = [], False
    for contact in row.contacts:
        mark = not marked and (contact.kind, contact.value) == delivery
        marked = marked or mark
        contacts.append((official_id, contact.kind, contact.value, contact.label, mark))
    return contacts


def save_officials(
    rows: Sequence[OfficialRow],
    report: ImportReport,
    *,
    source: str,
    retire_missing: bool = False,
) -> None:
    """Create or update officials by key (person, role, division) and their contacts.

    With `retire_missing`, current officials from the same source that the
    rows no longer list get an end date of yesterday: they left office.
    """
    division_ids = resolve_divisions(row.division_id for row in rows)
    keys = [row.key for row in rows]
    # Plain values, not model instances: the demo saves some 60,000 officials.
    existing: dict[str, dict] = {}
    for chunk in chunks(keys):
        for values in Official.objects.filter(key__in=chunk).values("id", "key", *FIELD_NAMES):
            existing[values["key"]] = values
    contacts_of: dict[int, list[tuple]] = {}
    for chunk in chunks([values["id"] for values in existing.values()]):
        for official_id, *contact in ContactPoint.objects.filter(official_id__in=chunk).values_list(
            "official_id", "kind", "value", "label", "for_delivery"
        ):
            contacts_of.setdefault(official_id, []).append(tuple(contact))
    new_rows, new_officials, changed = [], [], []
    contacts: list[tuple] = []
    replace_contacts_of: list[int] = []
    for row in rows:
        values = {
            "person_id": row.person_id,
            "name": row.name,
            "office": row.office,
            "role": row.role,
            "division_id": division_ids[row.division_id],
            "party": row.party,
            "start_date": row.start_date,
            "end_date": row.end_date,
        }
        old = existing.get(row.key)
        if old is None:
            new_rows.append(row)
            new_officials.append((row.key, source, *values.values()))
            report.count("officials", "created", f"{row.name}, {row.office} ({row.division_id})")
            continue
        differences = [name for name, value in values.items() if old[name] != value]
        if differences:
            changed.append((row.key, source, *values.values()))
            report.count("officials", "updated", f"{row.name}: {', '.join(differences)}")
        else:
            report.count("officials", "unchanged")
        current = contacts_of.get(old["id"], [])
        wanted = [(c.kind, c.value, c.label) for c in row.contacts]
        if sorted(c[:3] for c in current) != sorted(wanted):
            keep = next(((c[0], c[1]) for c in current if c[3]), None)
            replace_contacts_of.append(old["id"])
            contacts.extend(_new_contacts(old["id"], row, keep))
            report.count("contact lists", "updated", row.name)
    columns = ["key", "source", *FIELD_NAMES]
    upsert_rows(Official, columns, new_officials + changed, ["key"], columns[1:])
    ids: dict[str, int] = {}
    for chunk in chunks([row.key for row in new_rows]):
        ids.update(Official.objects.filter(key__in=chunk).values_list("key", "id"))
    for row in new_rows:
        contacts.extend(_new_contacts(ids[row.key], row))
    for chunk in chunks(replace_contacts_of):
        ContactPoint.objects.filter(official_id__in=chunk).delete()
    upsert_rows(ContactPoint, CONTACT_COLUMNS, contacts)
    if retire_missing and source:
        _retire_missing(set(keys), report, source=source)
    report.officials_changed = report.officials_changed or any(
        report.total(model, change)
        for model, change in [
            ("officials", "created"), ("officials", "updated"), ("officials", "retired"),
            ("contact lists", "updated"),
        ]
    )  # fmt: skip


def _retire_missing(keys: set[str], report: ImportReport, *, source: str) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    gone = [
        (pk, name)
        for pk, key, name in Official.objects.current()
        .filter(source=source)
        .values_list("id", "key", "name")
        if key not in keys
    ]
    for chunk in chunks([pk for pk, _ in gone]):
        Official.objects.filter(id__in=chunk).update(end_date=yesterday)
    for _, name in gone:
        report.count("officials", "retired", name)
