"""The limit: how many signature-sized rows the database itself commits per second.

    python bench/rawinsert.py CONNECTIONS SECONDS

One row per transaction, from CONNECTIONS connections at once, for SECONDS,
into `bench_raw_signature`: a copy of the signature table with the same
columns, constraints and indexes (no foreign keys), in the benchmark's own
database. PostgreSQL is driven by pgbench with a custom script; SQLite by that
many Python processes, each with the application's settings (WAL,
synchronous=NORMAL, BEGIN IMMEDIATE, the same busy timeout). The sealed
columns get random bytes of a sealed value's size. Prints one JSON object.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from undersigned.privacy.fields import SealedField  # noqa: E402
from undersigned.signatures.models import Signature  # noqa: E402

TABLE = "bench_raw_signature"
# Sizes of what the sign action writes: a sealed e-mail, first and last name.
SEALED_SIZES = {"email": 64, "first_name": 36, "last_name": 36}
DIGESTS = {"email_digest", "network_digest"}


def pg_expression(field) -> str:
    name = field.attname
    if name == "id":
        return "gen_random_uuid()"
    if name in DIGESTS:
        return "sha256(random()::text::bytea)"
    if isinstance(field, SealedField):
        size = SEALED_SIZES.get(name)
        if size is None:
            return "NULL"
        return f"substring(sha256(random()::text::bytea) || sha256(random()::text::bytea) || sha256(random()::text::bytea) for {size})"  # noqa: E501
    if name in ("created_at",):
        return "now()"
    if name in ("campaign_id", "letter_version_id"):
        return "1"
    if name == "postal_code":
        return "lpad((random() * 99999)::int::text, 5, '0')"
    value = field.get_db_prep_save(field.get_default(), connection)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def postgres(connections: int, seconds: int) -> dict:
    fields = Signature._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(pg_expression(f) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {Signature._meta.db_table} INCLUDING ALL)")
    script = f"INSERT INTO {TABLE} ({columns}) VALUES ({values});\n"
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings["PASSWORD"]}
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
        path = handle.name
    try:
        run = subprocess.run(
            [
                "pgbench",
                "-n",
                "-h",
                settings["HOST"] or "127.0.0.1",
                "-p",
                str(settings["PORT"] or 5432),
                "-U",
                settings["USER"],
                "-c",
                str(connections),
                "-j",
                str(min(connections, 2)),
                "-T",
                str(seconds),
                "-f",
                path,
                settings["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(path)
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        rows = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {TABLE}")
    return {
        "tool": "pgbench",
        "connections": connections,
        "seconds": seconds,
        "rows": rows,
        "inserts_per_s": float(tps.group(1)) if tps else None,
        "latency_avg_ms": float(latency.group(1)) if latency else None,
    }


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def sqlite_worker(path: str, sql: str, seconds: float, start_at: float, queue) -> None:
    db = sqlite3.connect(path, timeout=20, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    while time.time() < start_at:
        time.sleep(0.001)
    done = 0
    latencies = 0.0
    stop = start_at + seconds
    while time.time() < stop:
        began = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            sql,
            (
                uuid.uuid4().hex,
                os.urandom(32),
                os.urandom(64),
                os.urandom(36),
                os.urandom(36),
                os.urandom(32),
            ),
        )
        db.execute("COMMIT")
        latencies += time.perf_counter() - began
        done += 1
    db.close()
    queue.put((done, latencies))


def sqlite(connections: int, seconds: int) -> dict:
    path = str(connection.settings_dict["NAME"])
    table = Signature._meta.db_table
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"DROP TABLE IF EXISTS {TABLE}")
    schema = [
        row[0]
        for row in db.execute(
            # The table and its indexes; not its triggers (PostgreSQL's copy has none either).
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "AND type IN ('table', 'index') ORDER BY type DESC",
            (table,),
        )
    ]
    for statement in schema:
        statement = statement.replace(f'"{table}"', f'"{TABLE}"')
        statement = re.sub(r'INDEX "([^"]+)"', r'INDEX "raw_\1"', statement)
        # No foreign keys, as on PostgreSQL.
        statement = re.sub(
            r' REFERENCES "[^"]+" \("id"\) DEFERRABLE INITIALLY DEFERRED', "", statement
        )
        db.execute(statement)
    fields = Signature._meta.concrete_fields
    names, values = [], []
    for field in fields:
        names.append(f'"{field.column}"')
        if field.attname == "id" or field.attname in DIGESTS or field.attname in SEALED_SIZES:
            values.append("?")  # a fresh value per row
        elif isinstance(field, SealedField):
            values.append("NULL")
        elif field.attname == "created_at":
            values.append("strftime('%Y-%m-%d %H:%M:%f', 'now')")
        elif field.attname in ("campaign_id", "letter_version_id"):
            values.append("1")
        else:
            values.append(literal(field.get_db_prep_save(field.get_default(), connection)))
    sql = f"INSERT INTO {TABLE} ({', '.join(names)}) VALUES ({', '.join(values)})"
    order = [
        f.attname
        for f in fields
        if f.attname == "id" or f.attname in DIGESTS or f.attname in SEALED_SIZES
    ]
    assert order == ["id", "email_digest", "email", "first_name", "last_name", "network_digest"], (
        order
    )
    db.close()
    queue = multiprocessing.Queue()
    start_at = time.time() + 1.0
    workers = [
        multiprocessing.Process(target=sqlite_worker, args=(path, sql, seconds, start_at, queue))
        for _ in range(connections)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    rows = sum(done for done, _ in results)
    db = sqlite3.connect(path, isolation_level=None)
    counted = db.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    db.execute(f"DROP TABLE {TABLE}")
    db.close()
    return {
        "tool": "python sqlite3 processes",
        "connections": connections,
        "seconds": seconds,
        "rows": counted,
        "inserts_per_s": round(rows / seconds, 1),
        "latency_avg_ms": round(1000 * sum(lat for _, lat in results) / max(rows, 1), 3),
    }


def main() -> None:
    connections, seconds = int(sys.argv[1]), int(sys.argv[2])
    if connection.vendor == "postgresql":
        result = postgres(connections, seconds)
    else:
        result = sqlite(connections, seconds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
