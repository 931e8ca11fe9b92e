"""When a process's cached value expires under load, one thread loads it
again and the others answer with the one that just expired meanwhile: a
surge's threads do not all reload the campaign at the same moment
(undersigned/memo.py)."""

from __future__ import annotations

import threading
import time

from undersigned.memo import Expiring, forget_all


def expired_a_moment_ago(cache: Expiring[str], value: str) -> None:
    cache._entries["campaign"] = (time.monotonic() - 0.001, value)


def test_one_thread_reloads_an_expired_value_while_the_others_use_the_old_one():
    cache: Expiring[str] = Expiring(60)
    expired_a_moment_ago(cache, "old")
    loading, release = threading.Event(), threading.Event()
    loads: list[str] = []

    def slow_load() -> str:
        loads.append("slow")
        loading.set()
        assert release.wait(10)
        return "new"

    got: dict[str, str] = {}
    first = threading.Thread(target=lambda: got.update(first=cache.get("campaign", slow_load)))
    first.start()
    assert loading.wait(10)
    # While the first thread loads, another asks: it gets the expired value
    # at once, and loads nothing.
    assert cache.get("campaign", lambda: loads.append("second") or "second") == "old"
    release.set()
    first.join(10)
    assert got == {"first": "new"}
    assert loads == ["slow"]


def test_a_value_nobody_has_yet_is_loaded_by_whoever_asks():
    cache: Expiring[str] = Expiring(60)
    loading, release = threading.Event(), threading.Event()

    def slow_load() -> str:
        loading.set()
        assert release.wait(10)
        return "slow"

    first = threading.Thread(target=lambda: cache.get("campaign", slow_load))
    first.start()
    assert loading.wait(10)
    # Nothing to answer with: the second thread loads its own (after an edit
    # cleared the cache, nobody may be handed what was there before it).
    assert cache.get("campaign", lambda: "own") == "own"
    release.set()
    first.join(10)


def test_a_failed_load_leaves_the_next_caller_free_to_load():
    cache: Expiring[str] = Expiring(60)
    expired_a_moment_ago(cache, "old")

    def broken() -> str:
        raise RuntimeError("database went away")

    try:
        cache.get("campaign", broken)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the load's error should reach its caller")
    assert cache.get("campaign", lambda: "new") == "new"


def slow_loader():
    loading, release = threading.Event(), threading.Event()

    def load() -> str:
        loading.set()
        assert release.wait(10)
        return "loaded before the edit"

    return load, loading, release


def test_a_value_that_expired_long_ago_is_not_handed_out_while_another_thread_loads():
    cache: Expiring[str] = Expiring(60)
    # Expired two minutes ago: older than `fresh` again.
    cache._entries["campaign"] = (time.monotonic() - 120, "ancient")
    load, loading, release = slow_loader()
    first = threading.Thread(target=lambda: cache.get("campaign", load))
    first.start()
    assert loading.wait(10)
    assert cache.get("campaign", lambda: "own") == "own"
    release.set()
    first.join(10)


def test_forget_all_during_a_load_leaves_nothing_from_before_it():
    cache: Expiring[str] = Expiring(60)
    expired_a_moment_ago(cache, "before the edit")
    load, loading, release = slow_loader()
    first = threading.Thread(target=lambda: cache.get("campaign", load))
    first.start()
    assert loading.wait(10)
    forget_all()  # an edit in this process, while the first thread loads
    # Another thread is not handed the value from before the edit...
    assert cache.get("campaign", lambda: "after the edit") == "after the edit"
    release.set()
    first.join(10)
    # ...and the load that began before the edit did not replace the new one.
    assert cache.get("campaign", lambda: "loaded again") == "after the edit"
