"""When a process's cached value expires under load, one thread loads it
again and the others answer with the one that just expired meanwhile: a
surge's threads do not all reload the campaign at the same moment
(undersigned/memo.py)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest

from undersigned.memo import Expiring, forget_all


def expired_ago(cache: Expiring[str], seconds: float, value: str) -> None:
    cache._entries["campaign"] = (time.monotonic() - seconds, value)


@contextlib.contextmanager
def another_thread_loading(cache: Expiring[str], value: str = "slow") -> Iterator[dict]:
    """Inside: another thread is loading `value`, held until the block ends.
    Yields what that thread's get() returned, once it has returned, and how
    many loads it made."""
    loading, release = threading.Event(), threading.Event()
    outcome: dict = {"loads": 0}

    def load() -> str:
        outcome["loads"] += 1
        loading.set()
        assert release.wait(10)
        return value

    first = threading.Thread(target=lambda: outcome.update(got=cache.get("campaign", load)))
    first.start()
    assert loading.wait(10)
    try:
        yield outcome
    finally:
        release.set()
        first.join(10)


def never(label: str):
    def load() -> str:
        raise AssertionError(f"{label} should not have loaded")

    return load


def test_one_thread_reloads_an_expired_value_while_the_others_use_the_old_one():
    cache: Expiring[str] = Expiring(60)
    expired_ago(cache, 0.001, "old")
    with another_thread_loading(cache, "new") as first:
        # While the first thread loads, another asks: it gets the expired
        # value at once, and loads nothing.
        assert cache.get("campaign", never("the second thread")) == "old"
    assert first == {"loads": 1, "got": "new"}


def test_a_value_nobody_has_yet_is_loaded_by_whoever_asks():
    cache: Expiring[str] = Expiring(60)
    with another_thread_loading(cache):
        # Nothing to answer with: the second thread loads its own (after an
        # edit cleared the cache, nobody may be handed what was there before).
        assert cache.get("campaign", lambda: "own") == "own"


def test_a_failed_load_leaves_the_next_caller_free_to_load():
    cache: Expiring[str] = Expiring(60)
    expired_ago(cache, 0.001, "old")

    def broken() -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get("campaign", broken)
    assert cache.get("campaign", lambda: "new") == "new"


def test_a_value_that_expired_long_ago_is_not_handed_out_while_another_thread_loads():
    cache: Expiring[str] = Expiring(60)
    expired_ago(cache, 120, "ancient")  # older than `fresh` again
    with another_thread_loading(cache):
        assert cache.get("campaign", lambda: "own") == "own"


def test_forget_all_during_a_load_leaves_nothing_from_before_it():
    cache: Expiring[str] = Expiring(60)
    expired_ago(cache, 0.001, "before the edit")
    with another_thread_loading(cache, "loaded before the edit"):
        forget_all()  # an edit in this process, while the first thread loads
        # Another thread is not handed the value from before the edit...
        assert cache.get("campaign", lambda: "after the edit") == "after the edit"
    # ...and the load that began before the edit did not replace the new one.
    assert cache.get("campaign", never("a fresh value")) == "after the edit"
