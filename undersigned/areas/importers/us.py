"""United States specifics shared by the US adapters: states and their districts.

State names and FIPS codes come from the `us` package, which ships them.
"""

from __future__ import annotations

import us

from .base import DivisionRow, ordinal

COUNTRY = "ocd-division/country:us"
# The 50 states, DC and the five inhabited territories.
STATES = {state.abbr: state for state in us.states.STATES_AND_TERRITORIES}
STATES_BY_FIPS = {state.fips: state for state in STATES.values()}


def state_id(abbr: str) -> str:
    return f"{COUNTRY}/state:{abbr.lower()}"


def district_row(abbr: str, district: int, *, line: int = 0, file: str = "") -> DivisionRow:
    """A congressional district as OCD names it; district 0 is the at-large seat."""
    state = STATES[abbr]
    if district == 0:
        return DivisionRow(
            f"{state_id(abbr)}/cd:at-large",
            f"{state.name}'s at-large congressional district",
            line=line,
            file=file,
        )
    return DivisionRow(
        f"{state_id(abbr)}/cd:{district}",
        f"{state.name}'s {ordinal(district)} congressional district",
        line=line,
        file=file,
    )
