"""How the counting layer tells the layers above it that counts moved.

`tallies_rose` is sent inside the transaction that raised the tallies, while
their row locks are held, with `tallies` (the locked Tally rows whose counts
went up). A receiver that creates rows because of a count (deliveries.milestones
creates the milestone deliveries) does so under those locks and commits or
rolls back with the counts. Receivers return the rows they created, so the
sender can log how much its batch did.
"""

from django.dispatch import Signal

tallies_rose = Signal()
