"""Move the clock of every Python process in a test run, when asked.

`scripts/run-tests.sh` runs the suite a last time with this folder on
PYTHONPATH and UNDERSIGNED_TEST_CLOCK set (an ISO date years ahead), so
pytest, its xdist workers and every worker or server process a test starts
live on that date from their first instruction, the clock still ticking. A
test that seeds data on one clock and measures on another, or that assumes
today's date, fails there instead of on the day the calendar catches up.
"""

import os

_destination = os.environ.get("UNDERSIGNED_TEST_CLOCK")
if _destination:
    import time_machine

    time_machine.travel(_destination, tick=True).start()
