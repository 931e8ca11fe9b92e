"""Build zip-centres.csv, the centre of every US ZIP code, from `zipcodes`.

    .venv/bin/python undersigned/areas/data/build_zip_centres.py

One line per ZIP code, sorted: `code,latitude,longitude`, the coordinates as
the `zipcodes` package gives them. Publishing a campaign's numbers reads the
codes it needs from this file to place the map's dots
(undersigned/participation/actions.py, `zip_points`) instead of asking
`zipcodes`, which keeps its whole table (about 55 MB) in the memory of any
process that asks it once. Run it again after upgrading `zipcodes`; a test
checks that the file matches the installed package.
"""

from __future__ import annotations

from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "zip-centres.csv"


def lines() -> list[str]:
    import zipcodes

    return sorted(
        f"{entry['zip_code']},{entry['lat']},{entry['long']}\n"
        for entry in zipcodes.list_all()
        if entry.get("lat") and entry.get("long")
    )


def main() -> None:
    OUTPUT.write_text("".join(lines()), encoding="ascii")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
