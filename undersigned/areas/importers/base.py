"""What every importer shares: records, errors, reports and CSV reading."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, cast

# Lines of detail a report keeps per kind of change; the counts are always complete.
DETAIL_LIMIT = 20


@dataclass(frozen=True, order=True)
class RowError:
    """A problem with one row: where it is (file and line, or file alone) and what."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else ""
        if self.file:
            where = f"{self.file}, {where}" if where else self.file
        return f"{where}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The file had bad rows; nothing was written. `errors` lists every one."""

    def __init__(self, errors: Iterable[RowError]):
        self.errors = sorted(errors, key=lambda error: (error.file, error.line))
        lines = len({(error.file, error.line) for error in self.errors})
        super().__init__(f"{lines} bad line{'s' if lines != 1 else ''}; nothing was imported")


@dataclass
class ImportReport:
    """What an import changed (or, in a dry run, would have changed)."""

    what: str
    dry_run: bool = False
    rows: int = 0
    counts: dict[str, Counter] = field(default_factory=dict)
    details: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    # (country, postal code) pairs whose division links the import changed,
    # for importers that say (the boundary importer): once a real run has
    # returned they are committed, and signatures waiting for an area there
    # can be placed. In a dry run, what would have changed.
    postal_codes_changed: set[tuple[str, str]] = field(default_factory=set, repr=False)
    # Whether officials or their contact points were created, changed or retired.
    officials_changed: bool = False

    def count(self, model: str, change: str, detail: str = "", n: int = 1) -> None:
        self.counts.setdefault(model, Counter())[change] += n
        if detail and change != "unchanged":
            lines = self.details.setdefault(f"{model} {change}", [])
            if len(lines) < DETAIL_LIMIT:
                lines.append(detail)

    def total(self, model: str, change: str) -> int:
        return self.counts.get(model, Counter())[change]

    def merge(self, other: ImportReport) -> None:
        for model, counter in other.counts.items():
            self.counts.setdefault(model, Counter()).update(counter)
        for key, lines in other.details.items():
            mine = self.details.setdefault(key, [])
            mine.extend(lines[: DETAIL_LIMIT - len(mine)])

    def summary(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        parts = []
        for model, counter in self.counts.items():
            changes = ", ".join(f"{n} {change}" for change, n in sorted(counter.items()) if n)
            parts.append(f"{model}: {changes or 'nothing'}")
        head = f"{self.what}: {self.rows} rows read; {verb}: " + ("; ".join(parts) or "nothing")
        return head + (f" ({self.seconds:.1f}s)" if self.seconds else "")

    def lines(self) -> list[str]:
        """The summary, then examples of each change."""
        out = [self.summary()]
        for key, examples in self.details.items():
            model, change = key.rsplit(" ", 1)
            total = self.total(model, change)
            out.append(f"  {key} ({total}):")
            out.extend(f"    {line}" for line in examples)
            if total > len(examples):
                out.append(f"    … and {total - len(examples)} more")
        return out


@dataclass
class DivisionRow:
    ocd_id: str
    name: str
    valid_from: datetime.date | None = None
    valid_through: datetime.date | None = None
    aliases: list[str] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)
    line: int = 0
    file: str = ""


@dataclass
class LinkRow:
    country: str
    postal_code: str
    division_id: str  # OCD id
    method: str
    source: str
    weight: float | None = None
    line: int = 0
    file: str = ""


@dataclass
class ContactRow:
    kind: str
    value: str
    label: str = ""
    for_delivery: bool = False


@dataclass
class OfficialRow:
    name: str
    office: str
    role: str
    division_id: str  # OCD id
    person_id: str = ""
    party: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    contacts: list[ContactRow] = field(default_factory=list)
    line: int = 0
    file: str = ""
    # An explicit key, for rows that are not from a file (the demo's).
    identity: str = ""

    @property
    def key(self) -> str:
        if self.identity:
            return self.identity
        who = self.person_id or f"name:{' '.join(self.name.lower().split())}"
        return f"{who}|{self.role}|{self.division_id}"


OCD_ID = re.compile(r"^ocd-division/country:[a-z]{2}(/[a-z_]+:[^/:\s]+)*$")


def check_ocd_id(value: str) -> str | None:
    """An error message when the value is not an Open Civic Data division id."""
    if not OCD_ID.match(value):
        return f"{value!r} is not an OCD division id (like ocd-division/country:us/state:ma)"
    if value != value.lower():
        return f"{value!r}: OCD division ids are lower case"
    return None


def ocd_slug(name: str) -> str:
    """An OCD id segment value for a name, as the OCD ids themselves spell them:
    'St. Mary's' -> 'st_mary~s', 'Fredonia (Biscoe)' -> 'fredonia_~biscoe~'."""
    text = name.lower().replace("&", "and")
    for char in "'()\u2019":
        text = text.replace(char, "~")
    text = text.replace(".", "").replace(",", "")
    return re.sub(r"[\s/]+", "_", text.strip())


def parse_date(value: str) -> datetime.date | None:
    """YYYY-MM-DD or empty; raises ValueError with a readable message."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2025-01-31") from None


def text_lines(data: IO[bytes] | IO[str] | bytes | str) -> Iterator[str]:
    """Lines of text from an upload, an open file or a string, BOM removed.

    Bytes are decoded as UTF-8 a line at a time, so a bad byte is reported
    at its own line rather than wherever a read buffer happened to end.
    """
    if isinstance(data, str):
        yield from io.StringIO(data.removeprefix("\ufeff"), newline="")
        return
    if isinstance(data, io.TextIOBase):
        yield from data
        return
    # What is left is binary: bytes, or a file opened "rb" (an upload is one).
    binary = io.BytesIO(data) if isinstance(data, bytes) else cast(IO[bytes], data)
    for number, raw in enumerate(binary):
        yield (raw.removeprefix(codecs.BOM_UTF8) if number == 0 else raw).decode("utf-8")


def read_csv(
    data, required: Iterable[str], errors: list[RowError], *, file: str = ""
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with stripped values; record problems in `errors`.

    A missing column is one error on line 1 and no rows. A row that cannot be
    decoded stops the reading with an error at its line.
    """
    reader = csv.DictReader(text_lines(data))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except (UnicodeDecodeError, csv.Error) as error:
        errors.append(RowError(file, 1, f"cannot read the header: {error}"))
        return
    reader.fieldnames = header
    missing = [name for name in required if name not in header]
    if missing:
        errors.append(
            RowError(
                file,
                1,
                f"missing column(s) {', '.join(missing)}; the header is: {','.join(header)}",
            )
        )
        return
    line = reader.line_num
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if None in row:
                errors.append(RowError(file, start, "more values than columns"))
                continue
            values = {key: (value or "").strip() for key, value in row.items()}
            if not any(values.values()):
                continue
            yield start, values
    except (UnicodeDecodeError, csv.Error) as error:
        errors.append(RowError(file, line + 1, f"cannot read this line: {error}"))


# Ordinal words as district names spell them ("Fifth Middlesex") -> their number.
ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
ORDINAL_WORDS = {word: number for number, word in enumerate(ORDINALS, 1)}


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"
