"""What the deliveries app tells the layers above it.

Each is sent inside the transaction that made the change, with `delivery`:

- `milestone_reached`: a milestone or goal delivery was just created (in the
  tally processor's transaction, its locks held);
- `delivery_sent`: a delivery is complete and at least one letter of it
  went out.
"""

from django.dispatch import Signal

milestone_reached = Signal()
delivery_sent = Signal()
