"""Summarise a py-spy raw profile (collapsed stacks) of the web workers.

    python bench/profile_summary.py bench/var/profile-postgres-sign.txt [TOP]

`make bench` records them with `bench/run.py --profile` (py-spy with --idle,
so waiting shows too). Only samples inside a request (under Django's WSGI
handler) count; the rest is a worker waiting for work. It prints where the
request samples went by kind (waiting for the database, the ORM building
queries, templates, forms, sealing, the rest), then the functions the stacks
pass through most (inclusive) and the functions on top of the stack (self).
"""

from __future__ import annotations

import sys
from collections import Counter

KINDS = [
    ("waiting for the database", ("psycopg/", "sqlite3", "execute (django/db/backends/sqlite3")),
    ("template rendering", ("django/template/",)),
    ("forms and widgets", ("django/forms/",)),
    ("ORM building and reading queries", ("django/db/models/",)),
    ("sealing and keyed hashes", ("cryptography/", "hmac", "privacy/sealing", "privacy/identity")),
    ("writing the response", ("gunicorn/",)),
]


def kind_of(stack: list[str]) -> str:
    for name, markers in KINDS:
        for frame in reversed(stack):
            if any(marker in frame for marker in markers):
                return name
    return "other Python (views, middleware, Django core)"


def main() -> None:
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    total = outside = 0
    with open(path) as handle:
        for line in handle:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = [part for part in stack.split(";") if "(" in part]
            start = next((i for i, f in enumerate(frames) if "WSGIHandler.__call__" in f), None)
            if start is None:
                outside += n
                continue
            request = frames[start:]
            total += n
            for frame in set(request):
                inclusive[frame] += n
            own[request[-1]] += n
            # Which kind of work: the innermost frame that matches a kind.
            kinds[kind_of(request)] += n
    print(f"{path}: {total} samples inside requests, {outside} outside (idle workers)")
    print("\nby kind:")
    for name, n in kinds.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("\ninclusive (stack passes through):")
    for frame, n in inclusive.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame}")
    print("\nself (on top of the stack):")
    for frame, n in own.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
