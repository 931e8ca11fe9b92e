"""`make bench`: the real stack under a surge, measured, checked and written down.

    .venv/bin/python bench/run.py                 # PostgreSQL, then SQLite
    .venv/bin/python bench/run.py --db postgres --quick

For each database it starts what production runs — granian and `undersigned
worker`, with production settings (only plain HTTP on loopback differs) — on
a fresh database (PostgreSQL: a new database in the local cluster that
scripts/test-services.sh starts; SQLite: a new file), a loopback SMTP sink for
the e-mail, and drives it from a separate load-generating process
(bench/loadgen.py). Scenarios:

1. sign surge: signers GET the campaign page, then POST the form at once;
2. confirm surge: the same signers POST their confirmation links; then the
   time until counts and milestones are current;
3. readers: the campaign page, then the count JSON, under concurrent reading;
4. scale: 1,000,000 confirmed signatures bulk-loaded (timed), then the
   campaign page, an area and the count JSON.

Plus the raw insert rate of the same database at the same number of
connections, correctness checks after every phase, peak RSS of every web and
worker process, and CPU used per process group. Results go to
bench/results/<date>-<db>.json and .md. Everything listens on 127.0.0.1 and
every loop is bounded; every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import topology  # bench/topology.py: --topology multi
from stack import (  # bench/stack.py
    BENCH,
    BIN,
    PYTHON,
    RESULTS,
    ROOT,
    VAR,
    Stack,
    cpu_delta,
    loadavg,
    probe,
    run,
    stop_all,
    wait_until_quiet,
)


def loadgen(stack: Stack, spec: dict, name: str) -> dict:
    spec = {"port": stack.port, **spec}
    spec_path = stack.var / f"{name}.spec.json"
    result_path = stack.var / f"{name}.result.json"
    spec_path.write_text(json.dumps(spec))
    before = stack.cpu()
    began = time.monotonic()
    profiler = None
    if stack.args.profile:
        profiler = subprocess.Popen(
            [
                str(BIN / "py-spy"),
                "record",
                "--pid",
                str(stack.web.pid),
                "--subprocesses",
                "--format",
                "raw",
                "--rate",
                "200",
                "--nonblocking",
                "--idle",
                "-o",
                str(VAR / f"profile-{stack.db}-{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    run(
        [PYTHON, str(BENCH / "loadgen.py"), str(spec_path), str(result_path)],
        stack.env,
        timeout=spec["time_limit"] + 120,
    )
    seconds = time.monotonic() - began
    after = stack.cpu()
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(30)
    result = json.loads(result_path.read_text())
    result["cpu"] = cpu_delta(before, after, seconds)
    return result


class Ledger:
    """CPU seconds per process group, summed over the spans counted."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.seconds: dict[str, float] = {}
        self.wall = 0.0

    @contextlib.contextmanager
    def counting(self):
        before, began = self.stack.cpu(), time.monotonic()
        yield
        after = self.stack.cpu()
        self.wall += time.monotonic() - began
        for part, value in after.items():
            if part != "machine":
                self.seconds[part] = self.seconds.get(part, 0.0) + value - before[part]

    def per_signature(self, signatures: int) -> dict:
        """Milliseconds of CPU per stored signature, by process group. `total`
        counts PostgreSQL as a whole (other users of the cluster included: an
        upper bound on a shared machine); `total_bench_db` only the backends
        connected to the benchmark's database (a lower bound)."""
        per = signatures or 1  # none stored: the run has failed its checks already
        ms = {part: round(1000 * sec / per, 2) for part, sec in self.seconds.items()}
        own = sum(v for part, v in ms.items() if part not in ("postgres", "postgres_bench_db"))
        return {
            "signatures": signatures,
            "wall_seconds": round(self.wall, 1),
            "ms_per_signature": ms,
            "total_ms": round(own + ms.get("postgres", 0.0), 2),
            "total_bench_db_ms": round(own + ms.get("postgres_bench_db", 0.0), 2),
        }


# Signers ---------------------------------------------------------------------------

