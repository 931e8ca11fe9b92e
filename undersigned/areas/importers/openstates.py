"""Officials from Open States people YAML (a directory or a zip archive of it)."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path, PurePosixPath

import yaml
from django.utils import timezone

from ..actions import ensure_divisions, resolve_divisions, run_import, save_officials
from .base import (
    ORDINAL_WORDS,
    ContactRow,
    DivisionRow,
    ImportReport,
    OfficialRow,
    RowError,
    check_ocd_id,
    ocd_slug,
    ordinal,
    parse_date,
)
from .officials import EMAIL, contacts_from
from .us import STATES

# Open States archives are small; refuse anything that is not.
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_FILES = 20_000
# libyaml's safe loader when PyYAML's wheel has it (it does on common platforms).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TITLES = {
    "upper": "State Senator",
    "lower": "State Representative",
    "legislature": "Legislator",
    "governor": "Governor",
    "lt_governor": "Lieutenant Governor",
    "mayor": "Mayor",
}


def _district_candidates(state_division: str, chamber: str, district: str) -> list[str]:
    """OCD ids a legislative district name may have: 'Fifth Middlesex' is
    sldu:fifth_middlesex or, as OCD writes it, sldu:5th_middlesex."""
    kind = {"upper": "sldu", "lower": "sldl"}.get(chamber, "sldu")
    slug = ocd_slug(district)
    candidates = [f"{state_division}/{kind}:{slug}"]
    first, _, rest = slug.partition("_")
    if first in ORDINAL_WORDS and rest:
        candidates.append(f"{state_division}/{kind}:{ordinal(ORDINAL_WORDS[first])}_{rest}")
    return candidates


def _division_of_jurisdiction(jurisdiction: str) -> str:
    """ocd-jurisdiction/country:us/state:ma/place:boston/government -> the division."""
    return jurisdiction.replace("ocd-jurisdiction/", "ocd-division/", 1).removesuffix("/government")


def read_openstates(source) -> list[tuple[str, str]]:
    """(name, YAML text) for every .yml file in a directory, a zip archive, or a
    single file. `source` is a path, or an uploaded file."""
    if isinstance(source, str | Path) and Path(source).is_dir():
        root = Path(source)
        return [
            (str(path.relative_to(root)), path.read_text(encoding="utf-8"))
            for path in sorted(root.rglob("*.yml"))
        ]
    if isinstance(source, str | Path):
        raw = Path(source).read_bytes()
        name = Path(source).name
    else:
        raw = source.read()
        name = getattr(source, "name", "upload")
    if zipfile.is_zipfile(io.BytesIO(raw)):
        return _read_archive(raw)
    try:
        return [(name, raw.decode("utf-8-sig"))]
    except UnicodeDecodeError:
        raise ValueError(f"{name} is neither a zip archive nor UTF-8 text") from None


def _read_archive(raw: bytes) -> list[tuple[str, str]]:
    files = []
    total = 0
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = [m for m in archive.infolist() if m.filename.endswith((".yml", ".yaml"))]
        if len(members) > MAX_ARCHIVE_FILES:
            raise ValueError(f"the archive has more than {MAX_ARCHIVE_FILES} YAML files")
        for member in sorted(members, key=lambda m: m.filename):
            # Count what is actually unpacked: a member's declared size can lie.
            with archive.open(member) as handle:
                data = handle.read(MAX_ARCHIVE_BYTES - total + 1)
            total += len(data)
            if total > MAX_ARCHIVE_BYTES:
                raise ValueError("the archive unpacks to more than 50 MB")
            try:
                files.append((member.filename, data.decode("utf-8")))
            except UnicodeDecodeError:
                raise ValueError(f"{member.filename} is not UTF-8 text") from None
    return files


def import_openstates(
    files: list[tuple[str, str]],
    *,
    source: str = "openstates",
    dry_run: bool = False,
    retire_missing: bool = False,
    on=None,
) -> ImportReport:
    """Open States people YAML: one file per person (legislature/, executive/,
    municipalities/), and municipalities.yml naming each municipality.

    Legislators sit on their district's division, which must exist (import the
    OCD divisions first); executives on their state; mayors and other municipal
    officials on their place, created from municipalities.yml when missing.
    Every role becomes an official with its own dates; ended roles stay as
    history and are not current.
    """
    people, municipalities, errors = _parse(files)
    found = _Found(
        known=resolve_divisions(_districts_wanted(people)),
        municipalities=municipalities,
        today=on or timezone.localdate(),
    )
    for name, person in people:
        problems = found.add_person(name, person)
        errors.extend(RowError(name, 0, problem) for problem in problems)
    rows, skipped = found.rows, found.skipped
    states = resolve_divisions({place.rsplit("/", 1)[0] for place in found.places})
    creatable = [row for row in found.places.values() if row.ocd_id.rsplit("/", 1)[0] in states]

    def write(report: ImportReport) -> None:
        ensure_divisions(creatable, report, source=source)
        save_officials(rows, report, source=source, retire_missing=retire_missing)
        if skipped:
            report.count("ended roles skipped", "district not imported", n=skipped)

    return run_import(
        "Open States people",
        rows,
        errors,
        write,
        dry_run=dry_run,
        will_exist=[row.ocd_id for row in creatable],
    )


def _parse(files: list[tuple[str, str]]) -> tuple[list[tuple[str, dict]], dict[str, str], list]:
    """The people, the municipalities' names by division, and the files' errors."""
    errors: list[RowError] = []
    people = []
    municipalities: dict[str, str] = {}
    for name, text in files:
        try:
            document = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else 0
            errors.append(
                RowError(name, line, f"not valid YAML: {getattr(error, 'problem', error)}")
            )
            continue
        if PurePosixPath(name).name == "municipalities.yml":
            if not isinstance(document, list):
                errors.append(RowError(name, 0, "expected a list of municipalities"))
                continue
            for entry in document:
                if isinstance(entry, dict) and entry.get("id") and entry.get("name"):
                    municipalities[_division_of_jurisdiction(entry["id"])] = str(entry["name"])
            continue
        if not isinstance(document, dict) or "roles" not in document:
            errors.append(RowError(name, 0, "not an Open States person (no roles)"))
            continue
        people.append((name, document))
    return people, municipalities, errors


def _districts_wanted(people: list[tuple[str, dict]]) -> set[str]:
    """Every district division the people's roles may sit on."""
    wanted = set()
    for _, person in people:
        for role in person.get("roles") or []:
            if isinstance(role, dict) and role.get("district"):
                state = _division_of_jurisdiction(str(role.get("jurisdiction", "")))
                candidates = _district_candidates(
                    state, role.get("type", ""), str(role["district"])
                )
                wanted.update(candidates)
    return wanted


