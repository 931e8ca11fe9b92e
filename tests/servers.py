"""Real web servers for tests: granian as the README runs it, on loopback,
with a production environment built from nothing (the test process runs
with test settings, which are not production's)."""

from __future__ import annotations

import http.client
import os
import secrets
import shlex
import signal
import subprocess
from pathlib import Path

from undersigned.privacy.keys import generate_key_ring_json

from .delivery_helpers import free_port, wait_for
from .worker_processes import BIN, ROOT, parent_of

HOST = "127.0.0.1"


def production_environment(var_dir: Path) -> dict[str, str]:
    """Only what production sets: no UNDERSIGNED_DEMO, _DEBUG or _TESTING, no DATABASE_URL."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "petitions.example.org",
        "SITE_URL": "https://petitions.example.org",
        "UNDERSIGNED_KEYS": generate_key_ring_json(),
        "UNDERSIGNED_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
    }


def served_on_loopback(var_dir: Path) -> dict[str, str]:
    """Production's environment, answering plain HTTP on loopback (the proxy's job aside)."""
    return {
        **production_environment(var_dir),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        # The clock-moved pass of the suite reaches servers through these.
        **{k: v for k, v in os.environ.items() if k in {"PYTHONPATH", "UNDERSIGNED_TEST_CLOCK"}},
    }


def readme_granian_command() -> list[str]:
    """The granian command of the README's production section, as an operator copies it."""
    readme = (ROOT / "README.md").read_text()
    (line,) = [line for line in readme.splitlines() if line.startswith("granian ")]
    return shlex.split(line.split("#", 1)[0])


class Granian:
    """granian started from `command` (the README's by default) on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path, command: list[str] | None = None):
        self.port = free_port()
        self.env = env
        self.log = log
        command = list(command or readme_granian_command())
        command[0] = str(BIN / "granian")
        self.command = with_option(with_option(command, "--host", HOST), "--port", str(self.port))
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Granian:
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        if not wait_for(self.answers, timeout=60):
            self.stop()
            raise AssertionError(f"granian did not start:\n{self.log.read_text()}")
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def workers(self) -> list[int]:
        """The pids of granian's worker processes (its main process's children)."""
        assert self.process is not None
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if parent_of(int(entry.name)) == self.process.pid:
                        found.append(int(entry.name))
                except (FileNotFoundError, ProcessLookupError):
                    continue
        return found

    def request(self, method: str, path: str, body: bytes = b"", headers=None):
        """(status, headers, body) of one request on a connection of its own."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=20)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            self.request("GET", "/no-such-page/")
        except OSError:
            return False
        return True


def with_option(command: list[str], option: str, value: str) -> list[str]:
    if option in command:
        command = list(command)
        command[command.index(option) + 1] = value
        return command
    return [*command[:-1], option, value, command[-1]]