FIRST = tuple(
    [
        "Jane",
        "Amir",
        "Li",
        "Sofia",
        "Kwame",
        "María",
        "Olu",
        "Chen",
        "Aisha",
        "Lukas",
        "Priya",
        "Mateo",
        "Fatima",
        "Noah",
        "Zoë",
    ]
)
LAST = tuple(
    [
        "Doe",
        "Khan",
        "Wang",
        "Rossi",
        "Mensah",
        "García",
        "Adeyemi",
        "Liu",
        "Bello",
        "Müller",
        "Patel",
        "López",
        "Haddad",
        "O'Neil",
    ]
)
# A real list's mix: big webmail providers, small ones, universities, employers.
DOMAINS = [
    ("gmail.com", 30),
    ("outlook.com", 10),
    ("yahoo.com", 8),
    ("icloud.com", 6),
    ("hotmail.com", 5),
    ("proton.me", 4),
    ("posteo.de", 2),
    ("gmx.net", 3),
    ("fastmail.com", 2),
    ("riseup.net", 2),
    ("comcast.net", 3),
    ("mit.edu", 2),
    ("berkeley.edu", 2),
    ("aclu.example.org", 1),
    ("kiezladen.example", 1),
]
HOT_SHARE = 0.3
DUPLICATE_SHARE = 0.01


def make_signers(count: int, manifest: dict, seed: int) -> list[dict]:
    """Signers with a realistic mix of addresses, areas and choices.

    30% live in the hot area; the rest anywhere among all postal codes. One in
    a hundred submits again with another spelling of the same address. Each
    network (an IPv6 /64 from the documentation prefix) has at most four.
    """
    rng = random.Random(seed)
    domains = [name for name, weight in DOMAINS for _ in range(weight)]
    codes, hot = manifest["postal_codes"], manifest["hot_codes"]
    signers = []
    for number in range(count):
        if signers and rng.random() < DUPLICATE_SHARE:
            again = dict(rng.choice(signers))
            again["email"] = again["email"].upper()
            signers.append(again)
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        plain = lambda text: text.lower().replace("'", "").encode("ascii", "ignore").decode()  # noqa: E731
        local = rng.choice(
            [
                f"{plain(first)}.{plain(last)}{number}",
                f"{plain(first)[0]}{plain(last)}{number}",
                f"{plain(last)}.{number}",
                f"{plain(first)}_{number}+petitions",
            ]
        )
        domain = rng.choice(domains)
        email = f"{local}@{domain}"
        if rng.random() < 0.05:
            email = email.capitalize()
        code = rng.choice(hot) if rng.random() < HOT_SHARE else rng.choice(codes)
        network = number // 4
        host = rng.randrange(1, 65535)
        signers.append(
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "postal_code": code,
                "area_place": manifest["ambiguous"].get(code, ""),
                "comment": "Face surveillance has no place here." if rng.random() < 0.1 else "",
                "consent_mask": rng.randrange(8),
                "remember": rng.random() < 0.1,
                "xff": f"2001:db8:{network >> 16:x}:{network & 0xFFFF:x}::{host:x}",
            }
        )
    return signers


# Scenarios -------------------------------------------------------------------------


def percent(part, whole):
    return round(part / whole, 3) if whole else None


