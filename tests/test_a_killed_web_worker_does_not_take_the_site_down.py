"""One web worker killed (SIGKILL, as the kernel's OOM killer does) does not
take the site down: granian, started with the README's production command,
keeps answering and starts a new worker in its place. Without
--respawn-failed-workers, granian's main process exits within a second of
losing a worker, and every other worker with it.

The systemd units in docs/systemd/ run that same command and restart the
whole server (and the task worker) if it ever exits.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from configparser import ConfigParser

from .delivery_helpers import wait_for
from .servers import Granian, readme_granian_command, served_on_loopback
from .worker_processes import BIN, ROOT, ScenarioDatabase, run

UNITS = ROOT / "docs" / "systemd"


def test_the_readme_command_respawns_failed_workers():
    assert "--respawn-failed-workers" in readme_granian_command()


def test_the_site_answers_while_and_after_a_worker_is_killed(tmp_path):
    with ScenarioDatabase(tmp_path) as database:
        env = {**served_on_loopback(tmp_path), **database.env()}
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        with Granian(env, tmp_path / "granian.log") as server:
            assert server.request("GET", "/")[0] == 200
            workers = server.workers()
            assert len(workers) == 3  # as the README says
            os.kill(workers[0], signal.SIGKILL)
            killed = time.monotonic()

            answers = []  # (seconds after the kill, status or the error's name)
            while time.monotonic() - killed < 8:  # past granian's respawn interval (3.5 s)
                try:
                    answers.append((time.monotonic() - killed, server.request("GET", "/")[0]))
                except OSError as error:
                    answers.append((time.monotonic() - killed, type(error).__name__))
                time.sleep(0.05)
            assert server.process.poll() is None, "granian's main process exited"
            assert wait_for(lambda: len(server.workers()) == 3, timeout=20)
            assert workers[0] not in server.workers()
            assert server.request("GET", "/")[0] == 200
    # What the killed worker had taken may be lost (a reset, in the first
    # moments: one request on a quiet machine, two within 0.08 s on a loaded
    # one); every later one is answered. Without the respawn option every
    # request after the first second fails.
    lost = [(after, what) for after, what in answers if what != 200]
    assert len(lost) <= 3 and all(after < 1 for after, _ in lost), lost
    assert len(answers) - len(lost) >= 20


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(UNITS / name)
    return parser


def test_the_systemd_units_run_the_readme_command_and_restart_on_failure():
    web, worker = unit("undersigned-web.service"), unit("undersigned-worker.service")
    web_command = shlex.split(web["Service"]["ExecStart"])
    # The unit names granian by its path; the options are the README's.
    assert web_command[0].endswith("/granian")
    assert web_command[1:] == readme_granian_command()[1:]
    assert shlex.split(worker["Service"]["ExecStart"])[1:] == ["worker"]
    for service in (web, worker):
        assert service["Service"]["Restart"] in {"always", "on-failure"}
        assert float(service["Service"]["RestartSec"].rstrip("s")) > 0
        assert service["Service"]["EnvironmentFile"] == "/etc/undersigned/environment"
        assert service["Install"]["WantedBy"] == "multi-user.target"
