"""Past one machine, on loopback: the topology docs/scaling.md describes.

`bench/run.py --topology multi` runs the same scenarios and checks as the
single-server run against:

    load generator ─▶ HAProxy ─┬─▶ granian instance 1 (its own port, N workers) ─┐
                               └─▶ granian instance 2 (its own port, N workers) ─┤
                     `undersigned worker` x W (each with its counting process) ──┤
                                                                                  ▼
                                      PgBouncer (transaction pooling) ─▶ PostgreSQL

Each web instance and each worker is a separate process group with its own
port or none, as separate hosts would be; only loopback is used. HAProxy adds
its own hop to X-Forwarded-For (the load generator plays the TLS terminator in
front, so TRUSTED_PROXIES is 2). Every application process, the migrations,
the loader and the checks reach PostgreSQL through PgBouncer; only the raw
insert rate (pgbench, the database's own limit) connects directly.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess

from stack import (
    BIN,
    PG_URL,
    ROOT,
    Stack,
    children,
    cpu_seconds,
    free_port,
    granian_command,
    machine_busy,
    postgres_cpu,
    start,
    status_kb,
    wait_for_200,
)

HAPROXY = """\
global
    maxconn 4096
    log stderr format raw local0 err

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 30s
    option forwardfor

frontend web
    bind 127.0.0.1:{port}
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri / ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
{servers}
"""


def pooled_url(port: int) -> str:
    return PG_URL.replace("@127.0.0.1:5432/", f"@127.0.0.1:{port}/")


class MultiStack(Stack):
    """Two web instances behind HAProxy, several workers, PgBouncer in front
    of PostgreSQL. Same interface as Stack, so run_database drives it unchanged."""

    def __init__(self, db: str, args: argparse.Namespace):
        if db != "postgres":
            raise SystemExit("--topology multi runs on PostgreSQL (PgBouncer in front of it)")
        missing = [tool for tool in ("haproxy", "pgbouncer") if shutil.which(tool) is None]
        if missing:
            raise SystemExit(f"--topology multi needs {' and '.join(missing)} (apt-get install)")
        self.pgbouncer_port = free_port()
        self.instance_ports = [free_port() for _ in range(args.instances)]
        super().__init__(db, args)
        self.pgbouncer_dir = self.var / "pgbouncer"
        self.webs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.haproxy: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = super().environment()
        env["DATABASE_URL"] = pooled_url(self.pgbouncer_port)
        env["DATABASE_POOLING"] = "transaction"
        env["TRUSTED_PROXIES"] = "2"
        return env

    def direct_environment(self) -> dict:
        """For pgbench: the database's own limit, without the pooler."""
        return {**self.env, "DATABASE_URL": PG_URL, "DATABASE_POOLING": ""}

    def create_database(self) -> None:
        super().create_database()
        # One pool for every application process: fewer server connections than
        # clients is the point (web threads + workers' threads + counting).
        subprocess.run(
            [
                "bash",
                str(ROOT / "scripts" / "pgbouncer.sh"),
                "start",
                str(self.pgbouncer_port),
                str(self.pgbouncer_dir),
                str(self.args.pool_size),
            ],
            check=True,
        )

    def start_servers(self) -> None:
        args = self.args
        self.start_sink()
        for number, port in enumerate(self.instance_ports, 1):
            command = granian_command(port, args.instance_workers, args.threads)
            self.webs.append(start(command, self.web_environment(), self.var / f"web{number}.log"))
        # HAProxy only once every instance answers: a health check that finds an
        # instance still starting marks it down, and it stays down for two more
        # checks (4 s), long enough for a whole phase to be answered 503.
        for port in self.instance_ports:
            wait_for_200(port, self.var)
        servers = "\n".join(
            f"    server web{number} 127.0.0.1:{port} check inter 2s"
            for number, port in enumerate(self.instance_ports, 1)
        )
        config = self.var / "haproxy.cfg"
        config.write_text(HAPROXY.format(port=self.port, servers=servers))
        self.haproxy = start(
            ["haproxy", "-db", "-f", str(config)], self.env, self.var / "haproxy.log"
        )
        for number in range(1, args.worker_processes + 1):
            self.workers.append(
                start(
                    [str(BIN / "undersigned"), "worker"], self.env, self.var / f"worker{number}.log"
                )
            )
        self.web = self.webs[0]
        self.worker = self.workers[0]
        # Through HAProxy, for longer than its checks take to bring a server up.
        wait_for_200(self.port, self.var, times=25)
        self.wait_for_web()

    def warm(self, paths=("/", "/c/bench-surge/", "/api/campaigns/bench-surge/count.json")):
        # Round robin: enough visits that every worker of every instance loads each page.
        workers = self.args.workers
        self.args.workers = self.args.instance_workers * len(self.instance_ports)
        try:
            super().warm(paths)
        finally:
            self.args.workers = workers

    def web_pids(self) -> list[int]:
        return [pid for web in self.webs for pid in children(web.pid)]

    def worker_pids(self) -> list[int]:
        return [pid for worker in self.workers for pid in (worker.pid, *children(worker.pid))]

    def pgbouncer_pid(self) -> list[int]:
        try:
            return [int((self.pgbouncer_dir / "pgbouncer.pid").read_text())]
        except (OSError, ValueError):
            return []

    def rss(self) -> dict:
        web = [status_kb(pid, "VmHWM") for pid in self.web_pids()]
        return {
            "web_workers_peak_mb": [round(kb / 1024, 1) for kb in web if kb],
            "web_master_peak_mb": round((status_kb(self.webs[0].pid, "VmHWM") or 0) / 1024, 1),
            "worker_peak_mb": max(
                round((status_kb(worker.pid, "VmHWM") or 0) / 1024, 1) for worker in self.workers
            ),
            "haproxy_peak_mb": round((status_kb(self.haproxy.pid, "VmHWM") or 0) / 1024, 1),
            "pgbouncer_peak_mb": round(
                sum(status_kb(pid, "VmHWM") or 0 for pid in self.pgbouncer_pid()) / 1024, 1
            ),
        }

    def cpu(self) -> dict:
        return {
            "web": cpu_seconds(self.web_pids()),
            "worker": cpu_seconds(self.worker_pids()),
            "postgres": postgres_cpu(),
            "postgres_bench_db": self.backends.seconds(),
            "haproxy": cpu_seconds([self.haproxy.pid]),
            "pgbouncer": cpu_seconds(self.pgbouncer_pid()),
            "machine": machine_busy(),
        }

    def workers_alive(self) -> bool:
        return all(worker.poll() is None for worker in self.workers) and all(
            web.poll() is None for web in self.webs
        )

    def stop(self) -> None:
        super().stop()
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "pgbouncer.sh"), "stop", str(self.pgbouncer_dir)],
            check=False,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--topology",
        choices=["single", "multi", "both"],
        default="both",
        help="single: one granian and one worker on PostgreSQL directly; multi: "
        "bench/topology.py (HAProxy, web instances, workers, PgBouncer); both: "
        "single then multi, alternately for --rounds.",
    )
    parser.add_argument("--instances", type=int, default=2, help="multi: web instances.")
    parser.add_argument(
        "--instance-workers", type=int, default=2, help="multi: WSGI workers per web instance."
    )
    parser.add_argument(
        "--worker-processes", type=int, default=2, help="multi: `undersigned worker` processes."
    )
    parser.add_argument("--pool-size", type=int, default=20, help="multi: PgBouncer pool size.")