def run_database(db: str, args: argparse.Namespace) -> dict:
    print(f"\n== {db}, {args.topology} topology ==", flush=True)
    stack = topology.MultiStack(db, args) if args.topology == "multi" else Stack(db, args)
    result: dict = {"db": db, "topology": args.topology, "config": vars(args).copy()}
    try:
        stack.create_database()
        run([str(BIN / "undersigned"), "migrate", "-v0"], stack.env)
        probe(stack.env, "bare", "create")
        manifest_path = stack.var / "manifest.json"
        run(
            [
                PYTHON,
                str(BENCH / "loader.py"),
                "--campaign",
                "bench-surge",
                "--deliveries",
                "--postal-codes",
                str(args.postal_codes),
                "--manifest",
                str(manifest_path),
            ],
            stack.env,
        )
        manifest = json.loads(manifest_path.read_text())
        stack.start_servers()
        if args.wait_quiet:
            result["quiet_before"] = wait_until_quiet(30, args.quiet_below, args.quiet_minutes)
        result["loadavg_before"] = loadavg()

        # What a whole signature costs: every process's CPU over the sign surge,
        # its e-mail, the confirm surge and the counting (not the checks).
        ledger = Ledger(stack)

        # 1. Sign surge.
        signers = make_signers(args.signers, manifest, seed=11)
        print(f"  sign surge: {len(signers)} signers, concurrency {args.concurrency}", flush=True)
        with ledger.counting():
            sign = loadgen(
                stack,
                {
                    "kind": "sign",
                    "campaign": "bench-surge",
                    "signers": signers,
                    "concurrency": args.concurrency,
                    "min_age": 3.0,
                    "time_limit": args.time_limit,
                },
                "sign",
            )
        signers_path = stack.var / "signers.json"
        for signer, outcome in zip(signers, sign["signers"], strict=True):
            outcome["xff"] = signer["xff"]
        signers_path.write_text(json.dumps({"signers": sign.pop("signers")}))
        sign["check"] = probe(stack.env, "check", "bench-surge", str(signers_path), "signed")
        result["sign"] = sign
        show("arrive (GET page)", sign["phases"]["arrive"])
        show("sign (POST form)", sign["phases"]["sign"])
        show_check(sign["check"])
        with ledger.counting():
            result["mail_after_sign"] = probe(stack.env, "drain", str(args.drain_limit))
        print(
            f"  e-mail drained after {result['mail_after_sign']['drained_after_s']} s", flush=True
        )

        # 2. Confirm surge.
        links_path = stack.var / "links.json"
        probe(stack.env, "links", "bench-surge", str(signers_path), str(links_path))
        items = json.loads(links_path.read_text())["items"]
        random.Random(5).shuffle(items)
        with ledger.counting():
            confirm = loadgen(
                stack,
                {
                    "kind": "confirm",
                    "items": items,
                    "concurrency": args.concurrency,
                    "time_limit": args.time_limit,
                },
                "confirm",
            )
            confirm["current"] = probe(
                stack.env, "current", "bench-surge", str(confirm["last_response_at"]), "120"
            )
        confirm["check"] = probe(stack.env, "check", "bench-surge", str(signers_path), "confirmed")
        result["confirm"] = confirm
        show("confirm (POST link)", confirm["phases"]["confirm"])
        print(
            f"  counts and milestones current {confirm['current']['current_after_s']} s "
            "after the last confirmation",
            flush=True,
        )
        show_check(confirm["check"])
        # What the confirmations set off after the surge (the milestone letters
        # rendered and sent, the "delivered" notices) is not part of a
        # signature (issue 17: sign, its e-mail, confirm, count); it is counted
        # apart. What the worker began of it during the confirm surge stays in
        # the signature's figure, which is therefore an upper bound.
        deliveries = Ledger(stack)
        with deliveries.counting():
            result["mail_after_confirm"] = probe(stack.env, "drain", str(args.drain_limit))
        stored = sign["check"]["signatures_stored"]
        result["whole_signature"] = ledger.per_signature(stored)
        result["deliveries_after_confirm"] = deliveries.per_signature(stored)
        print(f"  whole signature: {result['whole_signature']}", flush=True)
        print(f"  then the deliveries it set off: {result['deliveries_after_confirm']}", flush=True)

        # 3. Readers.
        result["readers"] = {}
        for name, path in (
            ("campaign_page", "/c/bench-surge/"),
            ("count_json", "/api/campaigns/bench-surge/count.json"),
        ):
            read = loadgen(
                stack,
                {
                    "kind": "read",
                    "paths": [path],
                    "requests": args.read_requests,
                    "concurrency": args.read_concurrency,
                    "time_limit": args.time_limit,
                },
                f"read-{name}",
            )
            result["readers"][name] = read
            show(f"read {name}", read["phases"]["read"])

        # The floor for a write: a bare Django view inserting two rows, on the
        # same server, as many requests as there were signers.
        bare = loadgen(
            stack,
            {
                "kind": "read",
                "method": "POST",
                "paths": ["/bench/bare/"],
                "requests": args.signers,
                "concurrency": args.concurrency,
                "time_limit": args.time_limit,
            },
            "bare",
        )
        bare["rows"] = probe(stack.env, "bare", "count")
        ok = bare["phases"]["read"]["accepted"]
        bare["rows_exact"] = bare["rows"] == {"bench_bare_parent": ok, "bench_bare_child": ok}
        result["bare_view"] = bare
        show("bare view (POST, 2 rows)", bare["phases"]["read"])

        # The limit: raw inserts at the same number of database connections.
        threaded = args.server == "granian" or args.worker_class == "gthread"
        connections = args.workers * (args.threads if threaded else 1)
        raw = json.loads(
            run(
                [PYTHON, str(BENCH / "rawinsert.py"), str(connections), str(args.raw_seconds)],
                stack.direct_environment(),
            )
            .strip()
            .splitlines()[-1]
        )
        result["raw_insert"] = raw
        sign_rate = sign["phases"]["sign"]["accepted_per_s"]
        result["ratios"] = {
            "sign_per_raw_insert": percent(sign_rate, raw["inserts_per_s"]),
            "sign_per_bare_view": percent(sign_rate, bare["phases"]["read"]["accepted_per_s"]),
            "bare_view_per_raw_insert": percent(
                bare["phases"]["read"]["accepted_per_s"], raw["inserts_per_s"]
            ),
            "confirm_per_raw_insert": percent(
                confirm["phases"]["confirm"]["accepted_per_s"], raw["inserts_per_s"]
            ),
        }
        print(
            f"  raw inserts: {raw['inserts_per_s']}/s with {connections} connections; "
            f"sign/raw = {result['ratios']['sign_per_raw_insert']}, "
            f"sign/bare view = {result['ratios']['sign_per_bare_view']}",
            flush=True,
        )
        result["rss_after_surge"] = stack.rss()
        if db == "postgres":
            # What the surge's signatures take on disk, every row they brought
            # (e-mails, consents, placements, counts): docs/scaling.md sizes from it.
            result["database_sizes"] = probe(stack.env, "sizes")

        # 4. Scale.
        if args.scale:
            result["scale"] = scale(stack, args)
        result["rss"] = stack.rss()
        # The worker must still be running: a crash is a failure, not a pause.
        result["worker_alive_at_end"] = stack.workers_alive()
        result["loadavg_after"] = loadavg()
        result["five_xx"] = count_5xx(result)
        result["passed"] = all_checks(result)
        print(f"  peak RSS: {result['rss']}", flush=True)
    finally:
        stack.stop()
        stack.drop_database()
    return result


