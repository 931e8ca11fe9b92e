"""Real `undersigned worker` processes for tests: a database of the test's own
that other processes reach (an SQLite file, or a fresh PostgreSQL database
when the tests run on PostgreSQL), and what to ask about the processes."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .delivery_helpers import wait_for
from .pooler import end_idle_sessions

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The application_name of the test's own connections to a scenario database.
TEST_CLIENT = "undersigned-tests"


class ScenarioDatabase:
    """A database of the test's own, reachable from other processes; a copy of
    `template` if given (a migrated one: migrating takes seconds)."""

    def __init__(self, tmp_path: Path, template: ScenarioDatabase | None = None):
        self.tmp_path = tmp_path
        self.template = template
        self.url = os.environ.get("DATABASE_URL", "")
        self.name = f"undersigned_scenario_{uuid.uuid4().hex[:8]}"

    def env(self) -> dict[str, str]:
        if not self.url:
            return {"SQLITE_PATH": str(self.tmp_path / "scenario.sqlite3")}
        parts = urlsplit(self.url)
        return {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{self.name}"))}

    def __enter__(self) -> ScenarioDatabase:
        if self.url:
            copy = f' TEMPLATE "{self.template.name}"' if self.template else ""
            if self.template:
                end_idle_sessions(self.url, self.template.name)
            self._admin(f'CREATE DATABASE "{self.name}"{copy}')
        elif self.template:
            with (
                sqlite3.connect(self.template.tmp_path / "scenario.sqlite3") as source,
                sqlite3.connect(self.tmp_path / "scenario.sqlite3") as copy,
            ):
                source.backup(copy)
        return self

    def __exit__(self, *exc) -> None:
        if self.url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        parts = urlsplit(self.url)
        with psycopg.connect(
            host=parts.hostname, port=parts.port or 5432, user=parts.username,
            password=parts.password, dbname="postgres", autocommit=True,
        ) as admin:  # fmt: skip
            admin.execute(sql)

    def query(self, sql: str) -> list[tuple]:
        if not self.url:
            with sqlite3.connect(self.tmp_path / "scenario.sqlite3", timeout=20) as db:
                return db.execute(sql).fetchall()
        import psycopg

        # Named, so that a test cutting the workers' connections spares it.
        with psycopg.connect(self.env()["DATABASE_URL"], application_name=TEST_CLIENT) as db:
            return db.execute(sql).fetchall()


SHORT_BUSY_TIMEOUT = """
from undersigned.settings import *  # noqa: F403

DATABASES["default"]["OPTIONS"]["timeout"] = 0.2  # noqa: F405
"""


def worker_env(tmp_path: Path, database: ScenarioDatabase, *, smtp_port: int | None = None,
               short_busy_timeout: bool = False, **extra: str) -> dict[str, str]:  # fmt: skip
    """The environment of a real `undersigned` process on the test's database:
    production settings (on SQLite, with its busy timeout cut to 0.2 s if
    asked), mail to the test's SMTP server on loopback, and `extra` settings."""
    env = {
        **os.environ,
        **database.env(),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "UNDERSIGNED_VAR_DIR": str(tmp_path),
    }
    if smtp_port is not None:
        env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)})
    if short_busy_timeout and not database.url:
        (tmp_path / "short_busy_timeout.py").write_text(SHORT_BUSY_TIMEOUT)
        env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
        env["DJANGO_SETTINGS_MODULE"] = "short_busy_timeout"
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, timeout=300)
    # A failure says why: the command's last lines of output.
    assert done.returncode == 0, (args[1:], done.stdout[-2000:], done.stderr[-2000:])


def start_sender(env: dict[str, str], log: Path, *, senders: int) -> subprocess.Popen:
    """A worker that only sends (no counting), polling every 0.2 s, its output in `log`."""
    return subprocess.Popen(
        [str(BIN / "undersigned"), "worker", "--no-startup-delay", "--interval", "0.2",
         "--counting", "off", "--senders", str(senders)],
        env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def kill_when(process: subprocess.Popen, ready, log: Path, timeout: float = 60) -> None:
    """SIGKILL the process once `ready()` is true (it fails if that never
    comes, with the process's output), and reap it."""
    try:
        assert wait_for(ready, timeout), log.read_text()
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()


def emails_sent(database: ScenarioDatabase) -> int:
    """How many e-mails the test's database records sent."""
    [(count,)] = database.query("SELECT COUNT(*) FROM outbox_email WHERE state = 'sent'")
    return count


def kill_mid_send(env: dict[str, str], log: Path, mailbox, *, senders: int) -> None:
    """Start a sending worker while the mail server answers each message late,
    and kill it with SIGKILL once four messages have arrived: mid-send."""
    mailbox.delay = 0.5
    kill_when(start_sender(env, log, senders=senders), lambda: len(mailbox.received) >= 4, log)


def alive(pid: int) -> bool:
    """Whether the process runs; a zombie (ended, not yet reaped) does not. Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def count_processes(log: Path) -> list[int]:
    """The pids of the count processes the worker logged starting, in order."""
    return [int(pid) for pid in re.findall(r"count process started \(pid (\d+)\)", log.read_text())]
