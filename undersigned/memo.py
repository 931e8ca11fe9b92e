"""Read-mostly data kept in each process for a few seconds.

A campaign's row, partners, rules and letter, or the areas of a postal code,
change when staff edit a campaign or an importer runs, yet a surge asks for
them thousands of times a second. Each process keeps what it read for a short,
configured time: a change made in one process reaches every other within that
time, and at once in the process that made it (campaigns and importers call
`forget_all`). Tests run with the same caches and clear them between tests.

Values are shared by every thread of a process: treat them as read-only.
When a value expires while several threads want it, one of them loads it
again and the others go on with the expired one meanwhile, rather than all
loading it at once (a surge's threads would otherwise all reload the
campaign the same moment, each second). A value may therefore be older than
its `fresh` by the time one load takes (never by more than `fresh` again:
a value that expired long ago is loaded by whoever asks). A value
`forget_all` dropped is loaded by whoever asks first, and waits for nobody
else's load; a load that began before `forget_all` is returned to its
caller but not kept.

This is the project's one per-process cache: every module that keeps what it
read between requests keeps it in an Expiring (docs/architecture.md says why
it is this and not Django's local-memory cache). A value that only a new
publication or a restart changes (a publication's numbers, the key ring, the
map's shapes) is kept with `fresh=FOREVER`: `forget_all()` still drops it.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.conf import settings

T = TypeVar("T")

# Kept until forget_all(): for values whose key names their version, or that
# only a restart changes.
FOREVER = math.inf

_every: weakref.WeakSet[Expiring[Any]] = weakref.WeakSet()


class Expiring(Generic[T]):
    """A dict of values that expire `fresh` seconds after they were loaded:
    the name of the setting that says how many, or the number itself."""

    def __init__(self, fresh: str | float, *, max_entries: int = 10_000):
        self.fresh = fresh
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, T]] = {}
        # Keys some thread is loading again, and the lock that guards the set.
        self._loading: set[Hashable] = set()
        self._guard = threading.Lock()
        # Counts forget_all()s: a load that began before one is not kept.
        self._generation = 0
        _every.add(self)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        seconds = getattr(settings, self.fresh) if isinstance(self.fresh, str) else self.fresh
        with self._guard:
            if (
                entry is not None
                and key in self._loading
                and self._entries.get(key) is entry  # not dropped by forget_all meanwhile
                and now - entry[0] <= seconds  # expired a moment ago, not long ago
            ):
                return entry[1]  # another thread is loading it
            self._loading.add(key)
            generation = self._generation
        try:
            value = load()
        except BaseException:
            with self._guard:
                self._loading.discard(key)
            raise
        with self._guard:
            # A value loaded before forget_all() is not kept after it.
            if seconds > 0 and generation == self._generation:
                if len(self._entries) >= self.max_entries:
                    # Bounded memory without bookkeeping: start over (rare, cheap).
                    self._entries = {}
                self._entries[key] = (now + seconds, value)
            self._loading.discard(key)
        return value

    def clear(self) -> None:
        with self._guard:
            self._entries = {}
            self._generation += 1


def forget_all() -> None:
    """Drop every process-local value (after an edit, an import, or a test)."""
    for cache in list(_every):
        cache.clear()