def scale(stack: Stack, args: argparse.Namespace) -> dict:
    print(f"  scale: loading {args.scale:,} confirmed signatures", flush=True)
    began = time.monotonic()
    out = run(
        [
            PYTHON,
            str(BENCH / "loader.py"),
            "--campaign",
            "bench-scale",
            "--postal-codes",
            str(args.postal_codes),
            "--signatures",
            str(args.scale),
        ],
        stack.env,
        timeout=1800,
    )
    loaded = json.loads(out.strip().splitlines()[-1])
    loaded["command_seconds"] = round(time.monotonic() - began, 1)
    print(f"  loaded in {loaded['load_seconds']} s", flush=True)
    result = {"load": loaded, "reconcile": probe(stack.env, "reconcile", "bench-scale")}
    paths = probe(stack.env, "paths", "bench-scale")
    result["paths"] = paths
    result["readers"] = {}
    stack.warm(paths["read"].values())
    for name, path in paths["read"].items():
        read = loadgen(
            stack,
            {
                "kind": "read",
                "paths": [path],
                "requests": args.scale_requests,
                "concurrency": args.scale_concurrency,
                "time_limit": args.time_limit,
            },
            f"scale-{name}",
        )
        result["readers"][name] = read
        show(f"scale {name}", read["phases"]["read"])
    return result


def count_5xx(result: dict) -> int:
    total = 0

    def walk(node):
        nonlocal total
        if isinstance(node, dict):
            if "statuses" in node and isinstance(node["statuses"], dict):
                total += sum(n for s, n in node["statuses"].items() if s.startswith("5"))
            for value in node.values():
                walk(value)

    walk({k: v for k, v in result.items() if k != "config"})
    return total


def all_checks(result: dict) -> bool:
    checks = [result["sign"]["check"]["passed"], result["confirm"]["check"]["passed"]]
    checks.append(result["bare_view"]["rows_exact"])
    checks.append(result["five_xx"] == 0)
    checks.append(result["worker_alive_at_end"])
    checks.append(not result["confirm"]["current"]["timed_out"])
    if "scale" in result:
        checks.append(result["scale"]["reconcile"]["drifts"] == 0)
    return all(checks)


