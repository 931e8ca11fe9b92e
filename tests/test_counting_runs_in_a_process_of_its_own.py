"""`undersigned worker` counts in a child process of its own, so that the
task loop's PDFs and e-mail never hold up counts and milestones on the GIL.
The child counts, is started again when it dies, and never outlives the
worker, whether it is stopped or killed.

Real processes, on a database of the test's own (an SQLite file, or a fresh
PostgreSQL database when the tests run on PostgreSQL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .delivery_helpers import wait_for
from .worker_processes import (
    BIN,
    ROOT,
    ScenarioDatabase,
    alive,
    count_processes,
    parent_of,
    run,
)


def environ(database: ScenarioDatabase, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        **database.env(),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "UNDERSIGNED_VAR_DIR": str(tmp_path),
    }


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("migrated")
    with ScenarioDatabase(tmp_path) as database:
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], environ(database, tmp_path))
        yield database


@pytest.fixture
def database(migrated, tmp_path):
    with ScenarioDatabase(tmp_path, template=migrated) as database:
        database.environ = environ(database, tmp_path)
        yield database


def start_worker(database, log: Path) -> subprocess.Popen:
    """The worker as `make demo` and the benchmark start it."""
    return subprocess.Popen(
        [str(BIN / "undersigned"), "worker", "--no-startup-delay", "--interval", "0.5"],
        env=database.environ, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def sign_up_three(database) -> None:
    """Three confirmed signers, with their count events waiting."""
    run([sys.executable, "-m", "tests.delivery_scenario", "setup", "3"], database.environ)


def counted(database) -> int:
    rows = database.query("SELECT confirmed FROM deliveries_tally WHERE division_id IS NULL")
    return rows[0][0] if rows else 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_worker_counts_in_a_child_process_that_stops_with_it(database, tmp_path, signum):
    sign_up_three(database)
    log = tmp_path / "worker.log"
    worker = start_worker(database, log)
    try:
        assert wait_for(lambda: counted(database) == 3, timeout=30), log.read_text()
        (child,) = count_processes(log)
        assert parent_of(child) == worker.pid
        # The task loop yields the CPU to web requests (--nice 10 by default);
        # counting, light and what keeps milestones current, does not.
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(ours + 10, 19)
        assert os.getpriority(os.PRIO_PROCESS, child) == ours
        worker.send_signal(signum)
        assert worker.wait(20) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert not alive(child)


def test_a_count_process_that_dies_is_replaced_and_none_outlives_a_killed_worker(
    database, tmp_path
):
    log = tmp_path / "worker.log"
    worker = start_worker(database, log)
    try:
        assert wait_for(lambda: len(count_processes(log)) == 1, timeout=30), log.read_text()
        (first,) = count_processes(log)
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: len(count_processes(log)) == 2, timeout=10), log.read_text()
        replacement = count_processes(log)[1]
        # The worker does not count: what is counted now, the replacement counted.
        sign_up_three(database)
        assert wait_for(lambda: counted(database) == 3, timeout=30), log.read_text()

        worker.send_signal(signal.SIGKILL)  # no chance to stop its child
        worker.wait(10)
        assert wait_for(lambda: not alive(replacement), timeout=5), log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