class _Found:
    """The officials read so far: one row per office held, the latest stint."""

    def __init__(self, *, known: dict[str, int], municipalities: dict[str, str], today) -> None:
        self.known = known
        self.municipalities = municipalities
        self.today = today
        self.rows: list[OfficialRow] = []
        self.places: dict[str, DivisionRow] = {}
        self.seen: dict[str, int] = {}
        self.skipped = 0

    def add_person(self, name: str, person: dict) -> list[str]:
        """Add a person's roles; the problems found."""
        problems = []
        person_name = str(person.get("name", "")).strip()
        if not person_name:
            problems.append("no name")
        parties = person.get("party") or []
        party = (
            str(parties[-1].get("name", "")) if parties and isinstance(parties[-1], dict) else ""
        )
        contacts = _openstates_contacts(person)
        for role in person.get("roles") or []:
            try:
                row = self.role_row(name, role)
            except ValueError as error:
                problems.append(str(error))
                continue
            if row is None:
                continue
            row.name, row.person_id = person_name, str(person.get("id", ""))
            row.party, row.contacts = party, contacts
            self.add(row)
        return problems

    def role_row(self, name: str, role: object) -> OfficialRow | None:
        """One role as an official (without the person's details), None for
        history on a district we do not have; ValueError says what is wrong."""
        if not isinstance(role, dict) or not role.get("type") or not role.get("jurisdiction"):
            raise ValueError("a role without type or jurisdiction")
        kind = str(role["type"]).strip().lower().replace(" ", "_")
        jurisdiction = _division_of_jurisdiction(str(role["jurisdiction"]))
        if check_ocd_id(jurisdiction):
            raise ValueError(f"jurisdiction {role['jurisdiction']!r} is not an OCD jurisdiction")
        start = parse_date(str(role.get("start_date") or ""))
        end = parse_date(str(role.get("end_date") or ""))
        title = TITLES.get(kind, kind.replace("_", " ").capitalize())
        if role.get("district"):
            candidates = _district_candidates(jurisdiction, kind, str(role["district"]))
            division_id = next((c for c in candidates if c in self.known), None)
            if division_id is None and end and end < self.today:
                # History on a district we do not have: nobody writes to it.
                self.skipped += 1
                return None
            if division_id is None:
                raise ValueError(
                    f"no division for {kind} district {role['district']!r} "
                    f"(looked for {' or '.join(candidates)}); import the OCD divisions first"
                )
            office = f"{title}, {role['district']} district"
        else:
            division_id = jurisdiction
            office = f"{title} of {self.where(division_id, name)}"
        return OfficialRow(
            name="",
            office=office,
            role=kind,
            division_id=division_id,
            start_date=start,
            end_date=end,
            file=name,
        )

    def where(self, division_id: str, name: str) -> str:
        """The jurisdiction's name; a place is created if it is missing."""
        if "/place:" in division_id:
            self.places.setdefault(
                division_id,
                DivisionRow(
                    division_id,
                    self.municipalities.get(division_id) or _guess(division_id),
                    file=name,
                ),
            )
        return (
            self.municipalities.get(division_id) or _state_name(division_id) or _guess(division_id)
        )

    def add(self, row: OfficialRow) -> None:
        if row.key in self.seen:
            # The same office held twice (served, left, came back): keep
            # the latest stint; the official is one row with its dates.
            index = self.seen[row.key]
            if _later(row, self.rows[index]):
                self.rows[index] = row
            return
        self.seen[row.key] = len(self.rows)
        self.rows.append(row)


