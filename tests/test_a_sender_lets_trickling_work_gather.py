"""A sender that finds only a few rows waits a moment before its next pass.

Work that trickles in (a sign surge's confirmation e-mails, a few each
millisecond) would otherwise be claimed one or two rows at a time, each pass
paying a look at every kind and a claim's transaction for them:
`bench/mailrate.py --rate 140` measured 4.8 ms of worker CPU per e-mail that
way and 2.7 ms with the wait (docs/performance.md). A full batch goes on at
once, so a queue that is behind is not slowed.
"""

from __future__ import annotations

import pytest

from undersigned.outgoing import sender


class ScriptedStop:
    """A stop event for sender.run that ends the loop once every scripted
    pass has run, and records each wait the loop asks for, after which pass."""

    def __init__(self, passes: list[int]):
        self.passes = list(passes)
        self.done = 0
        self.waits: list[tuple[int, float]] = []

    def is_set(self) -> bool:
        return self.done >= len(self.passes)

    def wait(self, seconds: float) -> bool:
        self.waits.append((abs(self.passes[self.done - 1]), seconds))
        return self.is_set()


@pytest.fixture
def scripted(monkeypatch):
    def make(passes: list[int]) -> ScriptedStop:
        stop = ScriptedStop(passes)

        def send_due(sessions, stop=None):
            handled = stop_event.passes[stop_event.done]
            stop_event.done += 1
            # A negative number stands for a pass that filled a kind's batch
            # (letters go five at a time): as many rows, and more may be due.
            sessions.filled = handled < 0
            return abs(handled)

        stop_event = stop
        monkeypatch.setattr(sender.work, "send_due", send_due)
        monkeypatch.setattr(sender, "housekeeping", lambda sessions, probe: None)
        return stop

    return make


def test_a_pass_with_a_few_rows_waits_like_an_idle_one_and_a_full_one_goes_on(scripted, db):
    stop = scripted([3, 50, 0, sender.FEW - 1, sender.FEW, 1])
    sender.run(stop, idle=0.2)  # type: ignore[arg-type]
    # After 3, 0, FEW - 1 and 1 rows: the idle wait. After 50 and FEW: none.
    assert stop.waits == [(3, 0.2), (0, 0.2), (sender.FEW - 1, 0.2), (1, 0.2)]


def test_a_pass_that_filled_a_small_batch_goes_on_at_once(scripted, db):
    # Five letters (a whole batch of them), then one e-mail.
    stop = scripted([-5, 1])
    sender.run(stop, idle=0.2)  # type: ignore[arg-type]
    assert stop.waits == [(1, 0.2)]
