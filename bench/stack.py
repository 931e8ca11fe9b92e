"""The processes of a benchmark run, started, measured and stopped: helpers
and `Stack`, one web server and one worker on one database (bench/run.py);
bench/topology.py has the multi-node one."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
BENCH = ROOT / "bench"
VAR = BENCH / "var"
RESULTS = BENCH / "results"
PG_DATABASE = "undersigned_bench"
PG_URL = f"postgres://undersigned:undersigned@127.0.0.1:5432/{PG_DATABASE}" + os.environ.get(
    "BENCH_PG_OPTIONS", ""
)

started_processes: list[subprocess.Popen] = []


# Processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
    process = subprocess.Popen(
        command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    started_processes.append(process)
    return process


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def stop_all() -> None:
    for process in reversed(started_processes):
        stop(process)
    started_processes.clear()


def run(command: list[str], env: dict, *, timeout: float = 900) -> str:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}… failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def probe(env: dict, *args: str, timeout: float = 900) -> dict:
    out = run([PYTHON, str(BENCH / "probe.py"), *args], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int], *, exited_children: bool = False) -> float:
    """CPU time of these processes (and, optionally, of their children that ended)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if exited_children:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def database_backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `database` now."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    words = (entry / "cmdline").read_bytes().replace(b"\0", b" ").split()
                    if database.encode() in words:
                        pids.append(int(entry.name))
    return {pid: cpu_seconds([pid]) for pid in pids}


class BackendLedger:
    """The benchmark database's share of PostgreSQL, where other databases
    share the server: the CPU of every backend connected to it, as last seen.
    A lower bound (what a backend spent after its last sighting, and the
    server's own background processes, are not counted); never decreasing."""

    def __init__(self, database: str):
        self.database = database
        self.seen: dict[int, float] = {}

    def seconds(self) -> float:
        self.seen.update(database_backends_cpu(self.database))
        return sum(self.seen.values())


def postgres_cpu() -> float:
    """All PostgreSQL processes, including backends that ended since (counted
    in the postmaster's children's time). Other users of the cluster count too."""
    live, postmasters = [], []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    live.append(int(entry.name))
                    parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                    if _comm(parent) != "postgres":
                        postmasters.append(int(entry.name))
    return (
        cpu_seconds(live)
        + cpu_seconds(postmasters, exited_children=True)
        - cpu_seconds(postmasters)
    )


def wait_for_200(port: int, var: Path, *, times: int = 1) -> None:
    """Until GET / on this port has answered 200 `times` times in a row."""
    deadline, in_a_row = time.monotonic() + 60, 0
    while in_a_row < times:
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} did not answer 200 within 60 s; see {var}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/")
            in_a_row = in_a_row + 1 if conn.getresponse().status == 200 else 0
        except OSError:
            in_a_row = 0
        finally:
            conn.close()
        if in_a_row < times:
            time.sleep(0.2)


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def wait_until_quiet(limit: float, threshold: float, minutes: float) -> dict:
    """Wait (polling every 30 s, at most `minutes`) for the 1-minute load < threshold."""
    started = time.monotonic()
    while loadavg()[0] >= threshold and time.monotonic() - started < minutes * 60:
        print(f"  waiting for a quiet machine: load {loadavg()[0]:.2f}", flush=True)
        time.sleep(min(30, limit))
    return {
        "waited_s": round(time.monotonic() - started),
        "quiet": loadavg()[0] < threshold,
        "loadavg": loadavg(),
    }


# The stack -----------------------------------------------------------------------