def _later(row: OfficialRow, other: OfficialRow) -> bool:
    """Whether a stint is more recent: an open-ended one first, then by dates."""
    never = datetime.date.min

    def when(r: OfficialRow) -> tuple:
        return (r.end_date is None, r.end_date or never, r.start_date or never)

    return when(row) > when(other)


def _state_name(division_id: str) -> str:
    abbr = division_id.rsplit("state:", 1)[-1].upper() if division_id.count("/") == 2 else ""
    state = STATES.get(abbr)
    return state.name if state else ""


def _guess(division_id: str) -> str:
    return division_id.rsplit(":", 1)[-1].replace("_", " ").title()


def _openstates_contacts(person: dict) -> list[ContactRow]:
    offices = [office for office in person.get("offices") or [] if isinstance(office, dict)]
    # Capitol offices first: that is where letters to a legislator go.
    offices.sort(key=lambda office: office.get("classification") != "capitol")
    web_form = next(
        (
            str(link.get("url"))
            for link in person.get("links") or []
            if isinstance(link, dict) and link.get("note") == "webform" and link.get("url")
        ),
        "",
    )

    def each(field: str) -> list[tuple[str, str]]:
        return [
            (str(office.get("classification", "")), _address(str(office[field])))
            for office in offices
            if office.get(field)
        ]

    email = str(person.get("email") or "").strip()
    return contacts_from(
        email=email if EMAIL.match(email) else "",
        postal=each("address"),
        phone=each("voice"),
        fax=each("fax"),
        web_form=web_form,
    )


def _address(value: str) -> str:
    # Open States separates address lines with semicolons.
    return "\n".join(part.strip() for part in value.split(";") if part.strip())
