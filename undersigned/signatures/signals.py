"""What the signatures app tells the layers above it about supporters' choices.

Each is sent inside the transaction that made the change, with
`signature_ids` (a list) and `campaign_id`, so that what a receiver writes
(integrations queues webhook events) commits or rolls back with the change:

- `signature_confirmed`: signatures that now count as confirmed (the
  e-mailed link, a remembered device, a key vouching, a release from review);
- `signature_withdrawn`: counted signatures their signers withdrew;
- `signature_erased`: signatures whose personal data their signers erased,
  sent before it is wiped.
"""

from django.dispatch import Signal

signature_confirmed = Signal()
signature_withdrawn = Signal()
signature_erased = Signal()