def production_environment(var: Path) -> dict:
    """Production settings with fresh keys; only what plain HTTP on loopback
    needs differs. The caller adds the database (and the mail server)."""
    sys.path.insert(0, str(ROOT))
    from undersigned.privacy.keys import generate_key_ring_json

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("UNDERSIGNED_", "DATABASE_", "SQLITE_", "EMAIL_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "undersigned.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "UNDERSIGNED_KEYS": generate_key_ring_json(),
            "UNDERSIGNED_VAR_DIR": str(var),
            # The load generator plays the reverse proxy: it sends each
            # signer's address in X-Forwarded-For (documentation prefixes).
            "TRUSTED_PROXIES": "1",
            # A surge of 10,000 signers in a minute is what the mail caps
            # exist to spread over hours; the benchmark measures how fast
            # the pipeline sends, so it turns them off (0: no cap).
            "MAIL_PER_HOUR": "0",
            "MAIL_PER_HOUR_PER_DOMAIN": "0",
            "MAIL_PER_HOUR_PER_NETWORK": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def granian_command(port: int, workers: int, threads: int) -> list[str]:
    return [
        str(BIN / "granian"),
        "--interface", "wsgi",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        # As in the README: a dead worker is replaced, not the end of the server.
        "--respawn-failed-workers",
        "--backlog", "2048",
        "--log-level", "warning",
        "--no-ws",
        "undersigned.wsgi:application",
    ]  # fmt: skip


class Stack:
    def __init__(self, db: str, args: argparse.Namespace):
        self.db = db
        self.args = args
        self.var = VAR / db
        shutil.rmtree(self.var, ignore_errors=True)
        self.var.mkdir(parents=True)
        self.port = free_port()
        self.smtp_port = free_port()
        self.env = self.environment()
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.backends = BackendLedger(PG_DATABASE)

    def environment(self) -> dict:
        env = production_environment(self.var)
        env.update(
            {
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": f"http://127.0.0.1:{self.port}",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.smtp_port),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if self.db == "postgres":
            env["DATABASE_URL"] = PG_URL
        else:
            env["SQLITE_PATH"] = str(self.var / "bench.sqlite3")
        return env

    def create_database(self) -> None:
        if self.db == "sqlite":
            return
        run(["bash", str(ROOT / "scripts" / "test-services.sh")], os.environ.copy())
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=undersigned password=undersigned dbname=postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")

    def drop_database(self) -> None:
        if self.db != "postgres" or self.args.keep:
            return
        import psycopg

        # An autovacuum worker analysing the freshly loaded tables belongs to
        # the superuser, and our role may not end it: wait for it, then give up
        # with a warning rather than lose the results.
        for attempt in range(30):
            try:
                with psycopg.connect(
                    "host=127.0.0.1 port=5432 user=undersigned password=undersigned "
                    "dbname=postgres",
                    autocommit=True,
                ) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                return
            except psycopg.Error as error:
                if attempt == 29:
                    print(f"  warning: {PG_DATABASE} left behind: {error}", flush=True)
                time.sleep(2)

    def start_servers(self) -> None:
        args = self.args
        self.start_sink()
        if args.server == "granian":
            command = granian_command(self.port, args.workers, args.threads)
            self.web = start(command, self.web_environment(), self.var / "web.log")
        else:
            self.web = start(self.gunicorn_command(), self.web_environment(), self.var / "web.log")
        self.worker = start([str(BIN / "undersigned"), "worker"], self.env, self.var / "worker.log")
        self.wait_for_web()

    def start_sink(self) -> None:
        """The loopback SMTP server the e-mail goes to (bench/smtpsink.py)."""
        start(
            [PYTHON, str(BENCH / "smtpsink.py"), str(self.smtp_port), str(self.var / "smtp.count")],
            self.env,
            self.var / "smtp.log",
        )

    def gunicorn_command(self) -> list[str]:
        args = self.args
        command = [
            str(BIN / "gunicorn"),
            "undersigned.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        if args.worker_class == "gthread":
            command += ["--threads", str(args.threads)]
        return command

    def wait_for_web(self) -> None:
        wait_for_200(self.port, self.var)
        # Every worker imports the app on its first request: warm them all.
        self.warm()

    def warm(self, paths=("/", "/c/bench-surge/", "/api/campaigns/bench-surge/count.json")):
        """Visit each path a few times per worker first: what a worker loads on
        its first request of a kind is start-up, not steady-state latency."""
        for path in paths:
            for _ in range(self.args.workers * 4):
                with contextlib.suppress(OSError):
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    conn.request("GET", path)
                    conn.getresponse().read()

    def web_pids(self) -> list[int]:
        return children(self.web.pid) if self.web else []

    def rss(self) -> dict:
        web = {pid: status_kb(pid, "VmHWM") for pid in self.web_pids()}
        return {
            "web_workers_peak_mb": [round(kb / 1024, 1) for kb in web.values() if kb],
            "web_master_peak_mb": round((status_kb(self.web.pid, "VmHWM") or 0) / 1024, 1),
            "worker_peak_mb": round((status_kb(self.worker.pid, "VmHWM") or 0) / 1024, 1),
        }

    def cpu(self) -> dict:
        return {
            "web": cpu_seconds(self.web_pids()),
            # The worker and its counting process (undersigned worker starts it).
            "worker": cpu_seconds([self.worker.pid, *children(self.worker.pid)]),
            "postgres": postgres_cpu() if self.db == "postgres" else 0.0,
            "postgres_bench_db": self.backends.seconds() if self.db == "postgres" else 0.0,
            "machine": machine_busy(),
        }

    def web_environment(self) -> dict:
        """The web servers' settings: production's, plus the bare view (bench/bareview.py)."""
        path = os.pathsep.join(filter(None, [str(BENCH), self.env.get("PYTHONPATH", "")]))
        return {**self.env, "DJANGO_SETTINGS_MODULE": "bareview_settings", "PYTHONPATH": path}

    def direct_environment(self) -> dict:
        """Where the database's own limit is measured (rawinsert.py)."""
        return self.env

    def workers_alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def stop(self) -> None:
        stop_all()


def cpu_delta(before: dict, after: dict, seconds: float) -> dict:
    busy = after["machine"][0] - before["machine"][0]
    total = after["machine"][1] - before["machine"][1]
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "web_cores": round((after["web"] - before["web"]) / seconds, 2),
        "worker_cores": round((after["worker"] - before["worker"]) / seconds, 2),
        "postgres_cores": round((after["postgres"] - before["postgres"]) / seconds, 2),
        "postgres_bench_db_cores": round(
            (after["postgres_bench_db"] - before["postgres_bench_db"]) / seconds, 2
        ),
        "machine_busy_cores": round(busy / hz / seconds, 2),
        "machine_busy_share": round(busy / total, 2) if total else None,
        # What only some topologies have (bench/topology.py: HAProxy, PgBouncer).
        **{
            f"{part}_cores": round((after[part] - before[part]) / seconds, 2)
            for part in before
            if part not in ("web", "worker", "postgres", "postgres_bench_db", "machine")
        },
    }
