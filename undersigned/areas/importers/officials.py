"""Officials: a generic CSV, and adapters for the unitedstates
congress-legislators CSV and Open States people YAML.

Every official is keyed by (person id or name, role, division), so a
re-import updates the same rows. Contact points: e-mail, postal address,
phone, fax and web form; one e-mail or postal address is marked for delivery
(e-mail first).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import yaml
from django.utils import timezone

from ..actions import ensure_divisions, resolve_divisions, run_import, save_officials
from ..models import ContactPoint
from .base import (
    ContactRow,
    DivisionRow,
    ImportReport,
    OfficialRow,
    RowError,
    check_ocd_id,
    ocd_slug,
    ordinal,
    parse_date,
    read_csv,
)
from .us import STATES, district_row, state_id

Kind = ContactPoint.Kind
ROLE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Open States archives are small; refuse anything that is not.
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_FILES = 20_000
# libyaml's safe loader when PyYAML's wheel has it (it does on common platforms).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def contacts_from(
    *,
    email: str = "",
    postal: Iterable[tuple[str, str]] = (),
    phone: Iterable[tuple[str, str]] = (),
    fax: Iterable[tuple[str, str]] = (),
    web_form: str = "",
    delivery: str = "",
) -> list[ContactRow]:
    """Contact rows in a stable order, one marked for delivery.

    `delivery` is 'email' or 'postal' to choose; otherwise e-mail when there is
    one, else the first postal address.
    """
    contacts = [ContactRow(Kind.EMAIL, email)] if email else []
    contacts += [ContactRow(Kind.POSTAL, value, label) for label, value in postal if value]
    contacts += [ContactRow(Kind.PHONE, value, label) for label, value in phone if value]
    contacts += [ContactRow(Kind.FAX, value, label) for label, value in fax if value]
    if web_form:
        contacts.append(ContactRow(Kind.WEB_FORM, web_form))
    order = [delivery] if delivery else [Kind.EMAIL, Kind.POSTAL]
    for kind in order:
        chosen = next((contact for contact in contacts if contact.kind == kind), None)
        if chosen:
            chosen.for_delivery = True
            break
    return contacts


# Generic CSV ----------------------------------------------------------------

GENERIC_COLUMNS = ["name", "role", "division_id"]


def import_officials_csv(
    data,
    *,
    source: str = "officials-csv",
    dry_run: bool = False,
    retire_missing: bool = False,
    file: str = "",
) -> ImportReport:
    """Columns: name, role, division_id required; office (defaults to the role),
    person_id, party, start_date, end_date, email, postal_address, phone, fax,
    web_form and delivery ('email' or 'postal') optional."""
    errors: list[RowError] = []
    rows: list[OfficialRow] = []
    seen: dict[str, int] = {}
    for line, values in read_csv(data, GENERIC_COLUMNS, errors, file=file):
        problems = []
        if not values["name"]:
            problems.append("the name is empty")
        role = values["role"].lower()
        if not ROLE.match(role):
            problems.append(f"role {values['role']!r}: use a short word like mayor or council")
        problem = check_ocd_id(values["division_id"])
        if problem:
            problems.append(problem)
        dates = {}
        for column in ("start_date", "end_date"):
            try:
                dates[column] = parse_date(values.get(column, ""))
            except ValueError as error:
                problems.append(f"{column}: {error}")
        email = values.get("email", "")
        if email and not EMAIL.match(email):
            problems.append(f"e-mail {email!r} is not an address")
        web_form = values.get("web_form", "")
        if web_form and not web_form.startswith(("https://", "http://")):
            problems.append(f"web_form {web_form!r} is not a web address")
        delivery = values.get("delivery", "").lower()
        if delivery not in {"", "email", "postal"}:
            problems.append(f"delivery {values['delivery']!r}: use email or postal")
        elif delivery and not values.get("postal_address" if delivery == "postal" else "email"):
            problems.append(f"delivery is {delivery} but that column is empty")
        row = OfficialRow(
            name=values["name"],
            office=values.get("office") or role.replace("_", " ").capitalize(),
            role=role,
            division_id=values["division_id"],
            person_id=values.get("person_id", ""),
            party=values.get("party", ""),
            start_date=dates.get("start_date"),
            end_date=dates.get("end_date"),
            contacts=contacts_from(
                email=email,
                postal=[("", values.get("postal_address", "").replace("\\n", "\n"))],
                phone=[("", values.get("phone", ""))],
                fax=[("", values.get("fax", ""))],
                web_form=web_form,
                delivery=delivery,
            ),
            line=line,
            file=file,
        )
        if not problems and row.key in seen:
            problems.append(f"the same official as line {seen[row.key]}")
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        seen[row.key] = line
        rows.append(row)

    def write(report: ImportReport) -> None:
        save_officials(rows, report, source=source, retire_missing=retire_missing)

    return run_import("officials", rows, errors, write, dry_run=dry_run)


# unitedstates/congress-legislators --------------------------------------------


def import_congress_legislators(
    data,
    *,
    source: str = "congress-legislators",
    dry_run: bool = False,
    retire_missing: bool = False,
    file: str = "",
) -> ImportReport:
    """The `legislators-current.csv` of unitedstates/congress-legislators.

    Senators sit on their state, representatives on their congressional
    district (district 0: the at-large seat, created if missing). The file has
    no e-mail addresses: letters go by post to the office address.
    """
    errors: list[RowError] = []
    rows: list[OfficialRow] = []
    districts: dict[str, DivisionRow] = {}
    required = ["last_name", "first_name", "full_name", "type", "state", "district", "party"]
    required += ["address", "bioguide_id"]
    for line, values in read_csv(data, required, errors, file=file):
        problems = []
        abbr = values["state"].upper()
        state = STATES.get(abbr)
        kind = values["type"]
        if state is None:
            problems.append(f"unknown state {values['state']!r}")
        if kind not in {"sen", "rep"}:
            problems.append(f"type {kind!r} is neither sen nor rep")
        if kind == "rep" and not re.fullmatch(r"\d{1,2}", values["district"]):
            problems.append(f"district {values['district']!r} is not a number")
        if not values["bioguide_id"]:
            problems.append("bioguide_id is empty")
        # The newest members sometimes have no full_name yet.
        name = values["full_name"] or " ".join(
            values.get(part, "") for part in ("first_name", "middle_name", "last_name", "suffix")
        )
        name = " ".join(name.split())
        if not name:
            problems.append("no name")
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        if kind == "sen":
            division_id = state_id(abbr)
            office = f"U.S. Senator for {state.name}"
        else:
            district = district_row(abbr, int(values["district"]), line=line, file=file)
            districts.setdefault(district.ocd_id, district)
            division_id = district.ocd_id
            office = f"U.S. Representative for {district.name}"
        rows.append(
            OfficialRow(
                name=name,
                office=office,
                role=kind,
                division_id=division_id,
                person_id=f"bioguide:{values['bioguide_id']}",
                party=values["party"],
                contacts=contacts_from(
                    postal=[("Washington office", values["address"])],
                    phone=[("Washington office", values.get("phone", ""))],
                    web_form=values.get("contact_form", ""),
                ),
                line=line,
                file=file,
            )
        )
    states = resolve_divisions({state_id(abbr) for abbr in STATES})
    creatable = [row for row in districts.values() if row.ocd_id.rsplit("/", 1)[0] in states]

    def write(report: ImportReport) -> None:
        ensure_divisions(creatable, report, source=source)
        save_officials(rows, report, source=source, retire_missing=retire_missing)

    return run_import(
        "Congress legislators",
        rows,
        errors,
        write,
        dry_run=dry_run,
        will_exist=[row.ocd_id for row in creatable],
    )


# Open States people -----------------------------------------------------------

ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
ORDINAL_WORDS = {word: index + 1 for index, word in enumerate(ORDINALS.split())}
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

    wanted = set()
    for _, person in people:
        for role in person.get("roles") or []:
            if isinstance(role, dict) and role.get("district"):
                state = _division_of_jurisdiction(str(role.get("jurisdiction", "")))
                candidates = _district_candidates(
                    state, role.get("type", ""), str(role["district"])
                )
                wanted.update(candidates)
    known = resolve_divisions(wanted)

    rows: list[OfficialRow] = []
    places: dict[str, DivisionRow] = {}
    seen: dict[str, int] = {}
    today = on or timezone.localdate()
    skipped = 0
    for name, person in people:
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
            if not isinstance(role, dict) or not role.get("type") or not role.get("jurisdiction"):
                problems.append("a role without type or jurisdiction")
                continue
            kind = str(role["type"]).strip().lower().replace(" ", "_")
            jurisdiction = _division_of_jurisdiction(str(role["jurisdiction"]))
            if check_ocd_id(jurisdiction):
                problems.append(f"jurisdiction {role['jurisdiction']!r} is not an OCD jurisdiction")
                continue
            try:
                start, end = (
                    parse_date(str(role.get("start_date") or "")),
                    parse_date(str(role.get("end_date") or "")),
                )
            except ValueError as error:
                problems.append(str(error))
                continue
            title = TITLES.get(kind, kind.replace("_", " ").capitalize())
            if role.get("district"):
                candidates = _district_candidates(jurisdiction, kind, str(role["district"]))
                division_id = next((c for c in candidates if c in known), None)
                if division_id is None and end and end < today:
                    # History on a district we do not have: nobody writes to it.
                    skipped += 1
                    continue
                if division_id is None:
                    problems.append(
                        f"no division for {kind} district {role['district']!r} "
                        f"(looked for {' or '.join(candidates)}); import the OCD divisions first"
                    )
                    continue
                office = f"{title}, {role['district']} district"
            else:
                division_id = jurisdiction
                where = (
                    municipalities.get(division_id)
                    or _state_name(division_id)
                    or _guess(division_id)
                )
                office = f"{title} of {where}"
                if "/place:" in division_id:
                    places.setdefault(
                        division_id,
                        DivisionRow(
                            division_id,
                            municipalities.get(division_id) or _guess(division_id),
                            file=name,
                        ),
                    )
            row = OfficialRow(
                name=person_name,
                office=office,
                role=kind,
                division_id=division_id,
                person_id=str(person.get("id", "")),
                party=party,
                start_date=start,
                end_date=end,
                contacts=contacts,
                file=name,
            )
            if row.key in seen:
                # The same office held twice (served, left, came back): keep
                # the latest stint; the official is one row with its dates.
                index = seen[row.key]
                if _later(row, rows[index]):
                    rows[index] = row
                continue
            seen[row.key] = len(rows)
            rows.append(row)
        errors.extend(RowError(name, 0, problem) for problem in problems)

    states = resolve_divisions({place.rsplit("/", 1)[0] for place in places})
    creatable = [row for row in places.values() if row.ocd_id.rsplit("/", 1)[0] in states]

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
