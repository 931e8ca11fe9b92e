"""A boundary import is one transaction: killed with SIGKILL after it has
written its new links but before it removed the old ones and committed, it
leaves the links exactly as they were, and the next import goes through.
A database error in the same place rolls back the same way.

The killed import is the real command's code in a process of its own, on a
database of the test's own (an SQLite file, or a fresh PostgreSQL database
when the tests run on PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

import pytest
from django.db import OperationalError

from undersigned.areas.importers import boundaries as importer
from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.models import PostalCodeDivision

from .boundaries import MA, US, box, feature, geojson, make_divisions, polygon
from .worker_processes import BIN, ROOT, ScenarioDatabase, run

WEST, EAST = f"{MA}/sldl:west_test", f"{MA}/sldl:east_test"
DIVISIONS = f"id,name\n{US},United States\n{MA},Massachusetts\n{WEST},West\n{EAST},East\n"

# Import, then die the moment the new links are written, inside the transaction.
KILLED_MIDWAY = """
import os, signal, sys
import django
django.setup()
from undersigned.areas.importers import boundaries
from undersigned.areas.importers.registry import run_importer
written = boundaries.upsert_rows
def write_then_die(*args, **kwargs):
    written(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
boundaries.upsert_rows = write_then_die
run_importer("boundaries", sys.argv[1])
"""


def split_at(longitude: float) -> bytes:
    """Somerville and Cambridge, west and east of a line (9 ZIP centres)."""
    return geojson(
        feature(polygon(box(-71.14, 42.361, longitude, 42.41)), ocd_id=WEST),
        feature(polygon(box(longitude, 42.361, -71.07, 42.41)), ocd_id=EAST),
    )


def links(database: ScenarioDatabase) -> set[tuple[str, str]]:
    return set(
        database.query(
            "SELECT l.postal_code, d.ocd_id FROM areas_postalcodedivision l "
            "JOIN areas_division d ON d.id = l.division_id"
        )
    )


def test_an_import_killed_before_it_commits_changes_nothing(tmp_path):
    with ScenarioDatabase(tmp_path) as database:
        env = {
            **os.environ,
            **database.env(),
            "DJANGO_SETTINGS_MODULE": "undersigned.settings",
            "UNDERSIGNED_VAR_DIR": str(tmp_path),
        }
        undersigned = str(BIN / "undersigned")
        (tmp_path / "divisions.csv").write_text(DIVISIONS)
        (tmp_path / "before.geojson").write_bytes(split_at(-71.11))
        (tmp_path / "after.geojson").write_bytes(split_at(-71.10))
        run([undersigned, "migrate", "--verbosity", "0"], env)
        run([undersigned, "areas", "import", "divisions", str(tmp_path / "divisions.csv")], env)
        run([undersigned, "areas", "import", "boundaries", str(tmp_path / "before.geojson")], env)
        before = links(database)
        assert len(before) == 9

        killed = subprocess.run(
            [sys.executable, "-c", KILLED_MIDWAY, str(tmp_path / "after.geojson")],
            env=env, cwd=ROOT, capture_output=True, timeout=300,
        )  # fmt: skip

        assert killed.returncode == -9, killed.stderr.decode()
        assert links(database) == before
        run([undersigned, "areas", "import", "boundaries", str(tmp_path / "after.geojson")], env)
        after = links(database)
        assert len(after) == 9
        assert after - before == {(code, WEST) for code in ["02238", "02139", "02143"]}


@pytest.mark.django_db
def test_a_database_error_midway_rolls_the_whole_import_back():
    make_divisions(f"{MA},Massachusetts", f"{WEST},West", f"{EAST},East")
    import_boundaries(split_at(-71.11))
    before = set(PostalCodeDivision.objects.values_list("postal_code", "division_id"))

    written = importer.upsert_rows

    def write_then_fail(*args, **kwargs):
        written(*args, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    with (
        mock.patch.object(importer, "upsert_rows", write_then_fail),
        pytest.raises(OperationalError),
    ):
        import_boundaries(split_at(-71.10))

    assert set(PostalCodeDivision.objects.values_list("postal_code", "division_id")) == before
