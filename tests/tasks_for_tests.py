"""Tasks that exist only for tests of the worker (importable by the worker
processes the tests start, which run from the repository's root)."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task


@task()
def slow_the_first_time(log: str) -> str:
    """Log each start; the first run then takes a minute (long enough to kill
    the worker running it), later runs finish at once."""
    path = Path(log)
    first = not path.exists()
    with path.open("a") as handle:
        handle.write("started\n")
    if first:
        time.sleep(60)
    with path.open("a") as handle:
        handle.write("finished\n")
    return "done"
