"""The Census Bureau's boundary files, read as divisions: which OCD division a
feature of a TIGER/Line or cartographic boundary file is.

A feature's attributes say what it is: `STATEFP` and `SLDUST` (a state
senate district), `SLDLST` (a state house district), `CD119FP` (a
congressional district), `COUNTYFP`, `PLACEFP`, or `STATEFP` alone (a state),
with `GEOID` and names (`NAME`, `NAMELSAD`). 2010 and 2020 vintages suffix
them (`STATEFP20`); that suffix is ignored.

This module says what a feature could be called; the boundary importer
looks the candidates up among the divisions that exist, census GEOIDs first
(a division's `census_geoid`, `fips` or `geoid` code), then these OCD ids in
order. District numbers come from the census code ("001" -> `sldl:1`,
"01A" -> `sldl:1a`); named districts from the name, spelt as the OCD ids
spell them ("1st Barnstable District" -> `sldl:1st_barnstable`, "First
Essex & Middlesex" -> `sldu:1st_essex_and_middlesex`, New Hampshire's
"Carroll County No. 1" -> `sldl:carroll_1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import ORDINAL_WORDS, ocd_slug, ordinal
from .us import STATES_BY_FIPS, district_row, state_id

# What each kind of census area may be called in OCD ids.
OCD_TYPES = {
    "state": {"state", "district", "territory"},
    "county": {"county", "parish", "borough", "censusarea", "municipio"},
    "place": {"place"},
    "cd": {"cd"},
    "sldu": {"sldu"},
    "sldl": {"sldl"},
}
CODE_FIELDS = {"SLDUST": "sldu", "SLDLST": "sldl", "PLACEFP": "place", "COUNTYFP": "county"}
CD_FIELD = re.compile(r"^CD(\d{3})?FP$")
VINTAGE = re.compile(r"^(.*[A-Z])(10|20)$")
# Census codes for the parts of a state that no district covers (water, mostly).
NO_DISTRICT = {"ZZZ", "ZZ"}
# A congressional district code for a state's single seat: at-large, or a
# delegate's (DC, Puerto Rico and the island areas).
AT_LARGE = {"00", "98"}
CHAMBER_WORDS = re.compile(
    r"\b(state\s+)?(senate|house(\s+of\s+delegates)?|assembly|general\s+assembly|"
    r"legislative|senatorial)?\s*(sub)?district\b",
    re.IGNORECASE,
)
COUNTY_NUMBER = re.compile(r"\bcounty\s+no\.?\s*(\d+)", re.IGNORECASE)
ORDINAL_WORD = re.compile(rf"\b({'|'.join(ORDINAL_WORDS)})\b", re.IGNORECASE)


@dataclass(frozen=True)
class CensusArea:
    kind: str  # state, county, place, cd, sldu, sldl
    state: str  # postal abbreviation
    geoid: str
    candidates: tuple[str, ...]  # OCD ids to try, best first
    label: str  # how to name it in a report: GEOID and name
    no_district: bool = False  # a ZZZ area: no district to link


def attributes(properties: dict) -> dict[str, str]:
    """Attribute names upper-cased and without a vintage suffix, values as text."""
    out = {}
    for key, value in properties.items():
        name = str(key).upper()
        match = VINTAGE.match(name)
        out[match.group(1) if match else name] = "" if value is None else str(value).strip()
    return out


def census_area(properties: dict) -> CensusArea | str | None:
    """What a census boundary feature is, a reason it cannot be read as one, or
    None when its attributes are not the Census Bureau's."""
    fields = attributes(properties)
    if "ZCTA5CE" in fields:
        return "this is a ZCTA (postal code) area: give the file as postal-code areas"
    state_fp = fields.get("STATEFP")
    if not state_fp:
        return None
    state = STATES_BY_FIPS.get(state_fp)
    if state is None:
        return f"STATEFP {state_fp!r} is not a state's FIPS code"
    kind, code = "state", ""
    cd_fields = sorted(name for name in fields if CD_FIELD.match(name))
    if cd_fields:
        kind, code = "cd", fields[cd_fields[-1]]
    for name, field_kind in CODE_FIELDS.items():
        if name in fields:
            kind, code = field_kind, fields[name]
            break
    geoid = state_fp + code
    if fields.get("GEOID", geoid) != geoid:
        # A finer area that also carries these codes: a county subdivision,
        # a tract, a school district...
        return (
            f"GEOID {fields['GEOID']} is not a {kind}'s ({geoid}): this importer reads "
            "states, counties, places, congressional and state legislative districts; "
            "for other areas add an ocd_id property"
        )
    name = fields.get("NAMELSAD") or fields.get("NAME", "")
    label = f"GEOID {geoid}" + (f", {name!r}" if name else "")
    if code.upper() in NO_DISTRICT:
        return CensusArea(kind, state.abbr, geoid, (), label, no_district=True)
    return CensusArea(kind, state.abbr, geoid, _candidates(kind, state.abbr, code, fields), label)


def _candidates(kind: str, abbr: str, code: str, fields: dict[str, str]) -> tuple[str, ...]:
    if kind == "state":
        return (state_id(abbr),)
    if kind == "cd":
        if code in AT_LARGE:
            return (district_row(abbr, 0).ocd_id,)
        return (district_row(abbr, int(code)).ocd_id,) if code.isdigit() else ()
    if kind not in {"sldu", "sldl"}:
        return ()  # counties and places are found by GEOID alone
    slugs = [code.lstrip("0").lower()] if code.strip("0") else []
    slugs += [district_slug(fields[name]) for name in ("NAME", "NAMELSAD") if fields.get(name)]
    ids = [f"{state_id(abbr)}/{kind}:{slug}" for slug in slugs if slug]
    return tuple(dict.fromkeys(ids))


def district_slug(name: str) -> str:
    """A legislative district's name as its OCD id segment: 'State Senate
    District 12' -> '12', 'First Essex & Middlesex' -> '1st_essex_and_middlesex'."""
    text = CHAMBER_WORDS.sub(" ", name)
    text = COUNTY_NUMBER.sub(r" \1", text)
    text = ORDINAL_WORD.sub(lambda match: ordinal(ORDINAL_WORDS[match[1].lower()]), text)
    return ocd_slug(" ".join(text.replace(",", " ").split()))