def show(name: str, phase: dict) -> None:
    lat = phase["latency_ms"]
    print(
        f"  {name:<28} {phase['requests']:>7} req {phase['accepted_per_s']:>8.1f} ok/s  "
        f"p50 {lat['p50']} p95 {lat['p95']} p99 {lat['p99']} ms  "
        f"not ok {phase['not_accepted']} 5xx/failed {phase['errors_5xx_or_failed']}",
        flush=True,
    )


def show_check(check: dict) -> None:
    failed = [name for name, ok in check["checks"].items() if not ok]
    print(f"  checks: {'all passed' if not failed else 'FAILED ' + ', '.join(failed)}", flush=True)


# Results ---------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    pg = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        pg = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
    }


def write_results(result: dict, args, suffix: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.date.today().isoformat()
    base = RESULTS / f"{stamp}-{result['db']}{suffix}{args.tag}"
    base.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    base.with_suffix(".md").write_text(summary(result))
    return base


def row(name: str, phase: dict, target: str = "") -> str:
    lat = phase["latency_ms"]
    return (
        f"| {name} | {phase['accepted_per_s']:,.0f} | {lat['p50']} | {lat['p95']} | {lat['p99']} "
        f"| {phase['not_accepted']} | {phase['errors_5xx_or_failed']} | {target} |"
    )


def server_line(c: dict) -> str:
    if c.get("topology") == "multi":
        return (
            f"HAProxy in front of {c['instances']} granian instances ({c['instance_workers']} WSGI "
            f"workers, {c['threads']} blocking threads each), {c['worker_processes']} "
            f"`undersigned worker` processes, PgBouncer (transaction pooling, pool "
            f"{c['pool_size']}) in front of PostgreSQL"
        )
    if c.get("server", "gunicorn") == "granian":
        return f"granian, {c['workers']} WSGI workers, {c['threads']} blocking threads each"
    threads = f" ({c['threads']} threads)" if c["worker_class"] == "gthread" else ""
    return f"gunicorn {c['workers']} {c['worker_class']} workers{threads}"


def summary(r: dict) -> str:
    c = r["config"]
    lines = [
        f"# Benchmark, {r['db']}, {r['date']}",
        "",
        f"Machine: {r['machine']['nproc']} cores ({r['machine']['cpu_model']}), "
        f"{r['machine']['memory_gb']} GB. {server_line(c)}"
        + f", `undersigned worker`, load generator on the same machine. "
        f"Load average before {r['loadavg_before']}, after {r['loadavg_after']}.",
        "",
        "| scenario | ok/s | p50 ms | p95 ms | p99 ms | not ok | 5xx/failed | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        row(
            f"sign POST ({c['signers']:,}, c={c['concurrency']})",
            r["sign"]["phases"]["sign"],
            "≥ 800/s, p99 < 100 ms",
        ),
        row("campaign page GET (signers arriving)", r["sign"]["phases"]["arrive"]),
        row("confirm POST", r["confirm"]["phases"]["confirm"], "≥ 800/s"),
        row(
            f"bare Django view, POST inserting 2 rows (c={c['concurrency']})",
            r["bare_view"]["phases"]["read"],
        ),
        row(
            f"read campaign page (c={c['read_concurrency']})",
            r["readers"]["campaign_page"]["phases"]["read"],
            "≥ 3,000/s",
        ),
        row(
            f"read count JSON (c={c['read_concurrency']})",
            r["readers"]["count_json"]["phases"]["read"],
            "≥ 3,000/s",
        ),
    ]
    if "scale" in r:
        for name, read in r["scale"]["readers"].items():
            target = "p99 < 50 ms" if name != "campaign_page" else ""
            lines.append(
                row(f"scale: {name} (c={c['scale_concurrency']})", read["phases"]["read"], target)
            )
    raw = r["raw_insert"]
    lines += [
        "",
        f"- Raw insert rate ({raw['tool']}, {raw['connections']} connections): "
        f"{raw['inserts_per_s']:,.0f} rows/s. Sign / raw = {r['ratios']['sign_per_raw_insert']} "
        "(target ≥ 0.1). Sign / bare view = "
        f"{r['ratios']['sign_per_bare_view']} (target ≥ 0.5); bare view / raw = "
        f"{r['ratios']['bare_view_per_raw_insert']}.",
        f"- Whole signature (GET page + sign + confirmation e-mail + confirm + counting), "
        f"CPU per stored signature: {r['whole_signature']['total_ms']} ms with all of "
        f"PostgreSQL, {r['whole_signature']['total_bench_db_ms']} ms with only the benchmark "
        f"database's live backends (target ≤ 8 ms); by part "
        f"{r['whole_signature']['ms_per_signature']}.",
        *(
            [
                "- Then the deliveries the confirmations set off (milestone letters rendered "
                "and sent, delivered notices), drained after the surge, per stored signature: "
                f"{r['deliveries_after_confirm']['total_ms']} ms; by part "
                f"{r['deliveries_after_confirm']['ms_per_signature']}."
            ]
            if "deliveries_after_confirm" in r
            else []
        ),
        f"- Counts and milestones current {r['confirm']['current']['current_after_s']} s after "
        "the last confirmation (target ≤ 5 s).",
    ]
    if "scale" in r:
        load = r["scale"]["load"]
        lines.append(
            f"- Scale: {load['signatures']:,} signatures loaded in {load['load_seconds']} s "
            f"(target < 180 s); reconcile {r['scale']['reconcile']['reconcile_seconds']} s, "
            f"{r['scale']['reconcile']['drifts']} drifts."
        )
    rss = r["rss"]
    lines += [
        f"- Peak RSS: web workers {rss['web_workers_peak_mb']} MB (target < 150 MB each), "
        f"worker {rss['worker_peak_mb']} MB.",
        f"- Correctness: sign checks {r['sign']['check']['checks']}, confirm checks "
        f"{r['confirm']['check']['checks']}, 5xx responses {r['five_xx']}. "
        f"**{'PASSED' if r['passed'] else 'FAILED'}**.",
        f"- CPU during the sign surge (cores): {r['sign']['cpu']}; load generator "
        f"{r['sign']['loadgen']['cpu_share_of_one_core']} of a core.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="Small counts, for development.")
    parser.add_argument("--signers", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--read-requests", type=int, default=30000)
    parser.add_argument("--read-concurrency", type=int, default=32)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--scale-requests", type=int, default=5000)
    parser.add_argument("--scale-concurrency", type=int, default=4)
    parser.add_argument("--postal-codes", type=int, default=30000)
    parser.add_argument("--workers", type=int, default=3)
    # gthread keeps connections alive; sync workers close each one after the
    # response (docs/performance.md has both).
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--raw-seconds", type=int, default=10)
    parser.add_argument("--time-limit", type=int, default=300, help="Seconds per phase, at most.")
    parser.add_argument("--drain-limit", type=int, default=600)
    parser.add_argument("--wait-quiet", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--quiet-below", type=float, default=0.6)
    parser.add_argument("--quiet-minutes", type=float, default=40)
    parser.add_argument("--profile", action="store_true", help="py-spy the web workers.")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    parser.add_argument("--tag", default="", help="Suffix for the result file names.")
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    parser.add_argument(
        "--rounds", type=int, default=1, help="Repeat (interleaving topologies with 'both')."
    )
    topology.add_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.signers, args.read_requests = 300, 1000
        args.scale = min(args.scale, 20000)  # --scale 0 still skips it
        args.scale_requests, args.raw_seconds, args.wait_quiet = 300, 3, False
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    databases = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    topologies = ["single", "multi"] if args.topology == "both" else [args.topology]
    runs = [
        (db, shape, number)
        for number in range(1, args.rounds + 1)
        for db in databases
        for shape in topologies
        if shape == "single" or db == "postgres"
    ]
    failed = False
    try:
        for db, shape, number in runs:
            result = run_database(db, argparse.Namespace(**{**vars(args), "topology": shape}))
            result["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            result["machine"] = machine()
            result["round"] = number
            if not args.no_write:
                suffix = ("-multi" if shape == "multi" else "") + (
                    f"-r{number}" if args.rounds > 1 else ""
                )
                base = write_results(result, args, suffix)
                print(f"  results: {base.with_suffix('.json').relative_to(ROOT)}", flush=True)
            failed |= not result["passed"]
    finally:
        stop_all()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
